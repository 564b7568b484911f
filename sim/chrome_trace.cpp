#include "sim/chrome_trace.hpp"

#include <nlohmann/json.hpp>

namespace ddb::sim {

namespace {

constexpr int process_id = 1;

int track_of(int node) {
  return node < 0 ? 0 : node + 1;
}

}  // namespace

chrome_trace_writer::chrome_trace_writer(std::ostream& out, int nodes) : out_(out), nodes_(nodes) {
  out_ << "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
}

void chrome_trace_writer::put(const std::string& json_object) {
  if (!first_) out_ << ",\n";
  first_ = false;
  out_ << json_object;
}

void chrome_trace_writer::on_event(const trace_event& e) {
  nlohmann::json j;
  j["name"] = event_name(e);
  j["cat"] = to_string(e.kind);
  j["ph"] = "i";
  j["s"] = "t";
  j["ts"] = static_cast<double>(e.at.count()) / 1000.0;
  j["pid"] = process_id;
  j["tid"] = track_of(e.node);
  nlohmann::json args;
  args["what"] = describe(e);
  if (e.kind == trace_kind::delivery) {
    args["to"] = e.peer;
    args["bytes"] = e.b;
  }
  j["args"] = std::move(args);
  // Notes may quote bytes from anywhere (extension logs): invalid UTF-8 is replaced, not thrown.
  put(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  ++events_;
}

void chrome_trace_writer::finish() {
  if (finished_) return;
  finished_ = true;
  put(nlohmann::json{{"name", "process_name"},
                     {"ph", "M"},
                     {"pid", process_id},
                     {"args", {{"name", "simulation"}}}}
          .dump());
  for (int n = -1; n < nodes_; ++n) {
    std::string name = n < 0 ? "world" : "node " + std::to_string(n);
    put(nlohmann::json{{"name", "thread_name"},
                       {"ph", "M"},
                       {"pid", process_id},
                       {"tid", track_of(n)},
                       {"args", {{"name", name}}}}
            .dump());
    put(nlohmann::json{{"name", "thread_sort_index"},
                       {"ph", "M"},
                       {"pid", process_id},
                       {"tid", track_of(n)},
                       {"args", {{"sort_index", track_of(n)}}}}
            .dump());
  }
  out_ << "\n]}\n";
}

}  // namespace ddb::sim
