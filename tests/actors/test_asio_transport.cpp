#define BOOST_TEST_MODULE asio_transport
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <asio/ip/tcp.hpp>
#include <caf/all.hpp>

#include "messages/atoms.hpp"
#include "net/asio_transport.hpp"

namespace {

using namespace std::chrono_literals;
using ddb::byte_buffer;
using ddb::connection_ptr;

// A blocking queue fed from transport callbacks (which run on the io thread).
template <class T>
class mailbox {
 public:
  void push(T value) {
    std::lock_guard<std::mutex> lock(mu_);
    items_.push_back(std::move(value));
    cv_.notify_all();
  }
  std::optional<T> pop() {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, 5s, [&] { return !items_.empty(); })) return std::nullopt;
    T value = std::move(items_.front());
    items_.pop_front();
    return value;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> items_;
};

using dial_box = mailbox<ddb::result<connection_ptr>>;

byte_buffer bytes_of(const std::string& s) {
  return byte_buffer(s.begin(), s.end());
}

uint64_t test_seed() {
  const char* env = std::getenv("DDB_TEST_SEED");
  uint64_t seed = env ? std::strtoull(env, nullptr, 10) : std::random_device{}();
  BOOST_TEST_MESSAGE("seed " << seed << " (set DDB_TEST_SEED to replay)");
  return seed;
}

ddb::result<connection_ptr> dial(ddb::transport& net, const std::string& address) {
  auto box = std::make_shared<dial_box>();
  net.dial(address, [box](ddb::result<connection_ptr> r) { box->push(std::move(r)); });
  auto r = box->pop();
  BOOST_REQUIRE_MESSAGE(r, "dial did not report within 5 s");
  return std::move(*r);
}

// Appends received bytes to `out` until it holds `n`; false on a timeout or an early down.
bool recv_until(caf::scoped_actor& self, byte_buffer& out, size_t n) {
  bool ok = true;
  while (ok && out.size() < n) {
    self->receive([&](ddb::ddb_recv_atom,
                      const byte_buffer& b) { out.insert(out.end(), b.begin(), b.end()); },
                  [&](ddb::ddb_down_atom, const std::string& why) {
                    BOOST_TEST_MESSAGE("early down: " << why);
                    ok = false;
                  },
                  caf::after(5s) >> [&] { ok = false; });
  }
  return ok;
}

// Waits for the down message, appending any bytes before it to `out`; nullopt on timeout.
std::optional<std::string> recv_down(caf::scoped_actor& self, byte_buffer* out = nullptr) {
  std::optional<std::string> reason;
  bool timed_out = false;
  while (!reason && !timed_out) {
    self->receive(
        [&](ddb::ddb_recv_atom, const byte_buffer& b) {
          if (out) out->insert(out->end(), b.begin(), b.end());
        },
        [&](ddb::ddb_down_atom, const std::string& why) { reason = why; },
        caf::after(5s) >> [&] { timed_out = true; });
  }
  return reason;
}

// True if no message arrives for a short while (no second down, no stray bytes).
bool quiet(caf::scoped_actor& self) {
  bool got = false;
  self->receive([&](caf::message&) { got = true; }, caf::after(200ms) >> [] {});
  return !got;
}

void wait_drained(const connection_ptr& c) {
  for (int i = 0; i < 500 && c->pending_bytes() != 0; ++i) std::this_thread::sleep_for(10ms);
  BOOST_TEST(c->pending_bytes() == 0u);
}

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  ddb::io_thread io;
  std::unique_ptr<ddb::transport> net = ddb::make_asio_transport(io.context());
  std::shared_ptr<mailbox<connection_ptr>> accepted = std::make_shared<mailbox<connection_ptr>>();
  std::string address;

  fixture() {
    auto box = accepted;
    auto r = net->listen("127.0.0.1:0", [box](connection_ptr c) { box->push(std::move(c)); });
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
    address = *r;
  }
  ~fixture() {
    net->shutdown();
    net.reset();
    io.stop();
  }

  // Dials our listener; returns {client side, server side}.
  std::pair<connection_ptr, connection_ptr> connect_pair(ddb::transport& from) {
    auto c = dial(from, address);
    BOOST_REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().to_string()));
    auto s = accepted->pop();
    BOOST_REQUIRE_MESSAGE(s, "no accept within 5 s");
    return {*c, *s};
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(listen_dial_echo, fixture) {
  BOOST_TEST(address.rfind("127.0.0.1:", 0) == 0u);
  BOOST_TEST(address != "127.0.0.1:0");
  auto [client, server] = connect_pair(*net);
  BOOST_TEST(client->initiator());
  BOOST_TEST(!server->initiator());
  BOOST_TEST(client->remote_address() == "tcp " + address);
  BOOST_TEST(server->remote_address().rfind("tcp 127.0.0.1:", 0) == 0u);

  caf::scoped_actor a{sys}, b{sys};
  client->attach(a);
  server->attach(b);
  client->write(bytes_of("hello"));
  byte_buffer got;
  BOOST_REQUIRE(recv_until(b, got, 5));
  BOOST_TEST(got == bytes_of("hello"));
  server->write(got);
  byte_buffer echoed;
  BOOST_REQUIRE(recv_until(a, echoed, 5));
  BOOST_TEST(echoed == bytes_of("hello"));
  BOOST_TEST(quiet(a));
  BOOST_TEST(quiet(b));
}

