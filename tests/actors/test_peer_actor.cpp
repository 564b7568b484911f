#define BOOST_TEST_MODULE peer_actor
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actors/feed_registry.hpp"
#include "actors/peer_actor.hpp"
#include "core/crypto.hpp"
#include "messages/atoms.hpp"
#include "messages/peer_messages.hpp"
#include "tests/support/node.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "wire/messages.hpp"

// Two peer actors over an in-memory connection pair, scoped actors standing in for feed actors;
// and one peer actor against the reference (tests/interop/ref_peer_serve.js) over TCP.
namespace {

using namespace ddb;
using namespace std::chrono_literals;

struct init_fixture {
  init_fixture() { BOOST_REQUIRE(sodium_init() >= 0); }
};
BOOST_TEST_GLOBAL_FIXTURE(init_fixture);

// Delivery to the owner as the transport contract says: bytes before attach wait in an inbox,
// then ddb_recv_atom in order and one ddb_down_atom at the end.
class inbox_connection : public connection {
 public:
  void attach(caf::actor owner) override {
    std::lock_guard<std::mutex> lock(mu_);
    owner_ = owner;
    for (auto& b : inbox_) caf::anon_send(owner_, ddb_recv_atom_v, std::move(b));
    inbox_.clear();
    if (down_) caf::anon_send(owner_, ddb_down_atom_v, down_reason_);
  }
  uint64_t pending_bytes() const override { return 0; }

 protected:
  void deliver(byte_buffer bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    if (down_) return;
    if (!owner_)
      inbox_.push_back(std::move(bytes));
    else
      caf::anon_send(owner_, ddb_recv_atom_v, std::move(bytes));
  }
  void end(const std::string& reason) {
    std::lock_guard<std::mutex> lock(mu_);
    if (down_) return;
    down_ = true;
    down_reason_ = reason;
    if (owner_) caf::anon_send(owner_, ddb_down_atom_v, reason);
  }

 private:
  std::mutex mu_;
  caf::actor owner_;
  std::vector<byte_buffer> inbox_;
  bool down_ = false;
  std::string down_reason_;
};

// One end of an in-process connection: write() delivers to the other end; close() ends both.
class mem_connection final : public inbox_connection {
 public:
  explicit mem_connection(bool initiator) : initiator_(initiator) {}
  static std::pair<std::shared_ptr<mem_connection>, std::shared_ptr<mem_connection>> pair() {
    auto a = std::make_shared<mem_connection>(true);
    auto b = std::make_shared<mem_connection>(false);
    a->peer_ = b;
    b->peer_ = a;
    return {a, b};
  }
  void write(byte_buffer bytes) override {
    if (auto p = peer_.lock(); p && !blackhole) p->deliver(std::move(bytes));
  }
  void close() override {
    end("closed");
    if (auto p = peer_.lock()) p->end("remote closed");
  }
  std::string remote_address() const override { return "mem"; }
  bool initiator() const override { return initiator_; }

  std::atomic<bool> blackhole{false};  // drop everything we write

 private:
  const bool initiator_;
  std::weak_ptr<mem_connection> peer_;
};

// What a stand-in feed actor received.
struct feed_record {
  std::vector<std::string> kinds;  // "attach", "ropen", "wire", "detach"
  caf::actor peer;
  uint64_t peer_id = 0;
  peer_info info;
  std::vector<wire_frames> wires;
  std::vector<std::string> detach_reasons;
  size_t frame_count() const {
    size_t n = 0;
    for (auto& w : wires) n += w.size();
    return n;
  }
  bool has(const std::string& kind) const {
    return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
  }
  bool has_type(uint8_t type) const {
    for (auto& w : wires)
      for (auto& f : w)
        if (f.type == type) return true;
    return false;
  }
};

// Receives feed messages into `rec` until pred(rec) holds or `limit` passes; attach is answered.
bool pump_feed(caf::scoped_actor& feed, feed_record& rec, const std::function<bool()>& pred,
               std::chrono::milliseconds limit = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    feed->receive(
        [&](ddb_attach_atom, const caf::actor& p, uint64_t id, const peer_info& info) {
          std::tie(rec.peer, rec.peer_id, rec.info) = std::tie(p, id, info);
          rec.kinds.push_back("attach");
        },
        [&](ddb_ropen_atom, uint64_t) { rec.kinds.push_back("ropen"); },
        [&](ddb_wire_atom, uint64_t, const wire_frames& frames) {
          rec.kinds.push_back("wire");
          rec.wires.push_back(frames);
        },
        [&](ddb_detach_atom, uint64_t, const std::string& reason) {
          rec.kinds.push_back("detach");
          rec.detach_reasons.push_back(reason);
        },
        caf::after(50ms) >> [] {});
  }
  return true;
}

