#define BOOST_TEST_MODULE swarm_actor
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "messages/atoms.hpp"
#include "messages/peer_messages.hpp"
#include "messages/swarm_messages.hpp"
#include "node/node.hpp"
#include "swarm/static_discovery.hpp"
#include "swarm/swarm_actor.hpp"
#include "swarm/swarm_state.hpp"
#include "tests/support/temp_dir.hpp"

// The swarm actor against a scripted transport and scripted peer actors (dials, handshakes,
// duplicates, bans, backoff, self), then two real nodes over TCP (one connection, two feeds).
namespace {

using namespace ddb;
using namespace std::chrono_literals;

struct init_fixture {
  init_fixture() { BOOST_REQUIRE(sodium_init() >= 0); }
};
BOOST_TEST_GLOBAL_FIXTURE(init_fixture);

struct fake_conn final : connection {
  fake_conn(bool init, std::string addr) : init_(init), addr_(std::move(addr)) {}
  void attach(caf::actor) override {}
  void write(byte_buffer) override {}
  void close() override { closed = true; }
  uint64_t pending_bytes() const override { return 0; }
  std::string remote_address() const override { return addr_; }
  bool initiator() const override { return init_; }
  bool init_;
  std::string addr_;
  std::atomic<bool> closed{false};
};

// Dials succeed for addresses marked reachable; every dial is counted.
struct fake_transport final : transport {
  std::mutex mu;
  std::map<std::string, bool> reachable;
  std::map<std::string, int> dials;
  accept_handler on_accept;
  result<std::string> listen(const std::string&, accept_handler h) override {
    std::lock_guard<std::mutex> lock(mu);
    on_accept = std::move(h);
    return std::string("127.0.0.1:9000");
  }
  void dial(const std::string& a, std::function<void(result<connection_ptr>)> done) override {
    bool ok;
    {
      std::lock_guard<std::mutex> lock(mu);
      ++dials[a];
      ok = reachable[a];
    }
    if (ok)
      done(connection_ptr(std::make_shared<fake_conn>(true, a)));
    else
      done(make_error(errc::unavailable, "refused"));
  }
  void shutdown() override {}
  int dial_count(const std::string& a) {
    std::lock_guard<std::mutex> lock(mu);
    return dials[a];
  }
  void set_reachable(const std::string& a, bool on) {
    std::lock_guard<std::mutex> lock(mu);
    reachable[a] = on;
  }
};

// A scripted peer actor: (ddb_event_atom, text) from the test is passed on to the swarm as the
// peer's notice; what the swarm sends it is recorded; a kick ends it like a real peer actor.
struct fake_peer {
  caf::actor actor;
  std::string address;
  std::vector<hash_t> feeds;
  std::shared_ptr<std::vector<std::string>> got = std::make_shared<std::vector<std::string>>();
};

struct peer_book {
  std::mutex mu;
  std::vector<fake_peer> peers;
  fake_peer at(size_t i) {
    std::lock_guard<std::mutex> lock(mu);
    return peers.at(i);
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return peers.size();
  }
};

caf::behavior fake_peer_impl(caf::event_based_actor* self, caf::actor swarm,
                             std::shared_ptr<std::vector<std::string>> got,
                             std::shared_ptr<std::mutex> mu) {
  auto record = [=](std::string s) {
    std::lock_guard<std::mutex> lock(*mu);
    got->push_back(std::move(s));
  };
  return {
      [=](ddb_event_atom, const std::string& text) { self->send(swarm, ddb_event_atom_v, text); },
      [=](ddb_open_atom, const hash_t& k) { record("open " + to_hex(k)); },
      [=](ddb_end_atom, const hash_t& k) { record("end " + to_hex(k)); },
      [=](ddb_kick_atom, const hash_t&, const std::string& why) {
        record("kick " + why);
        self->send(swarm, ddb_event_atom_v, std::string("closed: kicked: ") + why);
        self->quit();
      },
  };
}

public_key key_of(uint8_t b) {
  public_key k{};
  k.fill(b);
  return k;
}

hash_t dkey_of(uint8_t b) {
  hash_t k{};
  k.fill(b);
  return k;
}

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  fake_transport net;
  peer_book book;
  std::shared_ptr<std::mutex> peer_mu = std::make_shared<std::mutex>();
  caf::scoped_actor obs{sys};
  caf::actor swarm;
  std::vector<swarm_event> events;
  std::shared_ptr<address_bans> bans = std::make_shared<address_bans>();