BOOST_FIXTURE_TEST_CASE(bytes_and_end_before_attach_are_delivered_on_attach, fixture) {
  auto [client, server] = connect_pair(*net);
  caf::scoped_actor a{sys}, b{sys};
  client->attach(a);
  const size_t total = 3 * 1024 * 1024;  // more than the inbox cap: reading pauses, then resumes
  byte_buffer sent(total);
  for (size_t i = 0; i < total; ++i) sent[i] = static_cast<uint8_t>(i * 7 + i / 251);
  for (size_t off = 0; off < total; off += 100000)
    client->write(byte_buffer(sent.begin() + off, sent.begin() + std::min(total, off + 100000)));
  client->close();
  std::this_thread::sleep_for(100ms);  // let the inbox fill before the owner appears
  server->attach(b);
  byte_buffer got;
  auto why = recv_down(b, &got);
  BOOST_REQUIRE(why);
  BOOST_TEST(got.size() == total);
  BOOST_TEST((got == sent));
  BOOST_TEST(recv_down(a).has_value());
}

BOOST_FIXTURE_TEST_CASE(ten_megabytes_in_random_writes_arrive_in_order, fixture) {
  std::mt19937_64 rng(test_seed());
  const size_t total = 10 * 1000 * 1000;
  byte_buffer sent(total);
  for (auto& x : sent) x = static_cast<uint8_t>(rng());
  auto [client, server] = connect_pair(*net);
  caf::scoped_actor a{sys}, b{sys};
  client->attach(a);
  server->attach(b);
  std::uniform_int_distribution<size_t> size_of(1, 70000);
  for (size_t off = 0; off < total;) {
    size_t n = std::min(total - off, size_of(rng));
    client->write(byte_buffer(sent.begin() + off, sent.begin() + off + n));
    off += n;
  }
  byte_buffer got;
  BOOST_REQUIRE(recv_until(b, got, total));
  BOOST_TEST(got.size() == total);
  BOOST_TEST((got == sent));
  wait_drained(client);
}

BOOST_FIXTURE_TEST_CASE(concurrent_writers_do_not_interleave_within_a_write, fixture) {
  auto [client, server] = connect_pair(*net);
  caf::scoped_actor b{sys};
  server->attach(b);
  const int threads = 4, records = 400;
  uint64_t seed = test_seed();
  std::atomic<size_t> total{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&, t, c = client] {
      std::mt19937 rng(static_cast<uint32_t>(seed + t));
      for (uint32_t seq = 0; seq < records; ++seq) {
        uint32_t len = std::uniform_int_distribution<uint32_t>(1, 20000)(rng);
        byte_buffer rec(9 + len, static_cast<uint8_t>(t * 31 + seq));
        rec[0] = static_cast<uint8_t>(t);
        for (int i = 0; i < 4; ++i) rec[1 + i] = static_cast<uint8_t>(seq >> (8 * i));
        for (int i = 0; i < 4; ++i) rec[5 + i] = static_cast<uint8_t>(len >> (8 * i));
        total += rec.size();
        c->write(std::move(rec));
      }
    });
  }
  for (auto& w : writers) w.join();
  byte_buffer got;
  BOOST_REQUIRE(recv_until(b, got, total.load()));
  BOOST_REQUIRE(got.size() == total.load());
  std::vector<uint32_t> next(threads, 0);
  for (size_t off = 0; off < got.size();) {
    BOOST_REQUIRE(off + 9 <= got.size());
    int t = got[off];
    uint32_t seq = 0, len = 0;
    for (int i = 0; i < 4; ++i) seq |= uint32_t(got[off + 1 + i]) << (8 * i);
    for (int i = 0; i < 4; ++i) len |= uint32_t(got[off + 5 + i]) << (8 * i);
    BOOST_REQUIRE(t < threads);
    BOOST_REQUIRE(seq == next[t]);
    BOOST_REQUIRE(off + 9 + len <= got.size());
    auto fill = static_cast<uint8_t>(t * 31 + seq);
    auto body = got.begin() + static_cast<ptrdiff_t>(off + 9);
    BOOST_REQUIRE(std::all_of(body, body + len, [&](uint8_t x) { return x == fill; }));
    ++next[t];
    off += 9 + len;
  }
  for (int t = 0; t < threads; ++t) BOOST_TEST(next[t] == uint32_t(records));
}

