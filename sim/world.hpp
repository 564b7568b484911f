#pragma once
// The simulated world: N nodes in one actor system on CAF's test_coordinator. Each node has
// the production feed actors (detached = false) over memory storage behind a fault injector, a
// feed registry, and the production swarm actor over a simulated transport with a static
// discovery backend listing the node's topology neighbours; the swarm spawns production peer
// actors per connection, keeps one connection per remote node, redials with backoff and bans
// misbehaving peers, as in a deployed node. Writer, reader and observer actors drive the
// workload and feed the checkers.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>

#include "actors/feed_registry.hpp"
#include "feed/feed.hpp"
#include "messages/feed_messages.hpp"
#include "sim/checkers.hpp"
#include "sim/core.hpp"
#include "sim/network.hpp"
#include "sim/oracle.hpp"
#include "sim/replica_delays.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"
#include "storage/fault_env.hpp"
#include "wire/handshake.hpp"

namespace ddb::sim {

enum class role { writer, follower, sparse, adversary };

// One feed as held by one node.
struct node_feed {
  int feed = 0;
  role r = role::follower;
  std::optional<adversary_kind> adversary;
  std::shared_ptr<fault_injector> storage;  // survives crashes; replaced by a wipe
  caf::actor actor;                         // the feed actor
  caf::actor front;                         // what the registry hands peers (actor or proxy)
  caf::actor observer, driver;
  uint64_t length = 0;      // verified length seen in this incarnation
  uint64_t next_index = 0;  // writer: where the next batch goes
  bool append_in_flight = false;
  bool flipped = false;  // a bit flip was injected and must be detected
};

struct node_state {
  int id = 0;
  bool up = false;
  uint64_t incarnation = 0;
  rng r;
  wire::noise::dh_key_pair noise;
  std::shared_ptr<feed_registry> registry;
  std::vector<node_feed> feeds;
  std::set<int> neighbours;  // nodes this node dials (its static discovery's addresses)
  std::shared_ptr<sim_transport> transport;  // the swarm's transport (borrowed by the swarm)
  caf::actor swarm;                          // the production swarm actor of this incarnation
  std::vector<caf::actor> peers;
  bool lying_sync = false;
  bool skip_verify = false;
  std::optional<adversary_kind> adversary;
};

struct feed_keys {
  public_key key{};
  secret_key secret{};
  hash_t discovery_key{};
};

class world {
 public:
  world(caf::actor_system& sys, const scenario& sc, uint64_t seed);
  ~world();
  world(const world&) = delete;
  world& operator=(const world&) = delete;

  // Opens every node, schedules dials, workload and faults.
  void start();
  // Quits every actor (end of run).
  void stop();

  void crash(int n, const std::string& why);
  void restart(int n, bool wipe);
  // Ends a node's connections and marks it healed of every fault (liveness phase).
  void heal_all();

  core& sim() { return core_; }
  network& net() { return net_; }
  checkers& checks() { return checks_; }
  const replica_delays& delays() const { return delays_; }
  const scenario& spec() const { return sc_; }
  uint64_t seed() const { return seed_; }
  std::vector<node_state>& nodes() { return nodes_; }
  oracle& content(int feed, bool fork = false);
  const feed_keys& keys(int feed) const { return keys_[static_cast<size_t>(feed)]; }
  bool healed() const { return healed_; }
  uint64_t extension_logs() const { return extension_logs_; }

  // --- from the sim actors (sim/sim_actors.cpp) ---
  void on_feed_event(int n, int f, uint64_t inc, const feed_event& ev);
  void on_appended(int n, int f, uint64_t inc, uint64_t first, uint64_t count);
  void on_append_failed(int n, int f, uint64_t inc, const std::string& why);
  void on_read(int n, int f, uint64_t index, const byte_buffer& data);
  node_feed* find(int n, int f, uint64_t inc);

  // --- the end of the run (sim/final_check.cpp) ---
  struct probe;
  // Spawns one probe per live node feed; the driver then runs the coordinator until idle.
  void start_probes();
  // Checks the probes' answers: signed roots, stored bytes, forks, convergence.
  void evaluate();
  struct follower_metric {
    int node = 0;
    int feed = 0;
    std::optional<duration> converged;
    uint64_t length = 0;
    bool sparse = false;  // a sparse reader: its length only, no convergence bound
  };
  const std::vector<follower_metric>& follower_metrics() const { return metrics_; }
  uint64_t writer_length(int feed) const;

 private:
  void build_nodes();
  void build_topology();
  status open_feed(node_state& nd, node_feed& nf);
  void spawn_feed_actors(node_state& nd, node_feed& nf, std::unique_ptr<::ddb::feed> engine);
  void start_node(node_state& nd);
  // Storage settings of node `n` with a fresh seed. Undo records for a crash are only kept on
  // nodes that a fault can crash (the others never need them: a crash is all they are for).
  fault_config storage_config(node_state& nd) const;
  // The scenario's built-in extensions on this incarnation of a node's feed.
  void load_extensions(node_state& nd, node_feed& nf);
  void start_swarm(node_state& nd);
  caf::actor start_peer(node_state& nd, connection_ptr conn, std::vector<hash_t> feeds,
                        caf::actor observer);
  void schedule_faults();
  void apply_fault(const fault_spec& f);
  void apply_storage_fault(const fault_spec& f);
  void schedule_churn(const fault_spec& f, time_point t);
  void kill_actors(node_state& nd);
  void sample();
  void bit_flip(node_state& nd, node_feed& nf);
  void check_probe(const probe& p, uint64_t target, bool forker, duration deadline);

  caf::actor_system& sys_;
  scenario sc_;
  uint64_t seed_;
  core core_;
  network net_;
  checkers checks_;
  replica_delays delays_;
  std::vector<feed_keys> keys_;
  std::map<std::pair<int, bool>, std::unique_ptr<oracle>> oracles_;
  std::vector<node_state> nodes_;
  rng churn_rng_;
  std::map<std::pair<int, int>, std::vector<std::pair<duration, uint64_t>>> sync_log_;
  // Signature checks shared by every honest node: (message, signature, key) -> the real
  // Ed25519 result, computed once. Many followers check the same signed roots; the answer is
  // the same, so only the first pays (run time only: nothing observable changes). Signatures
  // the writers make are entered as they are made (they verify by construction).
  std::unordered_map<std::string, bool> verified_;
  std::vector<std::shared_ptr<probe>> probes_;
  std::vector<follower_metric> metrics_;
  std::map<int, uint64_t> writer_lengths_;
  std::set<int> unopenable_;     // writers already reported as not reopenable
  uint64_t extension_logs_ = 0;  // log lines of the scenario's extensions
  uint64_t peer_ids_ = 0;        // peer actor ids, numbered per run
  bool healed_ = false;
  bool stopped_ = false;
};

}  // namespace ddb::sim
