#pragma once
// Discovery on the Mainline DHT through libtorrent-rasterbar (production only; the simulator
// uses swarm/static_discovery). The info-hash of a feed is the first 20 bytes of its discovery
// key. Settings follow /work/shared/reference/DHT.md so that a private DHT also works on
// loopback (all nodes on one IP).
//
// One dht_discovery owns one lt::session (DHT only: no torrents, no disk I/O, no LSD, UPnP or
// NAT-PMP) and one worker thread. The worker pops alerts, runs lookups until their deadline
// (re-querying with back-off, reporting each address once per lookup), re-announces every
// `announce_interval_ms` (and at once whenever the routing table grows), and re-adds bootstrap
// nodes every ~50 ms until the routing table holds them.
//
// Thread-safety: announce/lookup/leave/add_node/shutdown may be called from any thread; they
// queue commands for the worker, which picks them up within `poll_ms`. `found` callbacks run on
// the worker thread: they must be quick and must not destroy this object (calling its methods,
// including shutdown(), is fine).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "swarm/discovery.hpp"

namespace ddb {

struct dht_options {
  // UDP (and TCP) listen address: an IP literal and a port (0 picks one). "lo:" or "0.0.0.0"
  // silently give no DHT on loopback (DHT.md).
  std::string listen = "127.0.0.1:0";
  // "HOST:PORT" of other DHT nodes; NEVER the public routers — empty means a standalone node.
  std::vector<std::string> bootstrap;
  int announce_interval_ms = 60000;
  // How long one lookup keeps querying and reporting.
  int lookup_deadline_ms = 3000;
  // The worker's alert-wait timeout: the latency of commands and timers.
  int poll_ms = 25;
};

class dht_discovery final : public discovery {
 public:
  ~dht_discovery() override;  // calls shutdown()

  dht_discovery(const dht_discovery&) = delete;
  dht_discovery& operator=(const dht_discovery&) = delete;

  // Announces `port` for the key until leave(); other nodes store it with the source IP they
  // see (127.0.0.1 on loopback).
  void announce(const hash_t& discovery_key, uint16_t port) override;
  // Reports "IP:PORT" strings (each at most once per lookup) until lookup_deadline_ms; a
  // lookup that finds nothing reports nothing.
  void lookup(const hash_t& discovery_key, peers_found_fn found) override;
  // Stops re-announcing. Entries already stored by other nodes expire there on their own.
  void leave(const hash_t& discovery_key) override;
  // Stops the worker (joins it unless called from it); later calls are ignored. Idempotent.
  void shutdown() override;

  // The bound UDP port: give "IP:<dht_port>" to other nodes as a bootstrap node.
  uint16_t dht_port() const;
  // Nodes in the routing table (refreshed every ~50 ms from dht_stats_alert).
  size_t routing_nodes() const;
  // Adds a bootstrap node "HOST:PORT" (IPv6 as "[ADDR]:PORT"); invalid_argument if malformed.
  status add_node(const std::string& host_port);

 private:
  struct impl;
  explicit dht_discovery(std::unique_ptr<impl> impl);
  friend result<std::unique_ptr<dht_discovery>> make_dht_discovery(dht_options options);

  std::unique_ptr<impl> impl_;
};

// Starts the session and the worker. Errors: invalid_argument (bad options or bootstrap
// entries), io_error (libtorrent failed, could not listen, or the DHT did not start).
result<std::unique_ptr<dht_discovery>> make_dht_discovery(dht_options options);

}  // namespace ddb
