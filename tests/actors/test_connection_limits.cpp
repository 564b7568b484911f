#define BOOST_TEST_MODULE connection_limits
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <asio/post.hpp>
#include <caf/all.hpp>

#include "config/config_loader.hpp"
#include "messages/atoms.hpp"
#include "net/asio_transport.hpp"
#include "net/connection_limits.hpp"
#include "node/net_host.hpp"

// The asio transport's accept loop and admission limits, and the net host's handshake deadline,
// over real sockets on 127.0.0.x (clients bind 127.0.0.2, 127.0.0.3... to be distinct addresses).
namespace {

using namespace std::chrono_literals;
using ddb::connection_ptr;

struct init_fixture {
  init_fixture() { BOOST_REQUIRE(sodium_init() >= 0); }
};
BOOST_TEST_GLOBAL_FIXTURE(init_fixture);

uint16_t port_of(const std::string& address) {
  return static_cast<uint16_t>(std::stoul(address.substr(address.rfind(':') + 1)));
}

// A blocking TCP client bound to `source` (an address of 127/8); -1 on failure.
int connect_from(const std::string& source, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in src{};
  src.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &src.sin_addr);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads once, waiting at most `ms`: >0 bytes read, 0 the server closed (EOF or reset), -1 nothing
// arrived in time.
int read_within(int fd, int ms, char* buf = nullptr, size_t n = 0) {
  char scratch[64];
  if (buf == nullptr) {
    buf = scratch;
    n = sizeof scratch;
  }
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, ms) <= 0) return -1;
  ssize_t got = ::recv(fd, buf, n, 0);
  return got > 0 ? static_cast<int>(got) : 0;
}

// The server's accept handler for admission tests: counts the accepted connections (and keeps
// them, so that they stay live).
struct acceptor_box {
  std::mutex mu;
  std::vector<connection_ptr> conns;
  size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return conns.size();
  }
};

struct server {
  ddb::io_thread io;
  std::shared_ptr<ddb::connection_counters> counters = std::make_shared<ddb::connection_counters>();
  std::shared_ptr<ddb::address_bans> bans = std::make_shared<ddb::address_bans>();
  std::shared_ptr<acceptor_box> box = std::make_shared<acceptor_box>();
  std::unique_ptr<ddb::transport> net;
  uint16_t port = 0;

  // handshaken: every accepted connection is marked as past its handshake at once (as a peer
  // actor does when its handshake completes); otherwise none is.
  explicit server(ddb::connection_limits limits, bool handshaken = false) {
    ddb::asio_transport_options o;
    o.limits = limits;
    o.counters = counters;
    o.bans = bans;
    net = ddb::make_asio_transport(io.shared_context(), o);
    auto b = box;
    auto r = net->listen("127.0.0.1:0", [b, handshaken](connection_ptr c) {
      if (handshaken) c->mark_handshaken();
      std::lock_guard<std::mutex> lock(b->mu);
      b->conns.push_back(std::move(c));
    });
    BOOST_REQUIRE(r.has_value());
    port = port_of(*r);
  }
  ~server() { net->shutdown(); }

  bool wait_accepted(size_t n) {
    for (int i = 0; i < 500 && box->size() < n; ++i) std::this_thread::sleep_for(10ms);
    return box->size() >= n;
  }
};

}  // namespace

