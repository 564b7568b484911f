#define BOOST_TEST_MODULE replicator_deadline
#include <boost/test/unit_test.hpp>

#include <deque>

#include "feed/feed.hpp"
#include "protocol/replicator.hpp"
#include "storage/env.hpp"
#include "wire/bitfield_rle.hpp"

// The request deadline (peer_limits::request_timeout_ms), with time driven by hand through
// replicator::on_tick: a peer that holds our Requests or Wants without answering is dropped and
// what it reserved goes to an honest peer; a slow peer that keeps delivering is never dropped.

using namespace ddb;
using namespace ddb::replication;

namespace {

constexpr uint64_t honest = 1;
constexpr uint64_t liar = 9;
constexpr uint64_t blocks = 104;  // 13 bitfield bytes of 0xff

std::unique_ptr<feed> open_feed(std::optional<public_key> key = std::nullopt) {
  feed_options o;
  o.key = key;
  auto f = feed::open(make_memory_env(), o);
  BOOST_REQUIRE(f);
  return std::move(*f);
}

template <class M>
wire_frame frame(wire::message_type type, const M& m) {
  wire_frame f;
  f.type = static_cast<uint8_t>(type);
  wire::encode(m, f.body);
  return f;
}

wire_frame status_frame() {
  wire::status_message s;
  s.uploading = true;
  s.downloading = true;
  return frame(wire::message_type::status, s);
}

// A writer with `blocks` blocks and an empty clone; the clone knows the writer as `honest`, the
// writer the clone as peer 2. Frames between them are carried by hand; frames to the liar are
// discarded (it never answers).
struct world {
  std::unique_ptr<feed> w = open_feed();
  std::unique_ptr<feed> c;
  std::unique_ptr<replicator> wr, cr;
  std::vector<replicator_event> events;  // the clone's
  std::deque<wire_frame> to_clone;       // from the writer, not delivered yet

  world() {
    std::vector<byte_buffer> data;
    for (uint64_t i = 0; i < blocks; ++i) data.emplace_back(32, static_cast<uint8_t>(i));
    BOOST_REQUIRE(w->append(data));
    c = open_feed(w->key());
    wr = std::make_unique<replicator>(*w, replicator_options{});
    cr = std::make_unique<replicator>(*c, replicator_options{});
  }
  void connect_honest() {
    cr->add_peer(honest, peer_info{});
    wr->add_peer(2, peer_info{});
    cr->remote_open(honest);
    wr->remote_open(2);
  }
  // The liar: opened, claims every block in its answer to our first Want, sends nothing else.
  void connect_liar(bool answer_want) {
    cr->add_peer(liar, peer_info{});
    cr->remote_open(liar);
    if (!answer_want) {
      wire::have_message h;
      h.start = uint64_t{1} << 50;  // the want bomb's claim: Wants that are never answered
      cr->on_frames(liar, {status_frame(), frame(wire::message_type::have, h)});
      return;
    }
    wire::have_message h;
    h.start = 0;
    h.length = want_chunk;
    byte_buffer bits(blocks / 8, 0xff);
    h.bitfield = wire::rle::encode(byte_view(bits));
    cr->on_frames(liar, {status_frame(), frame(wire::message_type::have, h)});
  }
  // Moves frames both ways; at most `data_per_step` Data frames reach the clone (0: all).
  void step(size_t data_per_step = 0) {
    std::vector<outgoing> out;
    std::vector<replicator_event> ev;
    for (int round = 0; round < 1000; ++round) {
      bool moved = false;
      wr->take(out, ev);
      for (auto& o : out) {
        for (auto& f : o.frames) to_clone.push_back(std::move(f));
      }
      size_t data = 0;
      wire_frames batch;
      while (!to_clone.empty()) {
        const bool is_data =
            to_clone.front().type == static_cast<uint8_t>(wire::message_type::data);
        if (is_data && data_per_step > 0 && data == data_per_step) break;
        data += is_data;
        batch.push_back(std::move(to_clone.front()));
        to_clone.pop_front();
      }
      if (!batch.empty() && cr->peer(honest)) {
        cr->on_frames(honest, batch);
        moved = true;
      }
      BOOST_REQUIRE(c->flush_puts());
      cr->take(out, ev);
      events.insert(events.end(), ev.begin(), ev.end());
      for (auto& o : out) {
        if (o.peer != honest) continue;  // the liar never reads
        wr->on_frames(2, o.frames);
        moved = true;
      }
      if (!moved || data_per_step > 0) return;
    }
  }
  void tick(uint64_t now_ms) {
    cr->on_tick(now_ms);
    step();
  }
  std::string dropped(uint64_t peer) const {
    for (const auto& e : events) {
      if (e.kind == event_kind::drop_peer && e.peer == peer) return e.reason;
    }
    return {};
  }
};

const uint64_t timeout = peer_limits{}.request_timeout_ms;

}  // namespace

