#pragma once
// Shared helpers of the replication suites (tests/actors/test_replication_*.cpp): feeds in memory
// behind real feed actors, nodes (a feed registry + net_host over asio loopback TCP, as in
// production), an in-memory connection pair for hand-made (hostile) remotes, and event and
// notice logs that are waited on with deadlines (never fixed sleeps).
#include <boost/test/unit_test.hpp>

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <asio/post.hpp>
#include <caf/all.hpp>

#include "actors/feed_client.hpp"
#include "actors/feed_registry.hpp"
#include "actors/peer_actor.hpp"
#include "core/crypto.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "messages/peer_messages.hpp"
#include "net/asio_transport.hpp"
#include "node/net_host.hpp"
#include "storage/env.hpp"
#include "wire/messages.hpp"

namespace ddb {
inline std::ostream& boost_test_print_type(std::ostream& os, errc c) {
  return os << to_string(c);
}
inline std::ostream& boost_test_print_type(std::ostream& os, feed_event_type t) {
  return os << static_cast<int>(t);
}
}  // namespace ddb

namespace ddb::reptest {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// The longest any single wait may take: generous, a passing run waits milliseconds.
constexpr std::chrono::milliseconds wait_limit = 10000ms;

struct init_sodium {
  init_sodium() { BOOST_REQUIRE(sodium_init() >= 0); }
};

inline byte_buffer buf(const std::string& s) {
  return byte_buffer(s.begin(), s.end());
}
inline std::string str(const byte_buffer& b) {
  return std::string(b.begin(), b.end());
}

template <class T>
errc code_of(const result<T>& r) {
  return r ? errc::ok : r.error().code();
}
inline errc code_of(const status& s) {
  return s ? errc::ok : s.code();
}

// `n` blocks "<tag>-<i>" of varying sizes.
inline block_list make_blocks(size_t n, const std::string& tag = "block", size_t first = 0) {
  block_list out;
  for (size_t i = first; i < first + n; ++i) {
    std::string s = tag + "-" + std::to_string(i) + std::string(i % 7, '.');
    out.push_back(buf(s));
  }
  return out;
}

inline uint64_t total_bytes(const block_list& blocks) {
  uint64_t n = 0;
  for (auto& b : blocks) n += b.size();
  return n;
}

// Polls `pred` (every few ms) until it holds or `limit` passes; returns whether it held.
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds limit = wait_limit) {
  auto end = clock_type::now() + limit;
  while (!pred()) {
    if (clock_type::now() >= end) return pred();
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// The events of one feed, collected by a scoped actor subscribed to it.
class event_log {
 public:
  explicit event_log(caf::actor_system& sys) : self_(sys) {}
  caf::actor handle() { return caf::actor_cast<caf::actor>(self_.ptr()); }

  // Takes in everything that arrived so far.
  void drain() {
    bool more = true;
    while (more) {
      self_->receive([&](ddb_event_atom, const feed_event& ev) { events.push_back(ev); },
                     caf::after(0ms) >> [&] { more = false; });
    }
  }
  // Waits until pred() holds over the collected events.
  bool wait(const std::function<bool()>& pred, std::chrono::milliseconds limit = wait_limit) {
    auto end = clock_type::now() + limit;
    drain();
    while (!pred()) {
      if (clock_type::now() >= end) return false;
      self_->receive([&](ddb_event_atom, const feed_event& ev) { events.push_back(ev); },
                     caf::after(20ms) >> [] {});
    }
    return true;
  }
  size_t count(feed_event_type t, std::optional<uint64_t> peer = std::nullopt) const {
    return static_cast<size_t>(std::count_if(events.begin(), events.end(), [&](const auto& e) {
      return e.type == t && (!peer || e.peer == *peer);
    }));
  }
  bool wait_count(feed_event_type t, size_t n, std::optional<uint64_t> peer = std::nullopt,
                  std::chrono::milliseconds limit = wait_limit) {
    return wait([&] { return count(t, peer) >= n; }, limit);
  }
  // The peer id of the first event of type `t` (0 when none).
  uint64_t first_peer(feed_event_type t) const {
    for (auto& e : events)
      if (e.type == t) return e.peer;
    return 0;
  }

  std::vector<feed_event> events;

 private:
  caf::scoped_actor self_;
};

// Peer actor notices ("handshake ...", "open ...", "closed: <reason>", ...).
class notice_log {
 public:
  explicit notice_log(caf::actor_system& sys) : self_(sys) {}
  caf::actor handle() { return caf::actor_cast<caf::actor>(self_.ptr()); }
  bool wait(const std::string& prefix, size_t n = 1, std::chrono::milliseconds limit = wait_limit) {
    auto end = clock_type::now() + limit;
    while (count(prefix) < n) {
      if (clock_type::now() >= end) return false;
      self_->receive([&](ddb_event_atom, const std::string& what) { lines.push_back(what); },
                     caf::after(20ms) >> [] {});
    }
    return true;
  }
  size_t count(const std::string& prefix) const {
    return static_cast<size_t>(std::count_if(
        lines.begin(), lines.end(), [&](const auto& l) { return l.rfind(prefix, 0) == 0; }));
  }
  std::string dump() const {
    std::string out;
    for (auto& l : lines) out += l + "\n";
    return out;
  }
  std::vector<std::string> lines;

 private:
  caf::scoped_actor self_;
};

// One feed in memory behind its feed actor, with its event log.
struct test_feed {
  std::shared_ptr<memory_store> store;
  std::unique_ptr<feed_client> client;
  std::unique_ptr<event_log> log;
  public_key key{};
  hash_t dkey{};
  feed_client* operator->() { return client.get(); }
  caf::actor actor() const { return caf::actor_cast<caf::actor>(client->actor()); }
  uint64_t length() {
    auto i = client->info();
    return i ? i->length : 0;
  }
  uint64_t downloaded() {
    auto i = client->info();
    return i ? i->downloaded : 0;
  }
  feed_stats stats() {
    auto s = client->stats();
    BOOST_REQUIRE_MESSAGE(s, "stats: " << s.error().to_string());
    return *s;
  }
};

// A "process": a registry of feeds served and cloned through one net_host.
struct test_node {
  std::shared_ptr<feed_registry> registry = std::make_shared<feed_registry>();
  std::unique_ptr<net_host> host;
  std::unique_ptr<notice_log> notices;
  std::string address;  // when listening
  void serve(test_feed& f) { registry->add(f.key, f.actor()); }
};

// Delivery to the owner as the transport contract says: bytes before attach wait in an inbox,
// then ddb_recv_atom in order and one ddb_down_atom at the end.
class mem_connection final : public connection {
 public:
  explicit mem_connection(bool initiator) : initiator_(initiator) {}
  static std::pair<std::shared_ptr<mem_connection>, std::shared_ptr<mem_connection>> pair() {
    auto a = std::make_shared<mem_connection>(true);
    auto b = std::make_shared<mem_connection>(false);
    a->peer_ = b;
    b->peer_ = a;
    return {a, b};
  }
  void attach(caf::actor owner) override {
    std::lock_guard<std::mutex> lock(mu_);
    owner_ = owner;
    flush_locked();
  }
  // While paused, arrivals (and the end) wait in the inbox, in order.
  void set_reading(bool on) override {
    std::lock_guard<std::mutex> lock(mu_);
    paused_ = !on;
    flush_locked();
  }
  bool reading() const {
    std::lock_guard<std::mutex> lock(mu_);
    return !paused_;
  }
  void write(byte_buffer bytes) override {
    if (auto p = peer_.lock()) p->deliver(std::move(bytes));
  }
  void close() override {
    end("closed");
    if (auto p = peer_.lock()) p->end("closed by peer");
  }
  uint64_t pending_bytes() const override { return 0; }
  std::string remote_address() const override { return "mem"; }
  bool initiator() const override { return initiator_; }
  bool down() const {
    std::lock_guard<std::mutex> lock(mu_);
    return down_;
  }

 private:
  void deliver(byte_buffer bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    if (down_) return;
    if (!owner_ || paused_)
      inbox_.push_back(std::move(bytes));
    else
      caf::anon_send(owner_, ddb_recv_atom_v, std::move(bytes));
  }
  void end(const std::string& reason) {
    std::lock_guard<std::mutex> lock(mu_);
    if (down_) return;
    down_ = true;
    down_reason_ = reason;
    flush_locked();
  }
  void flush_locked() {
    if (!owner_ || paused_) return;
    for (auto& b : inbox_) caf::anon_send(owner_, ddb_recv_atom_v, std::move(b));
    inbox_.clear();
    if (down_ && !down_sent_) {
      down_sent_ = true;
      caf::anon_send(owner_, ddb_down_atom_v, down_reason_);
    }
  }

  const bool initiator_;
  std::weak_ptr<mem_connection> peer_;
  mutable std::mutex mu_;
  caf::actor owner_;
  std::vector<byte_buffer> inbox_;
  bool paused_ = false;
  bool down_ = false;
  bool down_sent_ = false;
  std::string down_reason_;
};

// Deterministic session options for hand-made peer actors.
inline replication::session_options session_opts(uint64_t seed) {
  auto gen = std::make_shared<std::mt19937_64>(seed);
  replication::session_options o;
  o.rng = random_source([gen](uint8_t* out, size_t n) {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>((*gen)());
  });
  wire::noise::key32 secret{};
  o.rng.fill(secret.data(), secret.size());
  o.static_keys = wire::noise::dh_key_pair_from_secret(secret);
  o.rng.fill(o.nonce.data(), o.nonce.size());
  return o;
}

template <class M>
wire_frame make_frame(wire::message_type type, const M& m) {
  wire_frame f;
  f.type = static_cast<uint8_t>(type);
  wire::encode(m, f.body);
  return f;
}

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  io_thread io;
  std::unique_ptr<transport> net = make_asio_transport(io.context());
  std::vector<std::unique_ptr<test_feed>> feeds;
  std::vector<std::unique_ptr<test_node>> nodes;
  std::vector<std::shared_ptr<mem_connection>> mem_links;

  ~fixture() {
    // Every connection ends, so every peer actor quits; then the feed actors go.
    net->shutdown();
    for (auto& c : mem_links) c->close();
    std::promise<void> flushed;
    asio::post(io.context(), [&] { flushed.set_value(); });
    flushed.get_future().wait_for(5s);
    for (auto& f : feeds) caf::anon_send_exit(f->client->actor(), caf::exit_reason::user_shutdown);
  }

  test_feed& add_feed(std::shared_ptr<memory_store> store, feed_options o, feed_actor_options ao) {
    auto t = std::make_unique<test_feed>();
    t->store = std::move(store);
    auto c = feed_client::open(sys, make_memory_env(t->store), std::move(o), std::move(ao));
    BOOST_REQUIRE_MESSAGE(c, "open: " << c.error().to_string());
    t->client = std::make_unique<feed_client>(std::move(*c));
    auto info = t->client->info();
    BOOST_REQUIRE(info);
    t->key = info->key;
    t->dkey = info->discovery_key;
    t->log = std::make_unique<event_log>(sys);
    BOOST_REQUIRE(t->client->subscribe(t->log->handle()));
    feeds.push_back(std::move(t));
    return *feeds.back();
  }

  // A new writable feed with `blocks` appended (as one batch).
  test_feed& writer(const block_list& blocks = {}, feed_actor_options ao = {}) {
    auto& f = add_feed(make_memory_store(), {}, std::move(ao));
    if (!blocks.empty()) BOOST_REQUIRE(f->append(blocks));
    return f;
  }

  // An empty, read-only copy of `of` (in `store` when given: a "restarted" clone).
  test_feed& clone(const test_feed& of, feed_actor_options ao = {},
                   std::shared_ptr<memory_store> store = nullptr) {
    feed_options o;
    o.key = of.key;
    return add_feed(store ? std::move(store) : make_memory_store(), o, std::move(ao));
  }

  // A node; listening on loopback unless `listen` is false.
  test_node& node(net_host_options o = {}, bool listen = true) {
    auto n = std::make_unique<test_node>();
    n->notices = std::make_unique<notice_log>(sys);
    if (o.noise_keys.public_key == wire::noise::key32{}) o.noise_keys = net_host::random_keys();
    if (!o.observer) o.observer = n->notices->handle();
    n->host = std::make_unique<net_host>(sys, *net, n->registry, std::move(o));
    if (listen) {
      auto a = n->host->listen("127.0.0.1:0");
      BOOST_REQUIRE_MESSAGE(a, "listen: " << a.error().to_string());
      n->address = *a;
    }
    nodes.push_back(std::move(n));
    return *nodes.back();
  }

  // `from` dials `to` and opens `dkeys` at once; returns the dialing side's peer actor.
  caf::actor dial(test_node& from, const test_node& to, std::vector<hash_t> dkeys) {
    std::promise<result<caf::actor>> p;
    from.host->dial(to.address, std::move(dkeys), [&](result<caf::actor> r) { p.set_value(r); });
    auto fut = p.get_future();
    BOOST_REQUIRE(fut.wait_for(wait_limit) == std::future_status::ready);
    auto r = fut.get();
    BOOST_REQUIRE_MESSAGE(r, "dial: " << r.error().to_string());
    return *r;
  }

  // Two peer actors over an in-memory pair; the caller fills registries and options.
  std::pair<caf::actor, caf::actor> mem_link(peer_actor_options a, peer_actor_options b) {
    auto [ca, cb] = mem_connection::pair();
    mem_links.push_back(ca);
    mem_links.push_back(cb);
    auto pa = spawn_peer_actor(sys, ca, std::move(a));
    auto pb = spawn_peer_actor(sys, cb, std::move(b));
    return {pa, pb};
  }

  // Requests with a deadline (the blocking facade waits forever; a hung test must fail instead).
  template <class T, class... Ts>
  result<T> ask(const test_feed& f, Ts&&... xs) {
    caf::scoped_actor self{sys};
    std::optional<result<T>> out;
    self->request(f.client->actor(), wait_limit, std::forward<Ts>(xs)...)
        .receive([&](T& v) { out.emplace(std::move(v)); },
                 [&](caf::error& e) { out.emplace(from_caf_error(e)); });
    return std::move(*out);
  }
  template <class... Ts>
  status ask_void(const test_feed& f, Ts&&... xs) {
    caf::scoped_actor self{sys};
    status out;
    self->request(f.client->actor(), wait_limit, std::forward<Ts>(xs)...)
        .receive([&]() {}, [&](caf::error& e) { out = from_caf_error(e); });
    return out;
  }
  status wait_download(const test_feed& f, uint64_t id) {
    return ask_void(f, ddb_dwait_atom_v, id);
  }

  // Whether every block of `a` equals `b`'s, and both have the same length.
  static bool same_blocks(test_feed& a, test_feed& b) {
    auto ia = a->info();
    auto ib = b->info();
    if (!ia || !ib || ia->length != ib->length || ia->byte_length != ib->byte_length) return false;
    for (uint64_t i = 0; i < ia->length; ++i) {
      auto x = a->get(i, get_options{false, 0});
      auto y = b->get(i, get_options{false, 0});
      if (!x || !y || *x != *y) return false;
    }
    return true;
  }
  // Waits until `f` holds every block of [0, n) (and its length is n).
  static bool synced(test_feed& f, uint64_t n) {
    return eventually([&] {
      auto i = f->info();
      return i && i->length == n && i->downloaded == n;
    });
  }
};

}  // namespace ddb::reptest