// A child process runs out of file descriptors while connections wait in the backlog: accepts
// fail with EMFILE; once fds are free again every waiting and every new connection is accepted.
BOOST_AUTO_TEST_CASE(accept_continues_after_running_out_of_file_descriptors) {
  int to_child[2], to_parent[2];
  BOOST_REQUIRE(::pipe(to_child) == 0 && ::pipe(to_parent) == 0);
  pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {  // the child: a server with few fds; no Boost.Test here, only _exit codes
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = 128;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) ::_exit(10);
    char cmd = 0;
    {
      ddb::connection_limits limits;
      limits.accept_backoff_min = 20ms;
      limits.accept_backoff_max = 100ms;
      server s(limits);
      auto box = s.box;
      uint16_t port = s.port;
      if (::write(to_parent[1], &port, sizeof port) != sizeof port) ::_exit(11);
      if (::read(to_child[0], &cmd, 1) != 1) ::_exit(12);  // 'e': exhaust
      std::vector<int> hogs;
      for (int fd; (fd = ::dup(0)) >= 0;) hogs.push_back(fd);
      if (::write(to_parent[1], "x", 1) != 1) ::_exit(13);
      if (::read(to_child[0], &cmd, 1) != 1) ::_exit(14);  // 'r': release
      for (int fd : hogs) ::close(fd);
      for (int i = 0; i < 500 && box->size() < 8; ++i) std::this_thread::sleep_for(10ms);
      uint64_t report[2] = {box->size(), s.counters->accept_errors.load()};
      if (::write(to_parent[1], report, sizeof report) != sizeof report) ::_exit(15);
      if (::read(to_child[0], &cmd, 1) != 1) ::_exit(16);  // 'q': quit
    }
    ::_exit(0);
  }
  uint16_t port = 0;
  BOOST_REQUIRE(::read(to_parent[0], &port, sizeof port) == sizeof port);
  BOOST_REQUIRE(::write(to_child[1], "e", 1) == 1);
  char ack = 0;
  BOOST_REQUIRE(::read(to_parent[0], &ack, 1) == 1);
  std::vector<int> clients;
  for (int i = 0; i < 4; ++i) clients.push_back(connect_from("127.0.0.1", port));  // backlog
  std::this_thread::sleep_for(300ms);  // the child's accepts fail meanwhile
  BOOST_REQUIRE(::write(to_child[1], "r", 1) == 1);
  for (int i = 0; i < 4; ++i) clients.push_back(connect_from("127.0.0.1", port));  // after
  uint64_t report[2] = {0, 0};
  BOOST_REQUIRE(::read(to_parent[0], report, sizeof report) == sizeof report);
  BOOST_TEST_MESSAGE("accepted " << report[0] << ", accept errors " << report[1]);
  BOOST_TEST(report[0] == 8u);  // every connection, those from the exhausted period included
  BOOST_TEST(report[1] >= 1u);
  BOOST_REQUIRE(::write(to_child[1], "q", 1) == 1);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  BOOST_TEST(WIFEXITED(wstatus));
  BOOST_TEST(WEXITSTATUS(wstatus) == 0);
  for (int fd : clients) ::close(fd);
}

// An accept handler that throws (std::bad_alloc, then another exception) costs that connection
// only: the next ones are accepted, and the io thread keeps running handlers.
BOOST_AUTO_TEST_CASE(accept_and_io_thread_survive_throwing_handlers) {
  ddb::io_thread io;
  auto counters = std::make_shared<ddb::connection_counters>();
  ddb::asio_transport_options o;
  o.counters = counters;
  o.limits.accept_backoff_min = 10ms;
  auto net = ddb::make_asio_transport(io.shared_context(), o);
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto r = net->listen("127.0.0.1:0", [calls](connection_ptr) {
    int n = ++*calls;
    if (n == 1) throw std::bad_alloc();
    if (n == 2) throw std::runtime_error("handler failed");
  });
  BOOST_REQUIRE(r.has_value());
  std::vector<int> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(connect_from("127.0.0.1", port_of(*r)));
  for (int i = 0; i < 500 && calls->load() < 3; ++i) std::this_thread::sleep_for(10ms);
  BOOST_TEST(calls->load() == 3);
  BOOST_TEST(counters->accept_errors.load() >= 1u);
  // A posted handler that throws does not stop the io thread either.
  asio::post(io.context(), [] { throw std::runtime_error("posted handler failed"); });
  std::promise<void> ran;
  asio::post(io.context(), [&ran] { ran.set_value(); });
  BOOST_TEST((ran.get_future().wait_for(5s) == std::future_status::ready));
  net->shutdown();
  for (int fd : clients) ::close(fd);
}