  explicit fixture(std::vector<std::string> static_addrs, uint8_t self_byte = 0x10,
                   caf::timespan ban = 400ms, uint64_t max_peers = 64,
                   const std::function<void(swarm_options&)>& tweak = {}) {
    swarm_options o;
    o.self_key = key_of(self_byte);
    o.net = &net;
    static_peers sp;
    sp.all_keys = std::move(static_addrs);
    o.backends.push_back(std::make_shared<static_discovery>(sp));
    o.spawn_peer = [this](connection_ptr conn, std::vector<hash_t> feeds, caf::actor observer) {
      fake_peer p;
      p.address = conn->remote_address();
      p.feeds = feeds;
      p.actor = sys.spawn(fake_peer_impl, observer, p.got, peer_mu);
      std::lock_guard<std::mutex> lock(book.mu);
      book.peers.push_back(p);
      return p.actor;
    };
    o.observer = caf::actor_cast<caf::actor>(obs);
    o.reconnect_min = 20ms;
    o.reconnect_max = 80ms;
    o.ban = ban;
    o.max_peers = max_peers;
    o.lookup_min = 50ms;
    o.lookup_max = 200ms;
    o.stop_timeout = 500ms;
    o.bans = bans;
    if (tweak) tweak(o);
    swarm = spawn_swarm_actor(sys, std::move(o));
    obs->request(swarm, 5s, ddb_listen_atom_v, std::string("127.0.0.1:0"))
        .receive([](const std::string&) {}, [](caf::error&) { BOOST_FAIL("listen"); });
  }
  ~fixture() {
    obs->request(swarm, 5s, ddb_stop_atom_v).receive([] {}, [](caf::error&) {});
  }

  // Collects swarm events until pred holds or the deadline passes.
  bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit = 5000ms) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      obs->receive([&](ddb_event_atom, const swarm_event& ev) { events.push_back(ev); },
                   caf::after(20ms) >> [] {});
    }
    return true;
  }
  bool has_event(swarm_event_type t) const {
    for (auto& e : events)
      if (e.type == t) return true;
    return false;
  }
  swarm_stats stats() {
    swarm_stats out;
    obs->request(swarm, 5s, ddb_sstat_atom_v)
        .receive([&](swarm_stats& s) { out = s; }, [](caf::error&) {});
    return out;
  }
  void notice(size_t peer, const std::string& text) {
    obs->send(book.at(peer).actor, ddb_event_atom_v, text);
  }
  bool peer_got(size_t peer, const std::string& prefix) {
    std::lock_guard<std::mutex> lock(*peer_mu);
    for (auto& s : *book.at(peer).got)
      if (s.rfind(prefix, 0) == 0) return true;
    return false;
  }
  void join(const hash_t& k) { obs->send(swarm, ddb_join_atom_v, k); }
};

const std::string addr_a = "127.0.0.1:7001";

BOOST_AUTO_TEST_CASE(dials_static_peer_and_tracks_the_feed) {
  fixture f({addr_a});
  f.net.set_reachable(addr_a, true);
  f.join(dkey_of(1));
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 1; }));
  BOOST_TEST(f.book.at(0).feeds.size() == 1u);
  f.notice(0, "handshake " + to_hex(key_of(0x20)));
  f.notice(0, "open " + to_hex(dkey_of(1)));
  BOOST_REQUIRE(f.wait_until([&] { return f.has_event(swarm_event_type::feed_open); }));
  BOOST_TEST(f.has_event(swarm_event_type::connected));
  swarm_stats st = f.stats();
  BOOST_TEST(st.remotes == 1u);
  BOOST_REQUIRE(st.feeds.size() == 1u);
  BOOST_TEST(st.feeds[0].peers == 1u);
  // A second key found at the same address rides on the same connection.
  f.join(dkey_of(2));
  BOOST_REQUIRE(f.wait_until([&] { return f.peer_got(0, "open " + to_hex(dkey_of(2))); }));
  BOOST_TEST(f.book.size() == 1u);
}

BOOST_AUTO_TEST_CASE(duplicate_keeps_the_connection_of_the_lower_initiator) {
  // We (0x10) dialled remote 0x20; it dials us too: ours has the lower initiator key.
  fixture f({addr_a}, 0x10);
  f.net.set_reachable(addr_a, true);
  f.join(dkey_of(1));
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 1; }));
  f.notice(0, "handshake " + to_hex(key_of(0x20)));
  f.net.on_accept(std::make_shared<fake_conn>(false, "127.0.0.1:5555"));
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 2; }));
  f.notice(1, "handshake " + to_hex(key_of(0x20)));
  BOOST_REQUIRE(f.wait_until([&] { return f.peer_got(1, "kick duplicate"); }));
  BOOST_TEST(!f.peer_got(0, "kick"));
  BOOST_TEST(f.stats().remotes == 1u);
}

