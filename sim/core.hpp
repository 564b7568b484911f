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

  // --- the trace ---
  void hash(uint64_t a, uint64_t b = 0, uint64_t c = 0);
  // Hashes and remembers a readable event (the last `ring_size` are kept).
  void note(std::string what);
  uint64_t trace_hash() const { return trace_; }
  uint64_t trace_count() const { return count_; }
  const std::deque<trace_record>& recent() const { return recent_; }
  std::string recent_text(size_t n = 40) const;
  // Also prints every noted event to `out` as it happens (nullptr: off). Borrowed.
  void echo_to(std::ostream* out) { echo_ = out; }

 private:
  static constexpr size_t ring_size = 200;
  caf::actor_system& sys_;
  caf::scheduler::test_coordinator& sched_;
  time_point start_;
  std::multimap<time_point, std::function<void()>> events_;
  uint64_t trace_ = 0xcbf29ce484222325ULL;
  uint64_t count_ = 0;
  std::deque<trace_record> recent_;
  std::ostream* echo_ = nullptr;
};

// "12.345s"
std::string format_time(duration d);

}  // namespace ddb::sim
