#pragma once
// One traced event of a simulation run, as handed to trace sinks (the --verbose printer, the
// Chrome trace writer, the metrics recorder). Every event the trace hash covers is one
// trace_event, so a sink sees exactly trace_count() events. Sinks observe only: nothing they do
// may change the run (no randomness, no scheduling, no messages).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core.hpp"

namespace ddb::sim {

enum class trace_kind : uint8_t {
  activation,  // an actor ran (a = the actor id)
  delivery,    // a chunk reached `peer` from `node` (a = pipe direction, b = bytes)
  feed,        // a feed event on `node` (a = node << 32 | feed, b = type, c = length)
  ack,         // a writer's append was acknowledged (c = the new acknowledged length)
  read,        // a sparse reader got a block (c = index)
  connection,  // a connection opened or one of its ends went down
  fault,       // an injected fault (partition, clog, heal, storage fault, bit flip, ...)
  node,        // a node came up, crashed or restarted
  violation,   // an invariant failed
  note,        // anything else (extension logs, failed appends, detected forks, phases)
};
constexpr int trace_kind_count = 10;

const char* to_string(trace_kind k);
// The kind called `name` ("activation", ...), nullopt for an unknown name.
std::optional<trace_kind> trace_kind_named(std::string_view name);
// Every kind's name, comma-separated (for usage errors).
std::string trace_kind_names();

struct trace_event {
  duration at{};  // simulated time since the start of the run
  trace_kind kind = trace_kind::note;
  int node = -1;  // the node it happened on (-1: the world, e.g. a heal)
  int peer = -1;  // the other node of a delivery (-1: none)
  uint64_t a = 0, b = 0, c = 0;
  std::string_view text;  // notes: the readable text (valid during on_event only)
};

// The event's short name: the feed event's type for feed events ("append", "download"...),
// else its kind.
std::string event_name(const trace_event& e);

// One line for `e`, without the time ("node 3 activation actor 17").
std::string describe(const trace_event& e);

class trace_sink {
 public:
  virtual ~trace_sink() = default;
  virtual void on_event(const trace_event& e) = 0;
};

}  // namespace ddb::sim