BOOST_AUTO_TEST_CASE(duplicate_moves_feeds_to_the_kept_connection) {
  // Remote 0x05 is lower than us (0x10): its accepted connection wins, ours is dropped and
  // its feed is opened on the kept one.
  fixture f({addr_a}, 0x10);
  f.net.set_reachable(addr_a, true);
  f.join(dkey_of(1));
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 1; }));
  f.notice(0, "handshake " + to_hex(key_of(0x05)));
  f.net.on_accept(std::make_shared<fake_conn>(false, "127.0.0.1:5555"));
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 2; }));
  f.notice(1, "handshake " + to_hex(key_of(0x05)));
  BOOST_REQUIRE(f.wait_until([&] { return f.peer_got(0, "kick duplicate"); }));
  BOOST_REQUIRE(f.wait_until([&] { return f.peer_got(1, "open " + to_hex(dkey_of(1))); }));
  // The address now maps to the kept connection: no redial.
  int dials = f.net.dial_count(addr_a);
  f.wait_until([] { return false; }, 200ms);
  BOOST_TEST(f.net.dial_count(addr_a) == dials);
}

BOOST_AUTO_TEST_CASE(misbehaving_peer_is_banned_then_redialled) {
  fixture f({addr_a}, 0x10, 600ms);
  f.net.set_reachable(addr_a, true);
  f.join(dkey_of(1));
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 1; }));
  f.notice(0, "handshake " + to_hex(key_of(0x20)));
  f.notice(0, "closed: protocol error: bad proof");
  BOOST_REQUIRE(f.wait_until([&] { return f.has_event(swarm_event_type::banned); }));
  BOOST_TEST(f.stats().banned >= 1u);
  int dials = f.net.dial_count(addr_a);
  f.wait_until([] { return false; }, 300ms);  // well within the ban: reconnect_min is 20 ms
  BOOST_TEST(f.net.dial_count(addr_a) == dials);
  BOOST_REQUIRE(f.wait_until([&] { return f.net.dial_count(addr_a) > dials; }, 3000ms));
  // A banned remote that connects to us is dropped after its handshake.
  f.notice(0, "closed: protocol error: again");
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 2; }));
  f.notice(1, "handshake " + to_hex(key_of(0x20)));
  f.notice(1, "closed: protocol error: again");
  // (From another address: 127.0.0.1 itself is banned now, see banned_address_...)
  f.net.on_accept(std::make_shared<fake_conn>(false, "127.0.0.2:5556"));
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 3; }));
  f.notice(2, "handshake " + to_hex(key_of(0x20)));
  BOOST_REQUIRE(f.wait_until([&] { return f.peer_got(2, "kick banned"); }));
}

BOOST_AUTO_TEST_CASE(failed_dials_back_off_and_recover) {
  fixture f({addr_a});
  f.join(dkey_of(1));
  BOOST_REQUIRE(f.wait_until([&] { return f.net.dial_count(addr_a) >= 4; }, 3000ms));
  uint64_t max_count = 0;
  for (auto& e : f.events)
    if (e.type == swarm_event_type::dial_failed) max_count = std::max(max_count, e.count);
  BOOST_TEST(max_count >= 3u);
  f.net.set_reachable(addr_a, true);
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 1; }, 3000ms));
  BOOST_TEST((swarm_detail::backoff(20ms, 80ms, 1) == caf::timespan(20ms)));
  BOOST_TEST((swarm_detail::backoff(20ms, 80ms, 2) == caf::timespan(40ms)));
  BOOST_TEST((swarm_detail::backoff(20ms, 80ms, 9) == caf::timespan(80ms)));
}

BOOST_AUTO_TEST_CASE(connection_to_self_is_dropped_and_never_redialled) {
  fixture f({addr_a}, 0x10);
  f.net.set_reachable(addr_a, true);
  f.join(dkey_of(1));
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 1; }));
  f.notice(0, "handshake " + to_hex(key_of(0x10)));
  BOOST_REQUIRE(f.wait_until([&] { return f.peer_got(0, "kick self"); }));
  f.wait_until([] { return false; }, 300ms);
  BOOST_TEST(f.net.dial_count(addr_a) == 1);
}

