#pragma once
// `--trace FILE.json`: the run as Chrome trace-event JSON ({"traceEvents": [...]}, the format
// chrome://tracing and Perfetto open). One process ("simulation"), one track (thread) per node,
// named "node N", and track 0 "world" for events of no node (heals, phases, actors of no node).
// Every traced event is one instant event ("ph": "i") on its node's track at its simulated time
// in microseconds: activations, deliveries (on the sender's track, "to" in args), feed events
// (appends, downloads, syncs, ...), acknowledged appends, reads, connections, faults, crashes
// and restarts, violations, notes. Written as the run goes (nothing is kept in memory); the
// metadata naming the tracks closes the file.
#include <cstdint>
#include <ostream>

#include "sim/trace_event.hpp"

namespace ddb::sim {

class chrome_trace_writer final : public trace_sink {
 public:
  // `out` is borrowed and must outlive the writer; `nodes` tracks are named at finish().
  chrome_trace_writer(std::ostream& out, int nodes);
  // Finishes the document if finish() was not called (a run that ended with an exception).
  ~chrome_trace_writer() override { finish(); }
  chrome_trace_writer(const chrome_trace_writer&) = delete;
  chrome_trace_writer& operator=(const chrome_trace_writer&) = delete;

  void on_event(const trace_event& e) override;
  // Names the tracks and closes the JSON document; call once, at the end of the run.
  void finish();
  uint64_t events() const { return events_; }

 private:
  void put(const std::string& json_object);

  std::ostream& out_;
  int nodes_;
  uint64_t events_ = 0;
  bool first_ = true;
  bool finished_ = false;
};

}  // namespace ddb::sim
