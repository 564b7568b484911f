#pragma once
// Simulated links between nodes. A connection is a pipe with two directions; each direction
// keeps byte order (TCP) while the link model decides when bytes arrive: latency (a minimum plus
// a seeded tail), bandwidth (bytes serialize one after another), a queue limit (a sender that
// overruns it gets the connection reset), partitions (symmetric, asymmetric or isolating one
// node: bytes stall and flow again when healed, or the peer's keep-alive gives up), clogging
// (extra delay on a node's links for a while), resets and node crashes. Read boundaries are
// split and coalesced by the link's seeded RNG.
//
// Inbound traffic follows net/transport.hpp: (ddb_recv_atom, byte_buffer) then one
// (ddb_down_atom, reason) to the end's owner. Every delivery is hashed into the trace.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "net/transport.hpp"
#include "sim/core.hpp"
#include "sim/latency.hpp"
#include "sim/rng.hpp"

namespace ddb::sim {

struct link_model {
  std::optional<latency_dist> latency;  // when set, instead of latency_min + tail
  duration jitter{};                    // plus uniform [0, jitter) on every chunk
  duration latency_min = std::chrono::milliseconds(5);
  duration latency_tail = std::chrono::milliseconds(20);  // mean of the exponential tail
  double tail_chance = 0.1;                               // share of chunks that get a tail
  uint64_t bandwidth = 0;                                 // bytes/s; 0 = unlimited
  uint64_t queue_limit = 64ull << 20;                     // bytes in flight per direction
  double split_chance = 0.25;                             // a write arrives in pieces
  double coalesce_chance = 0.5;                           // joins a pending chunk
};

struct net_stats {
  uint64_t bytes = 0;
  uint64_t chunks = 0;
  uint64_t connections = 0;
  uint64_t resets = 0;
  uint64_t overflows = 0;
  uint64_t peak_queued = 0;  // bytes in flight on one direction
};

class pipe;

class network {
 public:
  network(core& c, uint64_t seed);
  ~network();
  network(const network&) = delete;
  network& operator=(const network&) = delete;

  // The model of links from node `n` (both directions use the slower end's bandwidth).
  void set_model(int n, link_model m);
  const link_model& model(int n) const;
  // Regions: node `n` is in region `r`; bytes between regions ra and rb (either way) take the
  // region link's latency instead of the sender's model, and its bandwidth when it has one.
  void set_region(int n, int r);
  void set_region_link(int ra, int rb, latency_dist latency, uint64_t bandwidth);
  struct region_link {
    latency_dist latency;
    uint64_t bandwidth = 0;
  };
  // The region link between the nodes' regions, null when there is none.
  const region_link* region_link_of(int a, int b) const;
  // One latency draw for bytes from `from` to `to` (clogs included), from `r`.
  duration sample_latency(int from, int to, rng& r) const;
  // The typical one-way latency from `from` to `to` (connection set-up, resumed bytes).
  duration base_latency(int from, int to) const;

  // A new connection from `a` (the initiator) to `b`. `on_end` runs once when it ends.
  std::pair<connection_ptr, connection_ptr> connect(int a, int b,
                                                    std::function<void()> on_end = {});
  // Listener of node `n` (sim_transport::listen); dial() connects to it after a round trip.
  void listen(int n, accept_handler on_accept);
  void unlisten(int n);
  void dial(int from, int to, std::function<void(result<connection_ptr>)> done,
            std::function<void()> on_end = {});

  // --- faults ---
  void block(int from, int to);  // bytes from -> to stall
  void isolate(int n);           // blocks every direction to and from n
  void heal();                   // removes every partition; stalled bytes flow again
  bool blocked(int from, int to) const;
  void clog(int n, duration extra, duration length);
  // Resets every connection of `n` (its ends and the remotes get ddb_down_atom "reset").
  void reset_node(int n, const std::string& reason);
  // Resets one random live connection (seeded).
  void reset_random(const std::string& reason);

  const net_stats& stats() const { return stats_; }
  // counts[n] = the open connections of node n (counts is resized to hold every node seen).
  void connection_counts(std::vector<int>& counts) const;

  // --- used by pipes ---
  core& sim() { return core_; }
  rng& link_rng(int a, int b);
  duration clog_extra(int n) const;
  void stat_delivered(size_t n);
  void stat_queued(uint64_t q);
  void ended(uint64_t id);
  net_stats& mutable_stats() { return stats_; }

 private:
  core& core_;
  uint64_t seed_;
  uint64_t next_pipe_ = 1;
  std::map<int, link_model> models_;
  std::map<int, int> regions_;
  std::map<std::pair<int, int>, region_link> region_links_;
  link_model default_model_;
  std::map<uint64_t, std::shared_ptr<pipe>> pipes_;
  std::map<int, accept_handler> listeners_;
  std::map<std::pair<int, int>, rng> link_rngs_;
  std::set<std::pair<int, int>> blocked_;
  std::set<int> isolated_;
  std::map<int, std::pair<duration, time_point>> clogs_;
  rng reset_rng_;
  net_stats stats_;
};

// A node's view of the network as the production transport interface ("sim:<node>" addresses).
class sim_transport final : public transport {
 public:
  sim_transport(network& net, int node) : net_(net), node_(node) {}
  result<std::string> listen(const std::string& address, accept_handler on_accept) override;
  void dial(const std::string& address, std::function<void(result<connection_ptr>)> done) override;
  void shutdown() override;

 private:
  network& net_;
  int node_;
};

}  // namespace ddb::sim
