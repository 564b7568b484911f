#pragma once
// `--seeds A..B`: one run per seed, each in its own process (sim/isolate.hpp), and the
// distribution of each headline metric over the seeds (min, median, max) with the failing
// seeds. Headline metrics, read from each run's JSON report: trace_events, activations, bytes,
// messages, connections, resets, forks_detected, peak_mailbox, converged_max_s (the slowest
// follower that converged), unconverged (followers that did not), delay.FEED.p50_s, p90_s,
// p99_s, max_s (append-to-replica delays per feed), and speedup and wall_seconds (which depend
// on the machine, not only on the seed).
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "sim/checkers.hpp"
#include "sim/scenario.hpp"

namespace ddb::sim {

struct metric_spread {
  double min = 0, median = 0, max = 0;
  size_t seeds = 0;  // how many runs had it
};

struct sweep_result {
  std::string scenario;
  uint64_t first = 0, last = 0;
  int worst = 0;                                   // the exit code of the sweep
  std::vector<std::pair<uint64_t, int>> failures;  // seed, exit code
  std::map<std::string, metric_spread> metrics;    // by name (sorted)
};

// Headline metrics of one run's JSON report (to_json); empty for a report that does not parse.
std::vector<std::pair<std::string, double>> headline_metrics(const std::string& report_json);
// min, median (the mean of the middle two for an even count), max of `values` (not empty).
metric_spread spread(std::vector<double> values);

// Runs seeds [a, b]; `progress` (may be null) gets one line per seed as it ends.
sweep_result run_sweep(const scenario& sc, uint64_t a, uint64_t b, std::ostream* progress);

std::string to_json(const sweep_result& s);
std::string to_text(const sweep_result& s);

}  // namespace ddb::sim