// Every connection from the address finished its handshake: the newcomer is refused.
BOOST_AUTO_TEST_CASE(per_address_cap_refuses_at_once_and_other_addresses_get_in) {
  ddb::connection_limits limits;
  limits.max_per_address = 2;
  server s(limits, true);
  int a1 = connect_from("127.0.0.1", s.port), a2 = connect_from("127.0.0.1", s.port);
  BOOST_REQUIRE(s.wait_accepted(2));
  int a3 = connect_from("127.0.0.1", s.port);
  BOOST_TEST(read_within(a3, 2000) == 0);  // closed by the server at once
  BOOST_TEST(s.counters->refused_per_address.load() == 1u);
  int b1 = connect_from("127.0.0.2", s.port);
  BOOST_TEST(s.wait_accepted(3));
  BOOST_TEST(read_within(b1, 100) == -1);  // open
  for (int fd : {a1, a2, a3, b1}) ::close(fd);
}

// The address is at its cap with connections still in their handshake: the oldest of them is
// reset (its fd released at once) and the newcomer accepted; a connection that finished its
// handshake is never evicted, and once all of them have, the next newcomer is refused.
BOOST_AUTO_TEST_CASE(per_address_cap_evicts_the_oldest_unfinished_handshake) {
  ddb::connection_limits limits;
  limits.max_per_address = 2;
  server s(limits);
  int a1 = connect_from("127.0.0.1", s.port), a2 = connect_from("127.0.0.1", s.port);
  BOOST_REQUIRE(s.wait_accepted(2));
  s.box->conns[1]->mark_handshaken();  // a2 finished its handshake
  int a3 = connect_from("127.0.0.1", s.port);
  BOOST_REQUIRE(s.wait_accepted(3));       // the newcomer is accepted ...
  BOOST_TEST(read_within(a1, 2000) == 0);  // ... and the oldest silent one reset
  BOOST_TEST(read_within(a2, 100) == -1);  // the handshaken one stays open
  BOOST_TEST(read_within(a3, 100) == -1);  // the newcomer stays open
  BOOST_TEST(s.counters->handshakes_evicted.load() == 1u);
  BOOST_TEST(s.counters->refused_per_address.load() == 0u);
  // Now a2 and a3 are live from 127.0.0.1; once a3 finished its handshake too, nothing from the
  // address can be evicted: the next one is refused.
  s.box->conns[2]->mark_handshaken();
  int a4 = connect_from("127.0.0.1", s.port);
  BOOST_TEST(read_within(a4, 2000) == 0);
  BOOST_TEST(s.counters->refused_per_address.load() == 1u);
  BOOST_TEST(s.counters->handshakes_evicted.load() == 1u);
  BOOST_TEST(s.box->size() == 3u);
  BOOST_TEST(read_within(a2, 100) == -1);
  BOOST_TEST(read_within(a3, 100) == -1);
  for (int fd : {a1, a2, a3, a4}) ::close(fd);
}

BOOST_AUTO_TEST_CASE(connection_cap_refuses_at_once) {
  ddb::connection_limits limits;
  limits.max_connections = 3;
  server s(limits);
  std::vector<int> fds;
  for (int i = 0; i < 3; ++i)
    fds.push_back(connect_from("127.0.0." + std::to_string(i + 2), s.port));
  BOOST_REQUIRE(s.wait_accepted(3));
  fds.push_back(connect_from("127.0.0.9", s.port));
  BOOST_TEST(read_within(fds.back(), 2000) == 0);
  BOOST_TEST(s.counters->refused_over_cap.load() == 1u);
  BOOST_TEST(s.box->size() == 3u);
  for (int fd : fds) ::close(fd);
}

