#pragma once
// `--verbose`: every traced event as one line "[12.345s] <describe(event)>", optionally only
// some kinds (--events) and some nodes (--nodes: an event matches when it happened on one of
// them or, for a delivery, reached one of them).
#include <ostream>
#include <set>
#include <string>

#include "sim/trace_event.hpp"

namespace ddb::sim {

struct trace_filter {
  std::set<trace_kind> kinds;  // empty: every kind
  std::set<int> nodes;         // empty: every node (and the world's own events)
  bool matches(const trace_event& e) const;
};

class trace_printer final : public trace_sink {
 public:
  // `out` is borrowed and must outlive the printer.
  trace_printer(std::ostream& out, trace_filter filter) : out_(out), filter_(std::move(filter)) {}
  ~trace_printer() override { flush(); }
  trace_printer(const trace_printer&) = delete;
  trace_printer& operator=(const trace_printer&) = delete;
  void on_event(const trace_event& e) override;
  // Lines are written in batches (stderr is unbuffered); faults, node events and violations,
  // and the end of the run, flush at once.
  void flush();
  uint64_t printed() const { return printed_; }

 private:
  std::ostream& out_;
  std::string buffer_;
  trace_filter filter_;
  uint64_t printed_ = 0;
};

}  // namespace ddb::sim
