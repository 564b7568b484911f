#pragma once
// `--metrics FILE.csv`: one row per node per simulated interval, the node's state at the end of
// the interval (events due exactly at a boundary belong to the next interval):
//   time_s,node,up,length,downloaded,bytes_in,bytes_out,peers,mailbox_peak
// length: the verified length of the node's feeds (summed when it holds several; 0 while down);
// downloaded: blocks its feeds downloaded since the start (cumulative); bytes_in/bytes_out:
// bytes delivered to/from it since the start (cumulative); peers: its open connections;
// mailbox_peak: the most messages any of its actors had queued when it ran in this interval.
// An observer only: sampling never schedules anything, so the run and its trace are the same
// with or without it.
#include <cstdint>
#include <ostream>
#include <vector>

#include "sim/trace_event.hpp"

namespace ddb::sim {

class world;

class metrics_recorder final : public trace_sink {
 public:
  // `out` is borrowed and must outlive the recorder; the header is written at once.
  metrics_recorder(std::ostream& out, int nodes, duration interval);
  metrics_recorder(const metrics_recorder&) = delete;
  metrics_recorder& operator=(const metrics_recorder&) = delete;

  void on_event(const trace_event& e) override;
  // An actor of node `n` ran with `depth` messages queued (the run loop, before it runs).
  void on_mailbox(int n, size_t depth) {
    if (n >= 0 && depth > mailbox_peak_[static_cast<size_t>(n)])
      mailbox_peak_[static_cast<size_t>(n)] = depth;
  }
  // Writes the rows of every interval that ends at or before `t` (simulated time since start).
  void advance(duration t, world& w);
  duration interval() const { return interval_; }
  uint64_t rows() const { return rows_; }

 private:
  void sample(duration at, world& w);

  std::ostream& out_;
  duration interval_;
  duration next_;
  std::vector<uint64_t> downloaded_, bytes_in_, bytes_out_;
  std::vector<size_t> mailbox_peak_;
  std::vector<int> peers_;
  uint64_t rows_ = 0;
};

}  // namespace ddb::sim