BOOST_AUTO_TEST_CASE(banned_address_is_refused_at_accept) {
  server s(ddb::connection_limits{});
  s.bans->ban("127.0.0.2");
  int banned = connect_from("127.0.0.2", s.port);
  BOOST_TEST(read_within(banned, 2000) == 0);
  BOOST_TEST(s.counters->refused_banned.load() == 1u);
  int other = connect_from("127.0.0.3", s.port);
  BOOST_TEST(s.wait_accepted(1));
  s.bans->unban("127.0.0.2");
  int again = connect_from("127.0.0.2", s.port);
  BOOST_TEST(s.wait_accepted(2));
  for (int fd : {banned, other, again}) ::close(fd);
}

BOOST_AUTO_TEST_CASE(address_host_strips_the_port) {
  BOOST_TEST(ddb::address_host("tcp 127.0.0.1:4000") == "127.0.0.1");
  BOOST_TEST(ddb::address_host("10.0.0.2:1") == "10.0.0.2");
  BOOST_TEST(ddb::address_host("[::1]:4000") == "::1");
  BOOST_TEST(ddb::address_host("sim-node-3") == "sim-node-3");
  BOOST_TEST(ddb::address_host("sim:3") == "sim:3");
}

namespace {

// Open fds of this process.
size_t open_fds() {
  size_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd");
       it != std::filesystem::directory_iterator(); ++it)
    ++n;
  return n;
}

struct host_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<ddb::connection_counters> counters = std::make_shared<ddb::connection_counters>();
  ddb::io_thread io;
  std::unique_ptr<ddb::transport> net;
  std::unique_ptr<ddb::net_host> host;
  uint16_t port = 0;

  explicit host_fixture(ddb::connection_limits limits) {
    ddb::asio_transport_options o;
    o.limits = limits;
    o.counters = counters;
    net = ddb::make_asio_transport(io.shared_context(), o);
    ddb::net_host_options ho;
    ho.noise_keys = ddb::net_host::random_keys();
    ho.live = true;
    ho.limits = limits;
    ho.counters = counters;
    host = std::make_unique<ddb::net_host>(sys, *net, std::make_shared<ddb::feed_registry>(), ho);
    auto r = host->listen("127.0.0.1:0");
    BOOST_REQUIRE(r.has_value());
    port = port_of(*r);
  }
  ~host_fixture() {
    host->stop_peers();
    net->shutdown();
  }
};

// An honest client: dials with its own net host and reports whether the handshake completed
// (the peer actor's "handshake" notice) within `limit`.
bool honest_handshake(caf::actor_system& sys, uint16_t port, std::chrono::milliseconds limit) {
  caf::scoped_actor self{sys};
  ddb::io_thread io;
  auto net = ddb::make_asio_transport(io.shared_context());
  ddb::net_host_options ho;
  ho.noise_keys = ddb::net_host::random_keys();
  ho.live = true;
  ho.observer = caf::actor_cast<caf::actor>(self);
  ddb::net_host client(sys, *net, std::make_shared<ddb::feed_registry>(), ho);
  client.dial("127.0.0.1:" + std::to_string(port), {}, [](ddb::result<caf::actor>) {});
  bool done = false, timed_out = false;
  while (!done && !timed_out) {
    self->receive(
        [&](ddb::ddb_event_atom, const std::string& text) {
          if (text.rfind("handshake ", 0) == 0) done = true;
        },
        caf::after(limit) >> [&] { timed_out = true; });
  }
  client.stop_peers();
  net->shutdown();
  return done;
}

}  // namespace

