// The echo/chat extension ("example/echo", UTF-8): logs every text message it receives, answers
// it with `prefix` + text, and greets every peer that joins with `greet` (when set). Replies are
// never echoed again, so two echo nodes do not ping-pong forever.
//
// config: prefix ("echo: "), greet (""), max_bytes (4096: longer messages are dropped),
//         enabled (true: false only logs).
#include <string>

#include <nlohmann/json.hpp>

#include "ddatabase/extension.hpp"

namespace {

using ddb::plugin::feed_ref;
using ddb::plugin::peer_ref;

class echo_extension final : public ddb::plugin::extension {
 public:
  echo_extension(ddb::plugin::host_handle h, const std::string& config_json) : extension(h) {
    auto c = nlohmann::json::parse(config_json);  // throws on bad JSON: init fails
    prefix_ = c.value("prefix", prefix_);
    greet_ = c.value("greet", greet_);
    max_bytes_ = c.value("max_bytes", max_bytes_);
    enabled_ = c.value("enabled", enabled_);
  }

  void on_message(const feed_ref& feed, const peer_ref& peer, std::string_view text) override {
    if (text.size() > max_bytes_) {
      host().warn("dropped a " + std::to_string(text.size()) + "-byte message from peer " +
                  std::to_string(peer.id));
      return;
    }
    host().info("peer " + std::to_string(peer.id) + " says: " + std::string(text));
    if (!enabled_ || text.substr(0, prefix_.size()) == prefix_) return;  // a reply: not echoed
    host().send(feed, peer.id, prefix_ + std::string(text));
  }

  void on_peer_add(const feed_ref& feed, const peer_ref& peer) override {
    if (!greet_.empty()) host().send(feed, peer.id, greet_);
  }

 private:
  std::string prefix_ = "echo: ";
  std::string greet_;
  size_t max_bytes_ = 4096;
  bool enabled_ = true;
};

}  // namespace

DDB_PLUGIN(echo_extension, "example/echo", DDB_ENCODING_UTF8)
