#define BOOST_TEST_MODULE peer_flow
#include "tests/actors/replication_fixture.hpp"

// Backpressure between a feed actor, its peer actor and the connection: a feed answers a peer
// only while its send window lasts, credit comes back when the peer actor sees the bytes leave
// the connection, and the peer actor stops reading while too much waits to be sent.

using namespace ddb;
using namespace ddb::reptest;

namespace {

// An in-memory connection end whose writes can be held back (a remote that does not read):
// held bytes count as pending until release(). `extra_pending` adds a test-chosen backlog.
class held_connection final : public connection {
 public:
  explicit held_connection(bool initiator) : initiator_(initiator) {}
  static std::pair<std::shared_ptr<held_connection>, std::shared_ptr<held_connection>> pair() {
    auto a = std::make_shared<held_connection>(true);
    auto b = std::make_shared<held_connection>(false);
    a->peer_ = b;
    b->peer_ = a;
    return {a, b};
  }
  void attach(caf::actor owner) override {
    std::lock_guard<std::mutex> lock(mu_);
    owner_ = owner;
    flush_locked();
  }
  void write(byte_buffer bytes) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (hold_) {
        held_bytes_ += bytes.size();
        peak_held_ = std::max(peak_held_, held_bytes_);
        held_.push_back(std::move(bytes));
        return;
      }
    }
    if (auto p = peer_.lock()) p->deliver(std::move(bytes));
  }
  void close() override {}
  uint64_t pending_bytes() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return held_bytes_ + extra_pending_;
  }
  void set_reading(bool on) override {
    std::lock_guard<std::mutex> lock(mu_);
    paused_ = !on;
    (on ? resumes_ : pauses_)++;
    flush_locked();
  }
  std::string remote_address() const override { return "held"; }
  bool initiator() const override { return initiator_; }

  void hold(bool on) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = on;
  }
  // Hands every held byte to the other end.
  void release() {
    std::vector<byte_buffer> out;
    {
      std::lock_guard<std::mutex> lock(mu_);
      out.swap(held_);
      held_bytes_ = 0;
    }
    if (auto p = peer_.lock()) {
      for (auto& b : out) p->deliver(std::move(b));
    }
  }
  void set_extra_pending(uint64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    extra_pending_ = n;
  }
  uint64_t peak_held() const {
    std::lock_guard<std::mutex> lock(mu_);
    return peak_held_;
  }
  uint64_t held() const {
    std::lock_guard<std::mutex> lock(mu_);
    return held_bytes_;
  }
  int pauses() const {
    std::lock_guard<std::mutex> lock(mu_);
    return pauses_;
  }
  int resumes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return resumes_;
  }
  bool reading() const {
    std::lock_guard<std::mutex> lock(mu_);
    return !paused_;
  }
  size_t waiting_to_be_read() const {
    std::lock_guard<std::mutex> lock(mu_);
    return inbox_.size();
  }

 private:
  void deliver(byte_buffer bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    inbox_.push_back(std::move(bytes));
    flush_locked();
  }
  void flush_locked() {
    if (!owner_ || paused_) return;
    for (auto& b : inbox_) caf::anon_send(owner_, ddb_recv_atom_v, std::move(b));
    inbox_.clear();
  }

  const bool initiator_;
  std::weak_ptr<held_connection> peer_;
  mutable std::mutex mu_;
  caf::actor owner_;
  std::vector<byte_buffer> inbox_;
  std::vector<byte_buffer> held_;
  uint64_t held_bytes_ = 0;
  uint64_t peak_held_ = 0;
  uint64_t extra_pending_ = 0;
  bool hold_ = false;
  bool paused_ = false;
  int pauses_ = 0;
  int resumes_ = 0;
};

block_list big_blocks(size_t n, size_t size) {
  block_list out;
  for (size_t i = 0; i < n; ++i) out.emplace_back(size, static_cast<uint8_t>(i + 1));
  return out;
}