BOOST_AUTO_TEST_CASE(max_peers_refuses_more_connections) {
  fixture f({}, 0x10, 400ms, 2);
  f.join(dkey_of(1));
  std::vector<std::shared_ptr<fake_conn>> conns;
  for (int i = 0; i < 3; ++i) {
    conns.push_back(std::make_shared<fake_conn>(false, "127.0.0.1:" + std::to_string(6000 + i)));
    f.net.on_accept(conns.back());
    // max_peers counts peers whose handshake completed (handshake-less ones have their own cap)
    if (i < 2) {
      BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == size_t(i) + 1; }));
      f.notice(size_t(i), "handshake " + to_hex(key_of(uint8_t(0x30 + i))));
      BOOST_REQUIRE(f.wait_until([&] { return f.stats().remotes == uint64_t(i) + 1; }));
    }
  }
  BOOST_REQUIRE(f.wait_until([&] { return conns[2]->closed.load(); }));
  BOOST_TEST(f.book.size() == 2u);
  BOOST_TEST(f.stats().connections == 2u);
}

// Handshake-less connections have their own slots (the oldest evicted when they are full) and
// never take the max_peers slots of peers that completed a handshake.
BOOST_AUTO_TEST_CASE(handshakeless_connections_do_not_take_peer_slots) {
  fixture f({}, 0x10, 400ms, 2, [](swarm_options& o) { o.limits.max_handshakes = 3; });
  f.join(dkey_of(1));
  std::vector<std::shared_ptr<fake_conn>> conns;
  auto accept = [&](int i) {
    conns.push_back(std::make_shared<fake_conn>(false, "127.0.0.1:" + std::to_string(6100 + i)));
    f.net.on_accept(conns.back());
  };
  for (int i = 0; i < 3; ++i) accept(i);  // more than max_peers, all silent
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 3u; }));
  BOOST_TEST(f.stats().handshaking == 3u);
  accept(3);  // the handshake slots are full: the oldest silent one goes
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 4u; }));
  BOOST_REQUIRE(f.wait_until([&] { return f.peer_got(0, "kick handshake slots full"); }));
  BOOST_TEST(f.stats().handshakes_evicted == 1u);
  // Two honest peers complete their handshakes: both are kept.
  f.notice(3, "handshake " + to_hex(key_of(0x41)));
  f.notice(2, "handshake " + to_hex(key_of(0x42)));
  BOOST_REQUIRE(f.wait_until([&] { return f.stats().remotes == 2u; }));
  // max_peers handshaken peers: a new connection is refused, a late handshake dropped.
  accept(4);
  BOOST_REQUIRE(f.wait_until([&] { return conns[4]->closed.load(); }));
  f.notice(1, "handshake " + to_hex(key_of(0x43)));
  BOOST_REQUIRE(f.wait_until([&] { return f.peer_got(1, "kick too many peers"); }));
  auto st = f.stats();
  BOOST_TEST(st.refused_over_cap == 2u);
  BOOST_TEST(st.remotes == 2u);
}

// A feed that dropped a peer for not answering in time (the request deadline) does not get it
// banned: it is redialled with backoff. A kick for a broken rule still bans.
BOOST_AUTO_TEST_CASE(request_timeout_is_not_a_ban_but_a_protocol_kick_is) {
  fixture f({addr_a}, 0x10, 600ms);
  f.net.set_reachable(addr_a, true);
  f.join(dkey_of(1));
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 1; }));
  f.notice(0, "handshake " + to_hex(key_of(0x20)));
  int dials = f.net.dial_count(addr_a);
  f.notice(0, "closed: kicked (" + to_hex(dkey_of(1)) +
                  "): request timeout: block 0 (no answer for 5000 ms)");
  BOOST_REQUIRE(f.wait_until([&] { return f.net.dial_count(addr_a) > dials; }, 3000ms));
  BOOST_TEST(!f.has_event(swarm_event_type::banned));
  BOOST_TEST(f.stats().banned == 0u);
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 2; }));
  f.notice(1, "handshake " + to_hex(key_of(0x20)));
  f.notice(1, "closed: kicked (" + to_hex(dkey_of(1)) + "): too many invalid messages");
  BOOST_REQUIRE(f.wait_until([&] { return f.has_event(swarm_event_type::banned); }));
}

