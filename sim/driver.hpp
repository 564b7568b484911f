#pragma once
// The lock-step run loop: run every runnable actor until none is left, then advance the one
// simulated clock (CAF's test_coordinator) to the next due timer or sim event; repeat until the
// scenario's duration. The trace hash covers the order of every actor activation and every
// delivered chunk, feed event and fault. Then the final probes and checks, and a report.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "sim/checkers.hpp"
#include "sim/scenario.hpp"
#include "sim/trace_print.hpp"

namespace ddb::sim {

struct follower_report {
  int node = 0;
  int feed = 0;
  double converged_s = -1;  // < 0: did not converge (always, for a sparse reader)
  uint64_t length = 0;
  bool sparse = false;
};

// Append-to-replica delays of one feed (sim/replica_delays.hpp), in seconds.
struct feed_delays {
  int feed = 0;
  std::string name;
  uint64_t samples = 0;  // (follower, block) pairs
  double p50_s = 0, p90_s = 0, p99_s = 0, max_s = 0;
};

struct run_report {
  std::string scenario;
  uint64_t seed = 0;
  outcome result = outcome::ok;
  std::string crash;  // the exception that ended the run
  std::vector<violation> violations;
  uint64_t trace = 0;
  uint64_t trace_events = 0;
  uint64_t activations = 0;  // actor activations (jobs run)
  double sim_seconds = 0;
  double wall_seconds = 0;
  uint64_t bytes = 0, chunks = 0, connections = 0, resets = 0, overflows = 0, peak_queued = 0;
  size_t peak_mailbox = 0;
  uint64_t forks = 0;
  uint64_t extension_logs = 0;  // log lines the scenario's extensions wrote
  uint64_t peak_rss_kb = 0;
  // --floor: CAF's own cost per activation here (sim/floor.hpp), 0 when not measured.
  double floor_ns = 0;
  // Simulated seconds per wall second; at most that with only the dispatch floor paid (0 when
  // not measured).
  double speedup() const { return wall_seconds > 0 ? sim_seconds / wall_seconds : 0; }
  double activations_per_second() const {
    return wall_seconds > 0 ? static_cast<double>(activations) / wall_seconds : 0;
  }
  double floor_speedup() const {
    double floor_s = static_cast<double>(activations) * floor_ns * 1e-9;
    return floor_s > 0 ? sim_seconds / floor_s : 0;
  }
  std::vector<follower_report> followers;
  std::vector<uint64_t> writer_lengths;
  std::vector<feed_delays> delays;  // one per feed
  int nodes = 0;
};

struct run_options {
  bool verbose = false;                 // every trace event on stderr as it happens
  trace_filter verbose_filter;          // --events, --nodes
  std::ostream* verbose_out = nullptr;  // where --verbose prints (borrowed); null: stderr
  bool floor = false;  // also measure the dispatch floor (after the run, not in its time)
  // --metrics: one CSV row per node per interval (sim/metrics.hpp) to this stream (borrowed).
  std::ostream* metrics_out = nullptr;
  duration metrics_interval = std::chrono::milliseconds(100);
  // --trace: Chrome trace-event JSON (sim/chrome_trace.hpp) to this stream (borrowed).
  std::ostream* trace_out = nullptr;
  // --report: one self-contained HTML page (sim/html_report.hpp) to this stream (borrowed).
  std::ostream* report_out = nullptr;
};

// Runs one scenario with one seed in this process (exceptions become outcome::crash).
run_report run_scenario(const scenario& sc, uint64_t seed, const run_options& opts = {});

std::string to_json(const run_report& r);
std::string to_text(const run_report& r);
// The commit the simulator was built from ("unknown" outside a git checkout).
const char* build_commit();

}  // namespace ddb::sim