// Connections that never send a handshake are closed at the deadline and their fds released;
// while they wait, an honest peer completes its handshake (the oldest silent one is evicted
// when every handshake slot is taken).
BOOST_AUTO_TEST_CASE(silent_connections_hit_the_handshake_deadline_and_do_not_block_peers) {
  ddb::connection_limits limits;
  limits.handshake_timeout = 1000ms;
  limits.max_handshakes = 4;
  host_fixture f(limits);
  size_t baseline = open_fds();
  std::vector<int> silent;
  for (int i = 0; i < 6; ++i) silent.push_back(connect_from("127.0.0.3", f.port));
  BOOST_TEST(f.counters->refused_per_address.load() == 0u);
  BOOST_TEST(honest_handshake(f.sys, f.port, 5000ms));
  BOOST_TEST(f.counters->handshakes_evicted.load() >= 3u);  // 6 + 1 into 4 slots
  // Every silent connection is closed by the server (evicted or at the deadline).
  for (int fd : silent) BOOST_TEST(read_within(fd, 5000) == 0);
  BOOST_TEST(f.counters->handshake_timeouts.load() >= 1u);
  // ... and the server's sockets are gone within the close linger, although the clients keep
  // theirs open (a server socket closes itself after the linger).
  size_t now = open_fds();
  for (int i = 0; i < 100 && now > baseline + silent.size(); ++i) {
    std::this_thread::sleep_for(100ms);
    now = open_fds();
  }
  BOOST_TEST_MESSAGE("fds: baseline " << baseline << ", now " << now);
  BOOST_TEST(now <= baseline + silent.size());  // only the clients' own ends remain
  for (int fd : silent) ::close(fd);
}

// An honest peer that shares its address with silent connections (loopback here, a NAT in
// production) gets in: each newcomer beyond max_per_address evicts the address's oldest
// unfinished handshake; none is refused.
BOOST_AUTO_TEST_CASE(silent_connections_from_an_address_do_not_lock_out_an_honest_peer_there) {
  ddb::connection_limits limits;  // max_per_address 8, max_handshakes 64, deadline 10 s
  host_fixture f(limits);
  size_t baseline = open_fds();
  std::vector<int> silent;
  for (uint64_t i = 0; i < limits.max_per_address; ++i)
    silent.push_back(connect_from("127.0.0.1", f.port));
  for (int i = 0; i < 500 && f.host->peer_counts().second < limits.max_per_address; ++i)
    std::this_thread::sleep_for(10ms);
  BOOST_REQUIRE(f.host->peer_counts().second == limits.max_per_address);
  BOOST_TEST(honest_handshake(f.sys, f.port, 5000ms));  // from 127.0.0.1 as well
  BOOST_TEST(f.counters->refused_per_address.load() == 0u);
  BOOST_TEST(f.counters->handshakes_evicted.load() == 1u);
  BOOST_TEST(read_within(silent.front(), 5000) == 0);  // the oldest was evicted
  for (size_t i = 1; i < silent.size(); ++i) BOOST_TEST(read_within(silent[i], 100) == -1);
  // The evicted socket's fd is released at once (a reset, no close linger): besides the
  // clients' own ends, the server holds one socket per silent connection still open (7) and at
  // most the honest peer's, which it closes on its own.
  size_t now = open_fds();
  for (int i = 0; i < 100 && now > baseline + 2 * silent.size(); ++i) {
    std::this_thread::sleep_for(10ms);
    now = open_fds();
  }
  BOOST_TEST_MESSAGE("fds: baseline " << baseline << ", now " << now);
  BOOST_TEST(now <= baseline + 2 * silent.size());
  for (int fd : silent) ::close(fd);
}

// Connections keep the io_context alive: one that outlives its io_thread (a peer actor that the
// actor system destroys late, as at `clone` exit) is destroyed on a living io_context.
BOOST_AUTO_TEST_CASE(connections_keep_the_io_context_alive) {
  std::weak_ptr<asio::io_context> weak;
  connection_ptr held;
  {
    ddb::io_thread io;
    weak = io.shared_context();
    auto net = ddb::make_asio_transport(io.shared_context());
    std::promise<connection_ptr> accepted;
    auto r = net->listen("127.0.0.1:0", [&accepted](connection_ptr c) { accepted.set_value(c); });
    BOOST_REQUIRE(r.has_value());
    int fd = connect_from("127.0.0.1", port_of(*r));
    auto fut = accepted.get_future();
    BOOST_REQUIRE((fut.wait_for(5s) == std::future_status::ready));
    held = fut.get();
    ::close(fd);
    net->shutdown();
  }
  BOOST_TEST(!weak.expired());  // the io thread is gone, its io_context is not
  held->write(ddb::byte_buffer{1, 2, 3});
  held->close();
  held.reset();
  BOOST_TEST(weak.expired());
}