struct flow_fixture : fixture {
  std::shared_ptr<held_connection> server_conn, client_conn;
  caf::actor server_peer, client_peer;

  // The writer's peer actor on `server_conn`, the clone's on `client_conn`.
  void link(test_feed& w, test_feed& c, bool live = false) {
    auto [a, b] = held_connection::pair();
    client_conn = a;
    server_conn = b;
    auto server_reg = std::make_shared<feed_registry>();
    server_reg->add(w.dkey, w.key, w.actor());
    auto client_reg = std::make_shared<feed_registry>();
    client_reg->add(c.dkey, c.key, c.actor());
    peer_actor_options so;
    so.session = session_opts(11);
    so.registry = server_reg;
    so.live = live;
    peer_actor_options co;
    co.session = session_opts(12);
    co.registry = client_reg;
    co.live = live;
    co.feeds_to_open = {c.dkey};
    server_peer = spawn_peer_actor(sys, server_conn, so);
    client_peer = spawn_peer_actor(sys, client_conn, co);
  }
  ~flow_fixture() {
    for (auto* p : {&server_peer, &client_peer}) {
      if (*p) caf::anon_send_exit(*p, caf::exit_reason::user_shutdown);
    }
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(peer_flow)

// The clone keeps 8 MiB of requests in flight; the writer's window is 1 MiB: while the clone's
// connection does not read, at most the window (plus one block) waits on the writer's side.
// Released, the credit comes back through the peer actor and the clone completes.
BOOST_FIXTURE_TEST_CASE(answers_wait_for_the_send_window, flow_fixture) {
  const size_t block = 64 * 1024;
  const size_t n = 160;  // 10 MiB
  feed_actor_options ao;
  ao.replication.limits.max_unsent_bytes = 1 << 20;
  auto& w = writer(big_blocks(n, block), ao);
  auto& c = clone(w);
  link(w, c);
  // Let the handshake and the first answers through, then stop the writer's output.
  BOOST_REQUIRE(eventually([&] { return c.downloaded() > 0; }));
  server_conn->hold(true);
  std::this_thread::sleep_for(200ms);  // time for the writer to overrun, were it unbounded
  const uint64_t limit = (1 << 20) + block + 64 * 1024;
  BOOST_TEST(server_conn->peak_held() <= limit);
  auto st = w.stats();
  BOOST_TEST(st.abuse.send_window_waits >= 1u);
  BOOST_TEST(st.abuse.peers_dropped_for_overflow == 0u);
  // Drain by hand a few times, each time the held bytes stay within the window.
  for (int i = 0; i < 3; ++i) {
    server_conn->release();
    std::this_thread::sleep_for(100ms);
    BOOST_TEST(server_conn->peak_held() <= limit);
  }
  server_conn->hold(false);
  server_conn->release();
  BOOST_TEST(synced(c, n));
  BOOST_TEST(same_blocks(w, c));
}

// A write backlog beyond the high watermark pauses reading; below the low one it resumes.
BOOST_FIXTURE_TEST_CASE(reading_pauses_while_the_backlog_is_high, flow_fixture) {
  auto& w = writer(big_blocks(40, 1024));
  auto& c = clone(w);
  link(w, c, true);
  BOOST_REQUIRE(synced(c, 40));
  server_conn->set_extra_pending(uint64_t{1} << 30);
  // Any write makes the peer actor look at the backlog: the writer appends, and tells the clone.
  BOOST_REQUIRE(w->append(big_blocks(1, 1024)));
  BOOST_TEST(eventually([&] { return !server_conn->reading(); }));
  BOOST_TEST(server_conn->pauses() >= 1);
  server_conn->set_extra_pending(0);
  BOOST_TEST(eventually([&] { return server_conn->reading(); }));
  BOOST_TEST(server_conn->resumes() >= 1);
  BOOST_TEST(synced(c, 41));
}

BOOST_AUTO_TEST_SUITE_END()