// A banned remote's IP is banned too: a fresh key from the same address is refused at accept
// (and the transport's shared ban list has it) until the ban ends.
BOOST_AUTO_TEST_CASE(banned_address_with_a_fresh_key_is_refused) {
  fixture f({}, 0x10, 600ms);
  f.join(dkey_of(1));
  f.net.on_accept(std::make_shared<fake_conn>(false, "127.0.0.5:1111"));
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 1u; }));
  f.notice(0, "handshake " + to_hex(key_of(0x51)));
  f.notice(0, "closed: protocol error: bad proof");
  BOOST_REQUIRE(f.wait_until([&] { return f.has_event(swarm_event_type::banned); }));
  BOOST_TEST(f.bans->banned("127.0.0.5"));
  auto again = std::make_shared<fake_conn>(false, "127.0.0.5:2222");  // a fresh key would follow
  f.net.on_accept(again);
  BOOST_REQUIRE(f.wait_until([&] { return again->closed.load(); }));
  BOOST_TEST(f.book.size() == 1u);
  BOOST_TEST(f.stats().refused_banned == 1u);
  f.net.on_accept(std::make_shared<fake_conn>(false, "127.0.0.6:1"));  // another address
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 2u; }));
  BOOST_REQUIRE(f.wait_until([&] { return !f.bans->banned("127.0.0.5"); }, 3000ms));
  f.net.on_accept(std::make_shared<fake_conn>(false, "127.0.0.5:3333"));  // the ban is over
  BOOST_REQUIRE(f.wait_until([&] { return f.book.size() == 3u; }));
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Two real nodes over TCP: A writes two feeds, B follows both; both list each other as static
// peers, so both dial: one connection must remain and carry both feeds.
node_config writer_config(const std::string& dir, const std::string& peer) {
  node_config c;
  c.name = "a";
  c.storage = dir + "/a";
  c.noise_key_file = dir + "/a/noise.key";
  for (std::string n : {"one", "two"}) {
    feed_config f;
    f.name = n;
    f.mode = feed_mode::write;
    f.storage_dir = dir + "/a/" + n;
    f.append = append_plan{200, 32, 0};
    c.feeds.push_back(f);
  }
  c.swarm.static_peers = {peer};
  c.swarm.reconnect.min_ms = 20;
  return c;
}

BOOST_AUTO_TEST_CASE(two_nodes_share_one_connection_for_two_feeds) {
  test::temp_dir dir("ddb-swarm");
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  // A dials B's (free) port, failing until B starts; B dials A: both connect, one remains.
  std::string b_addr = "127.0.0.1:" + std::to_string(free_port());
  node_config b;
  b.name = "b";
  b.listen = b_addr;
  b.storage = dir.str() + "/b";
  b.swarm.reconnect.min_ms = 20;
  auto a_cfg = writer_config(dir.str(), b_addr);
  auto a_probe = node::start(sys, a_cfg);
  BOOST_REQUIRE_MESSAGE(a_probe, a_probe.error().to_string());
  std::string a_addr = (*a_probe)->listen_address();
  std::vector<public_key> keys;
  for (auto& fd : (*a_probe)->feeds()) keys.push_back(fd.key);
  for (size_t i = 0; i < keys.size(); ++i) {
    feed_config f;
    f.name = i == 0 ? "one" : "two";
    f.mode = feed_mode::follow;
    f.key = keys[i];
    f.storage_dir = b.storage + "/" + f.name;
    b.feeds.push_back(f);
  }
  b.swarm.static_peers = {a_addr};
  auto bn = node::start(sys, b);
  BOOST_REQUIRE_MESSAGE(bn, bn.error().to_string());
  auto deadline = std::chrono::steady_clock::now() + 15s;
  auto synced = [&] {
    for (auto& fd : (*bn)->feeds()) {
      auto info = fd.client->info();
      if (!info || info->length < 200 || info->downloaded < 200) return false;
    }
    return true;
  };
  while (!synced() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  BOOST_REQUIRE(synced());
  caf::scoped_actor self{sys};
  swarm_stats st;
  self->request((*bn)->swarm(), 5s, ddb_sstat_atom_v)
      .receive([&](swarm_stats& s) { st = s; }, [](caf::error&) {});
  BOOST_TEST(st.remotes == 1u);
  BOOST_TEST(st.connections == 1u);
  for (auto& fs : st.feeds) BOOST_TEST(fs.peers == 1u);
  (*bn)->stop();
  (*a_probe)->stop();
}

}  // namespace