// The `clone` exit path, many times: peer actors still running when the session's transport and
// io thread are destroyed, the actor system destroying them afterwards (the lead's ASan build
// turns a use-after-free here into a failure).
BOOST_AUTO_TEST_CASE(session_teardown_with_live_peers_repeatedly) {
  ddb::connection_limits unlimited;
  unlimited.max_per_address = 0;  // 30 rounds from 127.0.0.1: this test is about teardown
  host_fixture server(unlimited);
  for (int round = 0; round < 30; ++round) {
    caf::actor_system_config ccfg;
    caf::actor_system csys{ccfg};
    caf::scoped_actor self{csys};
    auto io = std::make_unique<ddb::io_thread>();
    auto net = ddb::make_asio_transport(io->shared_context());
    ddb::net_host_options ho;
    ho.noise_keys = ddb::net_host::random_keys();
    ho.live = true;
    ho.observer = caf::actor_cast<caf::actor>(self);
    auto host =
        std::make_unique<ddb::net_host>(csys, *net, std::make_shared<ddb::feed_registry>(), ho);
    host->dial("127.0.0.1:" + std::to_string(server.port), {}, [](ddb::result<caf::actor>) {});
    bool up = false, timed_out = false;
    while (!up && !timed_out) {
      self->receive(
          [&](ddb::ddb_event_atom, const std::string& t) { up = t.rfind("handshake ", 0) == 0; },
          caf::after(5s) >> [&] { timed_out = true; });
    }
    BOOST_REQUIRE(up);
    // The order of net_session's destructor: transport shut down, io thread stopped, then the
    // members; the peer actor is still alive and holds its connection.
    net->shutdown();
    io->stop();
    host.reset();
    net.reset();
    io.reset();
  }  // csys shuts down here and destroys the peer actors
}

BOOST_AUTO_TEST_CASE(limits_have_defaults_and_yaml_keys) {
  auto d = ddb::load_config_string("node:\n  name: n\n", "<string>", "/base");
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->swarm.max_connections == 1024u);
  BOOST_TEST(d->swarm.max_per_address == 8u);
  BOOST_TEST(d->swarm.max_handshakes == 64u);
  BOOST_TEST(d->swarm.handshake_timeout_ms == 10000u);
  BOOST_TEST(d->swarm.accept_backoff.min_ms == 100u);
  BOOST_TEST(d->swarm.accept_backoff.max_ms == 1000u);
  auto c = ddb::load_config_string(
      "node:\n  name: n\nswarm:\n  max_connections: 100\n  max_per_address: 2\n"
      "  max_handshakes: 5\n  handshake_timeout_ms: 2500\n"
      "  accept_backoff: {min_ms: 10, max_ms: 40}\n",
      "<string>", "/base");
  BOOST_REQUIRE_MESSAGE(c.has_value(), c.error().to_string());
  BOOST_TEST(c->swarm.max_connections == 100u);
  BOOST_TEST(c->swarm.max_per_address == 2u);
  BOOST_TEST(c->swarm.max_handshakes == 5u);
  BOOST_TEST(c->swarm.handshake_timeout_ms == 2500u);
  BOOST_TEST(c->swarm.accept_backoff.min_ms == 10u);
  BOOST_TEST(c->swarm.accept_backoff.max_ms == 40u);
  auto bad = ddb::load_config_string(
      "node:\n  name: n\nswarm:\n  accept_backoff: {min_ms: 50, max_ms: 10}\n", "c.yaml", "/b");
  BOOST_REQUIRE(!bad.has_value());
  BOOST_TEST(bad.error().message().find("max_ms (10) is below min_ms (50)") != std::string::npos);
}
