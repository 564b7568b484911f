#pragma once
// A discovery backend that answers from a fixed list of peer addresses taken from the node's
// config: addresses per discovery key, plus addresses returned for every key. announce() and
// leave() are no-ops (nobody is told anything). The simulator uses this backend: it reads no
// clock, starts no thread and is fully deterministic.
//
// lookup() calls `found` SYNCHRONOUSLY, on the caller's thread, before it returns: once with
// the key's addresses followed by the "all keys" addresses (duplicates removed, order kept),
// or not at all when that list is empty. Callers must therefore not hold a lock that `found`
// needs. Thread-safety: every method may be called from any thread; set_all_keys() replaces
// the "all keys" list (a node's reloaded static_peers) for the lookups that follow.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "swarm/discovery.hpp"

namespace ddb {

struct static_peers {
  // "HOST:PORT" returned for every discovery key.
  std::vector<std::string> all_keys;
  // "HOST:PORT" returned only for the given discovery key.
  std::map<hash_t, std::vector<std::string>> by_key;
};

class static_discovery final : public discovery {
 public:
  explicit static_discovery(static_peers peers);

  static_discovery(const static_discovery&) = delete;
  static_discovery& operator=(const static_discovery&) = delete;

  void announce(const hash_t& discovery_key, uint16_t port) override {}
  void lookup(const hash_t& discovery_key, peers_found_fn found) override;
  void leave(const hash_t& discovery_key) override {}
  // After shutdown, lookups find nothing.
  void shutdown() override { stopped_.store(true); }

  void set_all_keys(std::vector<std::string> addresses);

  // The addresses a lookup of `discovery_key` reports (empty after shutdown).
  std::vector<std::string> addresses_for(const hash_t& discovery_key) const;

 private:
  mutable std::mutex mu_;
  static_peers peers_;
  std::atomic<bool> stopped_{false};
};

}  // namespace ddb
