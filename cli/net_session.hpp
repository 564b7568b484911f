#pragma once
// What the networked subcommands share: an asio transport on its own thread, a registry, a net
// host, and waiting for SIGINT/SIGTERM. The transport and the host share opts.limits,
// opts.counters and opts.bans (net/connection_limits.hpp): banned hosts are refused at accept.
// Every connection keeps the io_context alive, so the session may end while peer actors (and their
// connections) are still being destroyed.
#include <csignal>
#include <memory>
#include <string>

#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/feed_client.hpp"
#include "actors/feed_registry.hpp"
#include "cli/signals.hpp"
#include "net/asio_transport.hpp"
#include "node/net_host.hpp"

namespace ddb::cli {

struct net_session {
  net_session(caf::actor_system& sys, net_host_options opts);
  ~net_session();

  io_thread io;
  std::unique_ptr<transport> net;
  std::shared_ptr<feed_registry> registry;
  std::unique_ptr<net_host> host;
};

// Waits until a subscribed feed reports its peer's channel open (feed_event peer_open), or
// fails after `timeout` or when the peer goes away first.
status wait_peer_open(caf::scoped_actor& self, std::chrono::seconds timeout);

// The process's peak resident set size in MB.
double max_rss_mb();

// A one-line progress display: a bar on a terminal, plain lines otherwise.
class progress {
 public:
  explicit progress(bool enabled);
  void update(uint64_t done, uint64_t total, uint64_t bytes, double seconds);
  void finish();

 private:
  bool enabled_;
  bool tty_;
  uint64_t last_printed_ = UINT64_MAX;
};

}  // namespace ddb::cli
