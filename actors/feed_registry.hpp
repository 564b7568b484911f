#pragma once
// The feeds a node replicates, by discovery key: what a peer actor needs when a remote opens a
// channel (the feed's public key to check its capability, and the feed actor to attach).
// Thread-safe: shared by every peer actor of a node (std::shared_ptr) and updated by whoever
// opens and closes feeds.
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include <caf/actor.hpp>

#include "core/types.hpp"

namespace ddb {

class feed_registry {
 public:
  struct entry {
    public_key key{};
    caf::actor feed;
  };

  feed_registry() = default;
  feed_registry(const feed_registry&) = delete;
  feed_registry& operator=(const feed_registry&) = delete;

  // Registers (or replaces) the feed under `discovery_key`.
  void add(const hash_t& discovery_key, const public_key& key, caf::actor feed);
  // Registers the feed under its discovery key in namespace `ns` ("ddatabase" or "hypercore").
  // Returns that discovery key.
  hash_t add(const public_key& key, caf::actor feed, std::string_view ns = "ddatabase");
  // True when something was registered under `discovery_key`.
  bool remove(const hash_t& discovery_key);

  std::optional<entry> find(const hash_t& discovery_key) const;
  std::vector<hash_t> discovery_keys() const;
  size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::map<hash_t, entry> feeds_;  // guarded by mutex_
};

}  // namespace ddb