// Observer notices, collected.
struct notices {
  std::vector<std::string> lines;
  bool contains(const std::string& prefix) const {
    for (auto& l : lines) {
      if (l.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }
};

bool pump_notices(caf::scoped_actor& obs, notices& n, const std::string& prefix,
                  std::chrono::milliseconds limit = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!n.contains(prefix)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    obs->receive([&](ddb_event_atom, const std::string& what) { n.lines.push_back(what); },
                 caf::after(50ms) >> [] {});
  }
  return true;
}

public_key random_key(std::mt19937_64& gen) {
  public_key k{};
  for (auto& b : k) b = static_cast<uint8_t>(gen());
  return k;
}

replication::session_options session_opts(uint64_t seed) {
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

wire_frame make_frame(const wire::message& m) {
  return wire_frame{wire::type_of(m), wire::encode(m)};
}

// Two peers on an in-memory link, each with its own registry, feed stand-in and observer.
struct two_peers {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::mt19937_64 gen{42};
  public_key key = random_key(gen);
  hash_t dkey = crypto::discovery_key(key);
  caf::scoped_actor feed_a{sys}, feed_b{sys}, obs_a{sys}, obs_b{sys};
  feed_record rec_a, rec_b;
  notices note_a, note_b;
  peer_actor_options opts_a, opts_b;
  std::shared_ptr<mem_connection> conn_a, conn_b;
  caf::actor peer_a, peer_b;

  two_peers() {
    opts_a = options(1, feed_a, obs_a);
    opts_b = options(2, feed_b, obs_b);
    opts_a.feeds_to_open = {dkey};
    std::tie(conn_a, conn_b) = mem_connection::pair();
  }
  ~two_peers() {
    for (auto& p : {peer_a, peer_b}) {
      if (p) caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
    }
  }
  peer_actor_options options(uint64_t seed, caf::scoped_actor& feed, caf::scoped_actor& obs) {
    peer_actor_options o;
    o.session = session_opts(seed);
    o.registry = std::make_shared<feed_registry>();
    o.registry->add(key, caf::actor_cast<caf::actor>(feed.ptr()));
    o.observer = caf::actor_cast<caf::actor>(obs.ptr());
    return o;
  }
  void start() {
    peer_a = spawn_peer_actor(sys, conn_a, opts_a);
    peer_b = spawn_peer_actor(sys, conn_b, opts_b);
  }
  void expect_open_both() {
    BOOST_REQUIRE(pump_feed(feed_a, rec_a, [&] { return rec_a.has("ropen"); }));
    BOOST_REQUIRE(pump_feed(feed_b, rec_b, [&] { return rec_b.has("ropen"); }));
    BOOST_TEST(rec_a.kinds[0] == "attach");
    BOOST_TEST(rec_b.kinds[0] == "attach");
  }
};

BOOST_AUTO_TEST_CASE(attach_relay_end) {
  two_peers t;
  t.start();
  t.expect_open_both();
  BOOST_TEST(t.rec_a.info.initiator);
  BOOST_TEST(!t.rec_b.info.initiator);
  BOOST_TEST(t.rec_a.info.remote_public_key == t.opts_b.session.static_keys.public_key);
  BOOST_TEST(t.rec_b.info.remote_public_key == t.opts_a.session.static_keys.public_key);
  BOOST_TEST(t.rec_a.peer_id != t.rec_b.peer_id);
  BOOST_REQUIRE(pump_notices(t.obs_a, t.note_a, "open "));
  BOOST_TEST(t.note_a.contains("handshake"));

  // One ddb_send of many frames is one write, hence one ddb_wire message on the other side.
  wire_frames batch;
  for (uint64_t i = 0; i < 50; ++i) batch.push_back(make_frame(wire::want_message{i * 8192, 8192}));
  t.feed_a->send(t.rec_a.peer, ddb_send_atom_v, t.dkey, batch);
  BOOST_REQUIRE(pump_feed(t.feed_b, t.rec_b, [&] { return t.rec_b.frame_count() >= 50; }));
  BOOST_REQUIRE_EQUAL(t.rec_b.wires.size(), 1u);
  for (size_t i = 0; i < 50; ++i) {
    BOOST_TEST(t.rec_b.wires[0][i].type == batch[i].type);
    BOOST_TEST((t.rec_b.wires[0][i].body == batch[i].body));
  }
  // Many sends the other way arrive in order.
  for (uint64_t i = 0; i < 200; ++i) {
    wire_frames one{make_frame(wire::have_message{i, 1, std::nullopt, std::nullopt})};
    t.feed_b->send(t.rec_b.peer, ddb_send_atom_v, t.dkey, one);
  }
  BOOST_REQUIRE(pump_feed(t.feed_a, t.rec_a, [&] { return t.rec_a.frame_count() >= 200; }));
  uint64_t next = 0;
  for (auto& w : t.rec_a.wires) {
    for (auto& f : w) {
      auto m = wire::decode_have(f.body);
      BOOST_REQUIRE(m);
      BOOST_TEST(m->start == next++);
    }
  }

  // End from a: a detaches ("ended"), b sees the remote Close, and a (not live) closes.
  t.feed_a->send(t.rec_a.peer, ddb_end_atom_v, t.dkey);
  BOOST_REQUIRE(pump_feed(t.feed_a, t.rec_a, [&] { return t.rec_a.has("detach"); }));
  BOOST_TEST(t.rec_a.detach_reasons[0] == "ended");
  BOOST_REQUIRE(pump_feed(t.feed_b, t.rec_b, [&] { return t.rec_b.has("detach"); }));
  BOOST_TEST(t.rec_b.detach_reasons[0] == "remote closed");
  BOOST_REQUIRE(pump_notices(t.obs_a, t.note_a, "closed: finished"));
  BOOST_REQUIRE(pump_notices(t.obs_b, t.note_b, "closed: "));
}

BOOST_AUTO_TEST_CASE(kick_detaches_both) {
  two_peers t;
  t.opts_a.live = t.opts_b.live = true;
  t.start();
  t.expect_open_both();
  BOOST_TEST(t.rec_a.info.live);
  t.feed_b->send(t.rec_b.peer, ddb_kick_atom_v, t.dkey, std::string("bad proof"));
  BOOST_REQUIRE(pump_feed(t.feed_b, t.rec_b, [&] { return t.rec_b.has("detach"); }));
  BOOST_TEST(t.rec_b.detach_reasons[0].find("bad proof") != std::string::npos);
  BOOST_REQUIRE(pump_feed(t.feed_a, t.rec_a, [&] { return t.rec_a.has("detach"); }));
  BOOST_REQUIRE(pump_notices(t.obs_b, t.note_b, "closed: kicked"));
  BOOST_REQUIRE(pump_notices(t.obs_a, t.note_a, "closed: connection"));
}

BOOST_AUTO_TEST_CASE(forged_capability_never_attaches) {
  two_peers t;
  // b's registry holds another key under the same discovery key.
  std::mt19937_64 gen(7);
  t.opts_b.registry->add(t.dkey, random_key(gen), caf::actor_cast<caf::actor>(t.feed_b.ptr()));
  t.start();
  BOOST_REQUIRE(pump_notices(t.obs_b, t.note_b, "refused "));
  BOOST_TEST(t.note_b.lines.back().find("bad capability") != std::string::npos);
  // a opened first, so it attached; b's Close detaches it, and a (not live) finishes.
  BOOST_REQUIRE(pump_feed(t.feed_a, t.rec_a, [&] { return t.rec_a.has("detach"); }));
  BOOST_TEST(!t.rec_a.has("ropen"));
  BOOST_REQUIRE(pump_notices(t.obs_a, t.note_a, "closed: finished"));
  pump_feed(
      t.feed_b, t.rec_b, [] { return false; }, 300ms);
  BOOST_TEST(t.rec_b.kinds.empty());  // nothing ever reached b's feed
}

BOOST_AUTO_TEST_CASE(authenticate_refusal_closes) {
  two_peers t;
  auto seen = std::make_shared<public_key>();
  t.opts_b.authenticate = [seen](const public_key& k) {
    *seen = k;
    return false;
  };
  t.start();
  BOOST_REQUIRE(pump_notices(t.obs_b, t.note_b, "closed: authentication refused"));
  BOOST_TEST(*seen == t.opts_a.session.static_keys.public_key);
  BOOST_REQUIRE(pump_notices(t.obs_a, t.note_a, "closed: "));
  pump_feed(
      t.feed_b, t.rec_b, [] { return false; }, 200ms);
  BOOST_TEST(t.rec_b.kinds.empty());
}

// As the reference's onauthenticate: an initiator that refuses the responder's key does not
// send its last handshake message, so the responder never completes the handshake.
BOOST_AUTO_TEST_CASE(initiator_refusal_sends_nothing_more) {
  two_peers t;
  t.opts_a.authenticate = [](const public_key&) { return false; };
  t.start();
  BOOST_REQUIRE(pump_notices(t.obs_a, t.note_a, "closed: authentication refused"));
  BOOST_TEST(!t.note_a.contains("handshake"));  // a refused peer is never announced
  BOOST_REQUIRE(pump_notices(t.obs_b, t.note_b, "closed: "));
  BOOST_TEST(!t.note_b.contains("handshake"));
}

BOOST_AUTO_TEST_CASE(may_replicate_refuses_one_feed) {
  two_peers t;
  auto asked = std::make_shared<std::atomic<int>>(0);
  t.opts_b.may_replicate = [asked, &t](const hash_t& dkey, const public_key& remote) {
    ++*asked;
    BOOST_CHECK(remote == t.opts_a.session.static_keys.public_key);
    return dkey != t.dkey;
  };
  t.start();
  BOOST_REQUIRE(pump_notices(t.obs_b, t.note_b, "refused " + to_hex(t.dkey) + ": not allowed"));
  BOOST_TEST(asked->load() >= 1);
  BOOST_TEST(t.note_b.contains("handshake"));  // the connection itself was admitted
  pump_feed(
      t.feed_b, t.rec_b, [] { return false; }, 300ms);
  BOOST_TEST(t.rec_b.kinds.empty());  // b's feed never saw the peer
  pump_feed(
      t.feed_a, t.rec_a, [] { return false; }, 300ms);
  BOOST_TEST(!t.rec_a.has("ropen"));  // nor did a's feed get a remote open
}

BOOST_AUTO_TEST_CASE(unencrypted_peers) {
  two_peers t;
  for (auto* o : {&t.opts_a, &t.opts_b}) o->session.encrypted = o->session.noise = false;
  t.start();
  t.expect_open_both();
  BOOST_TEST(t.rec_a.info.remote_public_key == public_key{});
}

BOOST_AUTO_TEST_CASE(keep_alive_and_timeout) {
  two_peers t;
  t.opts_a.live = t.opts_b.live = true;
  t.opts_a.keep_alive = t.opts_b.keep_alive = std::chrono::milliseconds(150);
  t.start();
  t.expect_open_both();
  // Idle for many intervals: keep-alives hold the connection open.
  BOOST_TEST(!pump_notices(t.obs_a, t.note_a, "closed: ", 1000ms));
  // Now b hears nothing more from a: b times out.
  t.conn_a->blackhole = true;
  BOOST_REQUIRE(pump_notices(t.obs_b, t.note_b, "closed: timeout", 3000ms));
  BOOST_REQUIRE(pump_feed(t.feed_b, t.rec_b, [&] { return t.rec_b.has("detach"); }));
  BOOST_TEST(t.rec_b.detach_reasons[0] == "timeout");
}

// --- against the reference ---------------------------------------------------------------

// A blocking TCP connection for the test: a reader thread delivers to the owner.
class tcp_connection final : public inbox_connection {
 public:
  explicit tcp_connection(int fd) : fd_(fd), reader_([this] { read_loop(); }) {}
  ~tcp_connection() override {
    ::shutdown(fd_, SHUT_RDWR);
    reader_.join();
    ::close(fd_);
  }
  void write(byte_buffer bytes) override {
    std::lock_guard<std::mutex> lock(write_mu_);
    size_t pos = 0;
    while (pos < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + pos, bytes.size() - pos, MSG_NOSIGNAL);
      if (n <= 0) return;
      pos += static_cast<size_t>(n);
    }
  }
  void close() override { ::shutdown(fd_, SHUT_RDWR); }
  std::string remote_address() const override { return "tcp 127.0.0.1"; }
  bool initiator() const override { return true; }

  static std::shared_ptr<tcp_connection> dial(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return nullptr;
    }
    return std::make_shared<tcp_connection>(fd);
  }

