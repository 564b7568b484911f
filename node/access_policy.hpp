#pragma once
// Who may replicate with a node: an optional node-wide allow-list of Noise static public keys
// (unset: anyone) and optional per-feed lists (by discovery key) that restrict a feed further.
// The peer actors ask it at the handshake (admits(remote): false refuses the connection) and
// when a channel would open (admits(dkey, remote): false refuses that feed only). The node
// replaces the lists when its config is reloaded; connections already up are re-checked with
// revoked() (the node ends them, see node/node_reload.cpp).
//
// Thread-safe: peer actors call it from any scheduler thread.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include <caf/actor.hpp>

#include "core/types.hpp"

namespace ddb {

class access_policy {
 public:
  using key_list = std::optional<std::vector<public_key>>;

  // Replaces every list: the node's and the feeds' (feeds absent from `feeds` are open to every
  // admitted peer).
  void set(const key_list& node, const std::map<hash_t, std::vector<public_key>>& feeds);

  // May `remote` connect at all? Counts a refusal.
  bool admits(const public_key& remote);
  // May `remote` replicate the feed `dkey`? Counts a refusal.
  bool admits(const hash_t& dkey, const public_key& remote);
  // The same questions without counting (for checks of live connections).
  bool allowed(const public_key& remote) const;
  bool allowed(const hash_t& dkey, const public_key& remote) const;

  // One connection's peer actor and remote key, for revoked(). The node's peer spawner makes a
  // slot per connection, passes it to admits() and hands the actor to track().
  struct peer_slot {
    caf::weak_actor_ptr actor;
    std::optional<public_key> remote;  // set once admitted
  };
  std::shared_ptr<peer_slot> new_slot();
  bool admits(const public_key& remote, peer_slot& slot);  // admits(remote), noting the key
  void track(const std::shared_ptr<peer_slot>& slot, const caf::actor& peer);

  // After set(): the live connections whose remote is no longer allowed at all, and those that
  // may no longer replicate a feed (with the feeds' discovery keys).
  struct revocation {
    caf::actor peer;
    public_key remote{};
    std::vector<hash_t> feeds;  // empty: the whole connection
  };
  std::vector<revocation> revoked();

  // True when no list is set (the default: public feeds).
  bool open() const;

  uint64_t refused_peers() const { return refused_peers_.load(); }
  uint64_t refused_channels() const { return refused_channels_.load(); }

 private:
  bool node_allows(const public_key& remote) const;  // under mu_

  mutable std::mutex mu_;
  std::optional<std::set<public_key>> node_;
  std::map<hash_t, std::set<public_key>> feeds_;
  std::vector<std::shared_ptr<peer_slot>> peers_;
  std::atomic<uint64_t> refused_peers_{0};
  std::atomic<uint64_t> refused_channels_{0};
};

}  // namespace ddb
