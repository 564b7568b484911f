#include "cli/net_session.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <caf/all.hpp>

#include "messages/atoms.hpp"
#include "messages/feed_messages.hpp"
#include "messages/inspect.hpp"

#include <cstdio>
#include <ctime>
#include <future>

namespace ddb::cli {

net_session::net_session(caf::actor_system& sys, net_host_options opts)
    : registry(std::make_shared<feed_registry>()) {
  if (!opts.counters) opts.counters = std::make_shared<connection_counters>();
  if (!opts.bans) opts.bans = std::make_shared<address_bans>();
  asio_transport_options to;
  to.limits = opts.limits;
  to.counters = opts.counters;
  to.bans = opts.bans;  // banned hosts are refused at accept
  // Connections keep the io_context alive: peer actors that CAF destroys after this session
  // (at the actor system's shutdown) still close their sockets on a living io_context.
  net = make_asio_transport(io.shared_context(), std::move(to));
  host = std::make_unique<net_host>(sys, *net, registry, std::move(opts));
}

net_session::~net_session() {
  net->shutdown();
  io.stop();
}

status wait_peer_open(caf::scoped_actor& self, std::chrono::seconds timeout) {
  using clock_type = std::chrono::steady_clock;
  bool open = false;
  status err = make_error(errc::timeout, "the peer did not open the feed's channel");
  auto deadline = clock_type::now() + timeout;
  while (!open && clock_type::now() < deadline) {
    self->receive(
        [&](ddb_event_atom, const feed_event& ev) {
          if (ev.type == feed_event_type::peer_open) open = true;
          if (ev.type == feed_event_type::peer_remove) {
            err = make_error(errc::unavailable, "the peer closed the connection");
            deadline = clock_type::now();
          }
        },
        caf::after(std::chrono::milliseconds(100)) >> [] {});
  }
  return open ? status::ok() : err;
}

double max_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // KiB on Linux
}

progress::progress(bool enabled) : enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0) {}

void progress::update(uint64_t done, uint64_t total, uint64_t bytes, double seconds) {
  if (!enabled_) return;
  double mb_s = seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0;
  if (tty_) {
    constexpr int width = 30;
    int filled = total ? static_cast<int>(width * static_cast<double>(done) / total) : 0;
    if (filled > width) filled = width;
    std::fprintf(stderr, "\r[%.*s%*s] %llu/%llu blocks %.1f MB/s", filled,
                 "##############################", width - filled, "",
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                 mb_s);
    std::fflush(stderr);
    return;
  }
  // Plain lines: at most one per 10% (or per change when the total is unknown).
  uint64_t step = total ? done * 10 / total : done;
  if (step == last_printed_) return;
  last_printed_ = step;
  std::fprintf(stderr, "progress %llu/%llu blocks %.1f MB/s\n",
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total), mb_s);
}

void progress::finish() {
  if (enabled_ && tty_) std::fprintf(stderr, "\n");
}

}  // namespace ddb::cli
