#include "sim/floor.hpp"

#include <chrono>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

namespace ddb::sim {

namespace {

// Echoes every message back (the payload moves, as the peer actor's byte buffers do).
caf::behavior echo(caf::event_based_actor*) {
  return {
      [](uint64_t n, std::vector<uint8_t>& body) { return caf::make_message(n, std::move(body)); }};
}

caf::behavior bouncer(caf::event_based_actor* self, caf::actor other, uint64_t total) {
  self->send(other, uint64_t{0}, std::vector<uint8_t>(64));
  return {[=](uint64_t n, std::vector<uint8_t>& body) {
    if (n + 1 < total) self->send(other, n + 1, std::move(body));
  }};
}

}  // namespace

dispatch_floor measure_dispatch_floor(uint64_t messages) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  dispatch_floor f;
  auto b = sys.spawn(echo);
  auto a = sys.spawn(bouncer, b, messages / 2);
  auto t0 = std::chrono::steady_clock::now();
  while (sched.has_job()) {
    sched.run_once();
    ++f.activations;
  }
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  sched.run();
  return f;
}

}  // namespace ddb::sim
