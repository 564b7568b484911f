// The length-announce extension ("ddb/length", JSON): the writer announces its latest length to
// every peer as soon as it grows ({"length": N, "byteLength": M}) and to every peer that joins;
// a follower that hears of a length beyond its own asks its feed to update at once, instead of
// waiting for the Have that replication sends after the data is ready to serve (or never, to a
// sparse follower that has not asked for that range).
//
// config: update (true: followers call update(); false: they only log), log_every (1: log one
//         announcement in N at info level; 0: never).
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "ddatabase/extension.hpp"

namespace {

using ddb::plugin::feed_ref;
using ddb::plugin::key_bytes;
using ddb::plugin::peer_ref;

std::string announcement(const feed_ref& feed) {
  return nlohmann::json{{"length", feed.length}, {"byteLength", feed.byte_length}}.dump();
}

class length_announce final : public ddb::plugin::extension {
 public:
  length_announce(ddb::plugin::host_handle h, const std::string& config_json) : extension(h) {
    auto c = nlohmann::json::parse(config_json);
    update_ = c.value("update", update_);
    log_every_ = c.value("log_every", log_every_);
  }

  void on_feed_update(const feed_ref& feed) override {
    if (!feed.writable) return;
    uint64_t& last = announced_[feed.key];
    if (feed.length <= last) return;
    last = feed.length;
    host().broadcast(feed, announcement(feed));
  }

  void on_peer_add(const feed_ref& feed, const peer_ref& peer) override {
    if (feed.writable && feed.length > 0) host().send(feed, peer.id, announcement(feed));
  }

  void on_message(const feed_ref& feed, const peer_ref& peer, std::string_view text) override {
    if (feed.writable) return;  // only the writer's word counts
    auto m = nlohmann::json::parse(text, nullptr, false);
    if (m.is_discarded() || !m.is_object() || !m.contains("length") ||
        !m["length"].is_number_unsigned()) {
      host().warn("malformed announcement from peer " + std::to_string(peer.id));
      return;
    }
    uint64_t length = m["length"].get<uint64_t>();
    uint64_t& best = heard_[feed.key];
    if (length <= best) return;
    best = length;
    if (log_every_ > 0 && ++count_ % log_every_ == 0) {
      host().info("peer " + std::to_string(peer.id) + " announced length " +
                  std::to_string(length) + " of " + feed.key_hex().substr(0, 8));
    }
    if (update_ && length > feed.length) host().update(feed, length);
  }

 private:
  bool update_ = true;
  uint64_t log_every_ = 1;
  uint64_t count_ = 0;
  std::map<key_bytes, uint64_t> announced_;  // per feed: the last length we broadcast
  std::map<key_bytes, uint64_t> heard_;      // per feed: the best length announced to us
};

}  // namespace

DDB_PLUGIN(length_announce, "ddb/length", DDB_ENCODING_JSON)
