#pragma once
// The simulator's shared core: CAF's test_coordinator (the one global simulated clock), the sim
// event queue for things that are not actor messages (link deliveries, faults), the trace hash
// and the ring of recent events a violation report prints. Single-threaded; owned by the world.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/scheduler/test_coordinator.hpp>

namespace ddb::sim {

using duration = std::chrono::nanoseconds;
using time_point = caf::actor_clock::time_point;

inline double to_seconds(duration d) {
  return std::chrono::duration<double>(d).count();
}
inline duration from_ms(double ms) {
  return std::chrono::duration_cast<duration>(std::chrono::duration<double, std::milli>(ms));
}

enum class trace_kind : uint8_t;  // sim/trace_event.hpp
class trace_sink;

// One recorded event (kept for violation reports).
struct trace_record {
  duration at{};
  std::string what;
};

class core {
 public:
  explicit core(caf::actor_system& sys);
  core(const core&) = delete;
  core& operator=(const core&) = delete;

  caf::actor_system& system() { return sys_; }
  caf::scheduler::test_coordinator& sched() { return sched_; }
  time_point now() const { return sched_.clock().current_time; }
  // Simulated time since the start of the run.
  duration elapsed() const { return now() - start_; }

  // Schedules `fn` at `t` (not before now); ties run in the order they were scheduled.
  void at(time_point t, std::function<void()> fn);
  void after(duration d, std::function<void()> fn) { at(now() + d, std::move(fn)); }
  // The earliest of the sim events and CAF's timers; false when neither has anything.
  bool next_due(time_point& t) const;
  // Runs every sim event due at or before now. Returns how many ran.
  size_t run_due_events();

  // --- the trace: every event is hashed, counted and handed to the sinks ---
  // An event on `node` (-1: none), with `peer` the other node of a delivery; a, b and c are
  // what the hash covers (sim/trace_event.hpp says what they are for each kind).
  void event(trace_kind k, int node, int peer, uint64_t a, uint64_t b = 0, uint64_t c = 0);
  // An actor ran: hashes its id; the sinks learn its node (own()).
  void activation(uint64_t actor_id);
  // Hashes and remembers a readable event (the last `ring_size` are kept).
  void note(std::string what, trace_kind k, int node = -1);
  void note(std::string what);
  uint64_t trace_hash() const { return trace_; }
  uint64_t trace_count() const { return count_; }
  const std::deque<trace_record>& recent() const { return recent_; }
  std::string recent_text(size_t n = 40) const;
  // Also hands every event to `s` as it happens. Borrowed: it must outlive the run.
  void add_sink(trace_sink* s) { sinks_.push_back(s); }
  bool has_sinks() const { return !sinks_.empty(); }
  // The sinks see no more events (the trace is complete; what follows is tear-down).
  void clear_sinks() { sinks_.clear(); }
  // Actor `id` belongs to node `n` (for the sinks: activations are on their node's track).
  void own(uint64_t actor_id, int n) { owners_[actor_id] = n; }
  int owner(uint64_t actor_id) const;

 private:
  static constexpr size_t ring_size = 200;
  caf::actor_system& sys_;
  caf::scheduler::test_coordinator& sched_;
  time_point start_;
  std::multimap<time_point, std::function<void()>> events_;
  void hash(uint64_t a, uint64_t b = 0, uint64_t c = 0);
  void emit(trace_kind k, int node, int peer, uint64_t a, uint64_t b, uint64_t c,
            std::string_view text);

  uint64_t trace_ = 0xcbf29ce484222325ULL;
  uint64_t count_ = 0;
  std::deque<trace_record> recent_;
  std::vector<trace_sink*> sinks_;
  std::unordered_map<uint64_t, int> owners_;
};

// "12.345s"
std::string format_time(duration d);

}  // namespace ddb::sim
