#pragma once
// `--report FILE.html`: one self-contained HTML page (inline SVG, no script, nothing fetched)
// about one run: each follower's verified length over simulated time, the CDF and percentiles
// of each feed's append-to-replica delays, bytes on the wire per interval, the faults, crashes,
// restarts and violations on a timeline, and the invariants' verdicts. Only simulated
// quantities appear (no wall time), so one seed gives the same page byte for byte.
#include <string>
#include <vector>

#include "sim/driver.hpp"
#include "sim/replica_delays.hpp"
#include "sim/trace_event.hpp"

namespace ddb::sim {

class world;

class html_report final : public trace_sink {
 public:
  // Samples every `interval` of simulated time.
  html_report(const scenario& sc, duration interval);
  html_report(const html_report&) = delete;
  html_report& operator=(const html_report&) = delete;

  void on_event(const trace_event& e) override;
  // Samples each interval that ends at or before `t` (the run loop, as for metrics).
  void advance(duration t, world& w);
  // The delays as they are at the end of the run (before the world goes).
  void take_delays(const replica_delays& d);
  // The page, from what was recorded and the run's report.
  std::string render(const run_report& r) const;

 private:
  struct mark {
    double at_s = 0;
    trace_kind kind = trace_kind::fault;
    std::string what;
  };
  const scenario& sc_;
  duration interval_;
  duration next_;
  std::vector<double> times_;                   // sample times, s
  std::vector<std::vector<double>> lengths_;    // per follower slot, per sample
  std::vector<std::pair<int, int>> followers_;  // (node, feed) of each slot
  std::vector<double> bytes_;                   // bytes delivered in each interval
  uint64_t bytes_now_ = 0, bytes_then_ = 0;
  std::vector<mark> marks_;
  std::vector<std::vector<int64_t>> delays_;  // per feed, sorted, ns
};

}  // namespace ddb::sim
