#pragma once
// Discovery backends behind one interface: given a discovery key, find "HOST:PORT" addresses of
// peers sharing that feed, and announce our own listening port for it. Backends: static peers
// from the node's config (swarm/static_discovery) and the Mainline DHT via libtorrent-rasterbar
// (swarm/dht_discovery), whose info-hash is the discovery key's first 20 bytes.
//
// Thread-safety: every method may be called from any thread; results arrive on the backend's
// own thread through the callback, so callers forward them to their actor (caf::anon_send).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"

namespace ddb {

using peers_found_fn =
    std::function<void(const hash_t& discovery_key, std::vector<std::string> addresses)>;

class discovery {
 public:
  virtual ~discovery() = default;
  // Starts announcing `port` (our listening port) for the key, re-announcing as the backend
  // requires until leave().
  virtual void announce(const hash_t& discovery_key, uint16_t port) = 0;
  // Looks peers up once; `found` is called zero or more times (possibly with duplicates).
  virtual void lookup(const hash_t& discovery_key, peers_found_fn found) = 0;
  virtual void leave(const hash_t& discovery_key) = 0;
  virtual void shutdown() = 0;
};

}  // namespace ddb