BOOST_FIXTURE_TEST_CASE(close_flushes_then_down_once_on_both_sides, fixture) {
  auto [client, server] = connect_pair(*net);
  caf::scoped_actor a{sys}, b{sys};
  client->attach(a);
  server->attach(b);
  byte_buffer sent;
  for (int i = 0; i < 256; ++i) {
    byte_buffer chunk(8192, static_cast<uint8_t>(i));
    sent.insert(sent.end(), chunk.begin(), chunk.end());
    client->write(std::move(chunk));
  }
  client->close();
  client->close();                      // idempotent
  client->write(bytes_of("too late"));  // dropped: nothing goes out after close
  byte_buffer got;
  auto server_why = recv_down(b, &got);
  BOOST_REQUIRE(server_why);
  BOOST_TEST_MESSAGE("server down: " << *server_why);
  BOOST_TEST((got == sent));
  auto client_why = recv_down(a);
  BOOST_REQUIRE(client_why);
  BOOST_TEST(*client_why == "closed");
  BOOST_TEST(quiet(a));
  BOOST_TEST(quiet(b));
  server->close();  // after down: no second message
  BOOST_TEST(quiet(b));
  wait_drained(client);
}

BOOST_FIXTURE_TEST_CASE(dial_errors, fixture) {
  std::string closed_address;
  {
    asio::io_context ctx;
    asio::ip::tcp::acceptor probe(ctx, {asio::ip::make_address("127.0.0.1"), 0});
    closed_address = "127.0.0.1:" + std::to_string(probe.local_endpoint().port());
  }
  auto r = dial(*net, closed_address);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST_MESSAGE(r.error().to_string());
  BOOST_TEST((r.error().code() == ddb::errc::unavailable));

  auto bad = dial(*net, "no-port-here");
  BOOST_REQUIRE(!bad.has_value());
  BOOST_TEST((bad.error().code() == ddb::errc::invalid_argument));
  auto bad_listen = net->listen("127.0.0.1:99999", [](connection_ptr) {});
  BOOST_TEST(!bad_listen.has_value());
}

BOOST_FIXTURE_TEST_CASE(shutdown_closes_everything, fixture) {
  auto other = ddb::make_asio_transport(io.context());
  auto [c1, s1] = connect_pair(*other);
  auto [c2, s2] = connect_pair(*other);
  caf::scoped_actor a1{sys}, b1{sys}, a2{sys}, b2{sys};
  c1->attach(a1);
  s1->attach(b1);
  c2->attach(a2);
  s2->attach(b2);
  s1->write(bytes_of("queued"));
  net->shutdown();
  for (auto* self : {&b1, &b2}) {
    auto why = recv_down(*self);
    BOOST_REQUIRE(why);
    BOOST_TEST(*why == "transport shut down");
  }
  for (auto* self : {&a1, &a2}) BOOST_TEST(recv_down(*self).has_value());
  for (auto* self : {&a1, &b1, &a2, &b2}) BOOST_TEST(quiet(*self));
  auto again = dial(*other, address);
  BOOST_TEST(!again.has_value());
  auto relisten = net->listen("127.0.0.1:0", [](connection_ptr) {});
  BOOST_REQUIRE(!relisten.has_value());
  BOOST_TEST((relisten.error().code() == ddb::errc::closed));
  other->shutdown();
}

// set_reading(false) stops reading from the socket: a sender's bytes back up on its side (past
// the kernel buffers) until reading resumes; then everything arrives, in order.
BOOST_FIXTURE_TEST_CASE(paused_reading_backs_up_the_sender, fixture) {
  auto [client, server] = connect_pair(*net);
  caf::scoped_actor a{sys}, b{sys};
  client->attach(a);
  server->set_reading(false);
  server->attach(b);
  const size_t total = 48 * 1024 * 1024;
  byte_buffer sent(total);
  for (size_t i = 0; i < total; ++i) sent[i] = static_cast<uint8_t>(i * 13 + i / 4093);
  for (size_t off = 0; off < total; off += 1 << 20)
    client->write(byte_buffer(sent.begin() + off, sent.begin() + std::min(total, off + (1 << 20))));
  // Whatever the kernel buffers hold, most of it must still wait on the sender's side.
  std::this_thread::sleep_for(300ms);
  BOOST_TEST(client->pending_bytes() > total / 2);
  server->set_reading(true);
  byte_buffer got;
  BOOST_REQUIRE(recv_until(b, got, total));
  BOOST_TEST((got == sent));
  wait_drained(client);
}