BOOST_AUTO_TEST_CASE(default_deadline_is_seconds) {
  BOOST_TEST(timeout >= 1000u);
  BOOST_TEST(timeout <= 10000u);
}

// The liar claims every block and reserves them all; the honest peer gets nothing to do until
// the liar's deadline passes, then serves everything.
BOOST_AUTO_TEST_CASE(silent_peer_is_dropped_and_an_honest_peer_takes_over) {
  world x;
  x.connect_liar(true);
  x.connect_honest();
  x.step();
  BOOST_TEST(x.c->downloaded() == 0u);  // everything is reserved by the liar
  BOOST_TEST(x.cr->awaiting());
  BOOST_REQUIRE(x.cr->peer(liar) != nullptr);
  BOOST_TEST(!x.cr->peer(liar)->inflight.empty());
  const uint64_t t0 = 1000000;
  for (uint64_t t = t0; t < t0 + timeout; t += timeout / 5) x.tick(t);
  BOOST_TEST(x.dropped(liar).empty());
  BOOST_TEST(x.c->downloaded() == 0u);
  x.tick(t0 + timeout);
  const std::string why = x.dropped(liar);
  BOOST_TEST(why.find("request timeout: block 0") == 0u, why);
  BOOST_TEST(x.cr->peer(liar) == nullptr);
  BOOST_TEST(x.cr->abuse().peers_dropped_for_timeout == 1u);
  x.step();
  BOOST_TEST(x.c->length() == blocks);
  BOOST_TEST(x.c->downloaded() == blocks);
  BOOST_TEST(x.dropped(honest).empty());
  BOOST_TEST(!x.cr->awaiting());
  BOOST_TEST(x.c->audit()->invalid == 0u);
}

// A peer that announces a length (so that we send Wants) and never answers them.
BOOST_AUTO_TEST_CASE(unanswered_wants_drop_the_peer) {
  world x;
  x.connect_liar(false);
  BOOST_TEST(x.cr->awaiting());
  x.tick(0);
  x.tick(timeout - 1);
  BOOST_TEST(x.dropped(liar).empty());
  x.tick(timeout);
  const std::string why = x.dropped(liar);
  BOOST_TEST(why.find("request timeout: ") == 0u, why);
  BOOST_TEST(why.find("Want") != std::string::npos, why);
  BOOST_TEST(!x.cr->awaiting());
}

// One block per tick, ticks 2/5 of the deadline apart: the whole download takes 40x the deadline
// and the peer is never dropped; then nothing is in flight and ticks do nothing.
BOOST_AUTO_TEST_CASE(slow_peer_that_keeps_delivering_is_not_dropped) {
  world x;
  x.connect_honest();
  uint64_t now = 0;
  for (int i = 0; i < 1000 && x.c->downloaded() < blocks; ++i) {
    x.step(1);
    x.cr->on_tick(now);
    now += 2 * timeout / 5;
    BOOST_REQUIRE(x.dropped(honest).empty());
  }
  BOOST_TEST(now > 20 * timeout);
  BOOST_TEST(x.c->downloaded() == blocks);
  BOOST_TEST(x.cr->abuse().peers_dropped_for_timeout == 0u);
  for (int i = 0; i < 10; ++i) x.tick(now += timeout);
  BOOST_TEST(x.dropped(honest).empty());
}

// Without a deadline (0) nobody is ever dropped.
BOOST_AUTO_TEST_CASE(zero_disables_the_deadline) {
  world x;
  replicator_options o;
  o.limits.request_timeout_ms = 0;
  x.cr = std::make_unique<replicator>(*x.c, o);
  x.connect_liar(true);
  for (uint64_t t = 0; t < 100 * timeout; t += timeout) x.tick(t);
  BOOST_TEST(x.dropped(liar).empty());
  BOOST_TEST(x.cr->awaiting());
}
