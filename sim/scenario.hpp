#pragma once
// A simulation scenario: nodes, feeds (writer, followers, sparse readers), topology, link
// models, workload, timed faults, adversaries, planted bugs and the invariants to check. Loaded
// from YAML (docs/simulator.md has the schema); the shrinker edits it and writes it back.
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "sim/core.hpp"
#include "sim/topology.hpp"

namespace ddb::sim {

struct feed_spec {
  std::string name = "main";
  int writer = 0;
  std::vector<int> followers;  // full, live followers
  std::vector<int> sparse;     // sparse readers (random gets)
};

struct workload_spec {
  int feed = 0;
  double rate = 10;  // append batches per simulated second
  uint32_t batch_min = 1, batch_max = 4;
  uint32_t block_min = 64, block_max = 1024;
  duration start = std::chrono::seconds(0);
  duration until = std::chrono::seconds(10);
  double read_rate = 2;  // gets per second per sparse reader
};

struct link_spec {
  std::vector<int> nodes;  // empty = every node
  double latency_ms = 5, tail_ms = 20, tail_chance = 0.1;
  std::string latency;     // a distribution (sim/latency.hpp) instead of latency_ms + tail
  double jitter_ms = 0;    // plus uniform [0, jitter] on every chunk
  uint64_t bandwidth = 0;  // bytes/s
  uint64_t queue_limit = 64ull << 20;
};

// A named group of nodes; latencies between regions come from region_links.
struct region_spec {
  std::string name;
  std::vector<int> nodes;
};

// The link between two regions (both directions; a == b: links inside one region).
struct region_link_spec {
  std::string a, b;
  std::string latency = "fixed:5ms";  // sim/latency.hpp
  uint64_t bandwidth = 0;             // bytes/s; 0 = the nodes' own
};

enum class fault_kind {
  partition,  // symmetric between groups a and b
  oneway,     // a -> b blocked only
  isolate,    // node cut off
  heal,
  reset,  // one random connection
  clog,
  crash,
  restart,  // wipe: restart with empty storage
  churn,    // random followers crash and restart between at and until
  storage,  // fault on a node's storage (see storage_fault)
};

enum class storage_fault { crash_at_write, torn_write, drop_unsynced, eio, enospc, bitflip };

struct fault_spec {
  fault_kind kind = fault_kind::heal;
  duration at{};
  duration until{};  // churn end; clog length
  duration every{};  // churn period
  duration down{};   // churn: time a node stays down
  std::vector<int> a, b;
  int node = -1;
  bool wipe = false;
  double extra_ms = 0;  // clog
  storage_fault storage = storage_fault::eio;
  uint64_t after_writes = 3;  // storage: the fault hits this many writes later
};

enum class adversary_kind { bad_signature, wrong_nodes, bad_data, fork, oversized, slow_drip };

struct adversary_spec {
  int node = -1;
  adversary_kind kind = adversary_kind::bad_data;
  int feed = 0;
};

struct planted_spec {
  std::vector<int> skip_verify;  // followers that accept any signature
  std::vector<int> lying_sync;   // nodes whose storage acknowledges sync without syncing
};

struct invariant_set {
  bool monotonic = true;
  bool verified = true;
  bool durable = true;
  bool forks = true;
  bool convergence = true;
  bool bounded = true;
  bool expect_fork = false;  // a fork must have been detected by the end
};

struct scenario {
  std::string name = "unnamed";
  int nodes = 3;
  std::string topology = "mesh";  // sim/topology.hpp
  edge_list edges;                // topology file:PATH, read by load_scenario
  duration length = std::chrono::seconds(30);
  duration heal_at{};  // faults healed; 0 = the workload's end
  duration converge_within = std::chrono::seconds(20);
  duration keep_alive = std::chrono::seconds(10);
  std::vector<feed_spec> feeds;
  std::vector<workload_spec> workload;
  std::vector<link_spec> links;
  std::vector<region_spec> regions;
  std::vector<region_link_spec> region_links;
  std::vector<fault_spec> faults;
  std::vector<adversary_spec> adversaries;
  planted_spec planted;
  invariant_set invariants;
  size_t mailbox_limit = 100000;
  // Built-in extension plugins ("length_announce", "echo") loaded on every node's feeds, as a
  // node's YAML `extensions:` would load them.
  std::vector<std::string> extensions;
};

// Read with the node configs' YAML reader: unknown keys are errors, every error is
// "ORIGIN:LINE: PATH: WHAT" (validation errors "ORIGIN: WHAT").
result<scenario> load_scenario(const std::string& path);
result<scenario> parse_scenario(const std::string& yaml_text,
                                const std::string& origin = "scenario");
std::string to_yaml(const scenario& s);
// Checks node numbers and roles; errc::invalid_argument with the first problem.
status validate(const scenario& s);

const char* to_string(fault_kind k);
const char* to_string(storage_fault k);
const char* to_string(adversary_kind k);

}  // namespace ddb::sim
