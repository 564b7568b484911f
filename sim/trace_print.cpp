#include "sim/trace_print.hpp"

namespace ddb::sim {

bool trace_filter::matches(const trace_event& e) const {
  if (!kinds.empty() && kinds.count(e.kind) == 0) return false;
  if (nodes.empty()) return true;
  return nodes.count(e.node) > 0 || (e.peer >= 0 && nodes.count(e.peer) > 0);
}

void trace_printer::on_event(const trace_event& e) {
  if (!filter_.matches(e)) return;
  buffer_ += '[';
  buffer_ += format_time(e.at);
  buffer_ += "] ";
  buffer_ += describe(e);
  buffer_ += '\n';
  ++printed_;
  bool urgent =
      e.kind == trace_kind::fault || e.kind == trace_kind::node || e.kind == trace_kind::violation;
  if (urgent || buffer_.size() >= 16384) flush();
}

void trace_printer::flush() {
  if (buffer_.empty()) return;
  out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  out_.flush();
  buffer_.clear();
}

}  // namespace ddb::sim