 private:
  void read_loop() {
    std::vector<uint8_t> buf(65536);
    for (;;) {
      ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
      if (n <= 0) return end("eof");
      deliver(byte_buffer(buf.begin(), buf.begin() + n));
    }
  }

  int fd_;
  std::mutex write_mu_;
  std::thread reader_;
};

std::string describe(const feed_record& rec) {
  std::string out = "feed got:";
  for (auto& k : rec.kinds) out += " " + k;
  return out + "; frames: " + std::to_string(rec.frame_count()) + "\n";
}

// Ends the peer actor however the test exits (~actor_system waits for every actor).
struct exit_guard {
  caf::actor peer;
  ~exit_guard() {
    if (peer) caf::anon_send_exit(peer, caf::exit_reason::user_shutdown);
  }
};

boost::test_tools::assertion_result reference_present(boost::unit_test::test_unit_id) {
  return test::reference_available();
}

BOOST_AUTO_TEST_CASE(reference_peer, *boost::unit_test::label("interop") *
                                         boost::unit_test::precondition(reference_present)) {
  test::temp_dir tmp("ddb-peer");
  test::background_process ref({test::node_binary(), test::interop_dir() + "/ref_peer_serve.js",
                                (tmp.path() / "feed").string(), "--gen", "5"},
                               (tmp.path() / "ref").string());
  std::string line = ref.wait_for_line("\"port\"", 30s);
  BOOST_REQUIRE_MESSAGE(!line.empty(), "ref_peer_serve.js did not start: " + ref.err());
  auto info = nlohmann::json::parse(line);
  byte_buffer key_bytes;
  BOOST_REQUIRE(from_hex(info["key"].get<std::string>(), key_bytes) && key_bytes.size() == 32);
  public_key key{};
  std::copy(key_bytes.begin(), key_bytes.end(), key.begin());
  hash_t dkey = crypto::discovery_key(key);
  BOOST_TEST(to_hex(dkey) == info["discoveryKey"].get<std::string>());

  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor feed{sys}, obs{sys};
  peer_actor_options o;
  o.session = session_opts(99);
  o.registry = std::make_shared<feed_registry>();
  o.registry->add(key, caf::actor_cast<caf::actor>(feed.ptr()));
  o.feeds_to_open = {dkey};
  o.observer = caf::actor_cast<caf::actor>(obs.ptr());
  auto conn = tcp_connection::dial(static_cast<uint16_t>(info["port"].get<int>()));
  BOOST_REQUIRE(conn);
  exit_guard guard{spawn_peer_actor(sys, conn, o)};

  notices note;
  feed_record rec;
  bool handshake = pump_notices(obs, note, "handshake", 10s);
  BOOST_REQUIRE_MESSAGE(handshake, "no handshake: " + ref.err());
  // ropen only follows an Open from the reference whose capability verified.
  bool verified = pump_feed(
      feed, rec, [&] { return rec.has("ropen"); }, 10s);
  BOOST_REQUIRE_MESSAGE(verified, "no verified Open from the reference: " + ref.err());
  BOOST_TEST(pump_notices(obs, note, "open " + to_hex(dkey)));

  // A writable reference feed announces Status{uploading, downloading: false} (and no Want).
  bool got_status = pump_feed(
      feed, rec, [&] { return rec.has_type(2); }, 10s);
  BOOST_REQUIRE_MESSAGE(got_status, "no Status from the reference: " + describe(rec) + ref.err());
  // Our frames reach it: a Want is answered with Haves, a Request with the block.
  wire_frames ours{make_frame(wire::want_message{0, 8192}),
                   make_frame(wire::request_message{0, std::nullopt, std::nullopt, std::nullopt})};
  feed->send(rec.peer, ddb_send_atom_v, dkey, ours);
  bool got_data = pump_feed(
      feed, rec, [&] { return rec.has_type(3) && rec.has_type(9); }, 10s);
  BOOST_REQUIRE_MESSAGE(got_data, "no Have/Data from the reference: " + describe(rec) + ref.err());
  for (auto& w : rec.wires) {
    for (auto& f : w) {
      if (f.type != 9) continue;
      auto d = wire::decode_data(f.body);
      BOOST_REQUIRE(d && d->value);
      BOOST_TEST(std::string(d->value->begin(), d->value->end()) == test::ref_block(0));
    }
  }
  feed->send(rec.peer, ddb_end_atom_v, dkey);
  BOOST_REQUIRE(pump_notices(obs, note, "closed: finished", 10s));
}

}  // namespace
