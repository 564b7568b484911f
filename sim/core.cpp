#include "sim/core.hpp"

#include <cstdio>

#include "sim/trace_event.hpp"

namespace ddb::sim {

core::core(caf::actor_system& sys)
    : sys_(sys), sched_(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
  start_ = sched_.clock().current_time;
}

void core::at(time_point t, std::function<void()> fn) {
  if (t < now()) t = now();
  events_.emplace(t, std::move(fn));  // multimap: equal keys keep insertion order
}

bool core::next_due(time_point& t) const {
  bool any = false;
  if (!events_.empty()) {
    t = events_.begin()->first;
    any = true;
  }
  const auto& timers = sched_.clock().schedule();
  if (!timers.empty() && (!any || timers.begin()->first < t)) {
    t = timers.begin()->first;
    any = true;
  }
  return any;
}

size_t core::run_due_events() {
  size_t n = 0;
  while (!events_.empty() && events_.begin()->first <= now()) {
    auto fn = std::move(events_.begin()->second);
    events_.erase(events_.begin());
    fn();
    ++n;
  }
  return n;
}

void core::hash(uint64_t a, uint64_t b, uint64_t c) {
  for (uint64_t v : {a, b, c}) {
    for (int i = 0; i < 8; ++i) {
      trace_ ^= (v >> (8 * i)) & 0xff;
      trace_ *= 0x100000001b3ULL;
    }
  }
  ++count_;
}

void core::emit(trace_kind k, int node, int peer, uint64_t a, uint64_t b, uint64_t c,
                std::string_view text) {
  trace_event e{elapsed(), k, node, peer, a, b, c, text};
  for (trace_sink* s : sinks_) s->on_event(e);
}

void core::event(trace_kind k, int node, int peer, uint64_t a, uint64_t b, uint64_t c) {
  hash(a, b, c);
  if (!sinks_.empty()) emit(k, node, peer, a, b, c, {});
}

void core::activation(uint64_t actor_id) {
  hash(actor_id);
  if (!sinks_.empty()) emit(trace_kind::activation, owner(actor_id), -1, actor_id, 0, 0, {});
}

int core::owner(uint64_t actor_id) const {
  auto it = owners_.find(actor_id);
  return it == owners_.end() ? -1 : it->second;
}

void core::note(std::string what) {
  note(std::move(what), trace_kind::note);
}

void core::note(std::string what, trace_kind k, int node) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char ch : what) {
    h ^= ch;
    h *= 0x100000001b3ULL;
  }
  uint64_t at = static_cast<uint64_t>(elapsed().count());
  hash(at, h);
  if (!sinks_.empty()) emit(k, node, -1, at, h, 0, what);
  recent_.push_back(trace_record{elapsed(), std::move(what)});
  if (recent_.size() > ring_size) recent_.pop_front();
}

std::string core::recent_text(size_t n) const {
  std::string out;
  size_t skip = recent_.size() > n ? recent_.size() - n : 0;
  for (size_t i = skip; i < recent_.size(); ++i) {
    out += "  [" + format_time(recent_[i].at) + "] " + recent_[i].what + "\n";
  }
  return out;
}

std::string format_time(duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", to_seconds(d));
  return buf;
}

}  // namespace ddb::sim
