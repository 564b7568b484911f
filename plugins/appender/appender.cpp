// The appender extension ("example/appender", UTF-8): on a feed this node writes, every message
// a peer sends becomes a block of the feed. Once the block is stored, the extension reads it back
// through the host and tells the peer "appended N: TEXT", so the sender learns where its message
// landed (and sees it replicated like any other block). On a feed it cannot write, it only logs
// what it receives. Messages that are not UTF-8 are dropped by the host and reported to on_error,
// which logs them. Shows the host's get and append (ABI 1.1).
//
// config: max_bytes (4096: longer messages are refused), reply (true).
#include <string>

#include <nlohmann/json.hpp>

#include "ddatabase/extension.hpp"

namespace {

using ddb::plugin::feed_ref;
using ddb::plugin::peer_ref;

class appender_extension final : public ddb::plugin::extension {
 public:
  appender_extension(ddb::plugin::host_handle h, const std::string& config_json) : extension(h) {
    auto c = nlohmann::json::parse(config_json);  // throws on bad JSON: init fails
    max_bytes_ = c.value("max_bytes", max_bytes_);
    reply_ = c.value("reply", reply_);
  }

  void on_message(const feed_ref& feed, const peer_ref& peer, std::string_view text) override {
    const std::string from = "peer " + std::to_string(peer.id);
    if (!feed.writable) {
      host().info(from + " says: " + std::string(text));
      return;
    }
    if (text.size() > max_bytes_) {
      host().warn("refused a " + std::to_string(text.size()) + "-byte message from " + from);
      return;
    }
    const ddb::plugin::host_handle h = host();
    const bool reply = reply_;
    const uint64_t to = peer.id;
    bool asked = h.append(feed, text, [h, feed, reply, to, from](bool ok, uint64_t index) {
      if (!ok) return h.warn("could not append the message of " + from);
      // Read the stored block back, as any reader of the feed would see it.
      h.get(feed, index, [h, feed, reply, to](bool found, uint64_t i, std::string_view data) {
        if (!found) return h.warn("block " + std::to_string(i) + " is not readable");
        const std::string line = "appended " + std::to_string(i) + ": " + std::string(data);
        h.info(line);
        if (reply) h.send(feed, to, line);
      });
    });
    if (!asked) host().warn("the host cannot append (ABI older than 1.1?)");
  }

  void on_error(const feed_ref&, const peer_ref& peer, std::string_view reason) override {
    host().warn("peer " + std::to_string(peer.id) + " sent a message that is " +
                std::string(reason));
  }

 private:
  size_t max_bytes_ = 4096;
  bool reply_ = true;
};

}  // namespace

DDB_PLUGIN(appender_extension, "example/appender", DDB_ENCODING_UTF8)
