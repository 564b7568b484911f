#define BOOST_TEST_MODULE replicator_limits
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "feed/feed.hpp"
#include "protocol/replicator.hpp"
#include "storage/env.hpp"
#include "wire/bitfield_rle.hpp"

// A replicator driven by a hand-made hostile peer that only knows the public key: every attack
// must cost bounded work and memory (counted, not timed), and honest replication must still
// complete under the limits.

using namespace ddb;
using namespace ddb::replication;

namespace {

constexpr uint64_t hostile = 7;

std::unique_ptr<feed> open_feed(std::optional<public_key> key = std::nullopt) {
  feed_options o;
  o.key = key;
  auto f = feed::open(make_memory_env(), o);
  BOOST_REQUIRE(f);
  return std::move(*f);
}

std::vector<byte_buffer> make_blocks(uint64_t n, size_t size) {
  std::vector<byte_buffer> out;
  for (uint64_t i = 0; i < n; ++i) out.emplace_back(size, static_cast<uint8_t>(i * 7 + 1));
  return out;
}

template <class M>
wire_frame frame(wire::message_type type, const M& m) {
  wire_frame f;
  f.type = static_cast<uint8_t>(type);
  wire::encode(m, f.body);
  return f;
}

wire_frame status_frame(bool uploading, bool downloading) {
  wire::status_message s;
  s.uploading = uploading;
  s.downloading = downloading;
  return frame(wire::message_type::status, s);
}

wire_frame have_frame(uint64_t start, std::optional<uint64_t> length = std::nullopt) {
  wire::have_message h;
  h.start = start;
  h.length = length;
  return frame(wire::message_type::have, h);
}

wire_frame unhave_frame(uint64_t start, uint64_t length) {
  wire::unhave_message u;
  u.start = start;
  u.length = length;
  return frame(wire::message_type::unhave, u);
}

wire_frame request_frame(uint64_t index) {
  wire::request_message r;
  r.index = index;
  return frame(wire::message_type::request, r);
}

// One feed (a writer with `n` blocks, or an empty clone of such a writer) and its replicator,
// with the hostile peer added and opened.
struct side {
  std::unique_ptr<feed> writer;
  std::unique_ptr<feed> f;
  std::unique_ptr<replicator> r;
  std::vector<outgoing> out;
  std::vector<replicator_event> events;

  side(bool clone, uint64_t n, size_t size = 64, replicator_options o = {}) {
    writer = open_feed();
    if (n > 0) BOOST_REQUIRE(writer->append(make_blocks(n, size)));
    if (clone) f = open_feed(writer->key());
    r = std::make_unique<replicator>(clone ? *f : *writer, std::move(o));
    r->add_peer(hostile, peer_info{});
    r->remote_open(hostile);
    drain();
  }
  void recv(std::vector<wire_frame> frames) {
    r->on_frames(hostile, frames);
    drain();
  }
  // Takes the replicator's output; returns the frames emitted since the last call.
  size_t drain() {
    std::vector<outgoing> o;
    std::vector<replicator_event> e;
    r->take(o, e);
    size_t frames = 0;
    for (auto& x : o) frames += x.frames.size();
    out.insert(out.end(), std::make_move_iterator(o.begin()), std::make_move_iterator(o.end()));
    events.insert(events.end(), e.begin(), e.end());
    return frames;
  }
  size_t count(wire::message_type type) const {
    size_t n = 0;
    for (const auto& o : out) {
      for (const auto& fr : o.frames) n += fr.type == static_cast<uint8_t>(type);
    }
    return n;
  }
  uint64_t out_bytes() const {
    uint64_t n = 0;
    for (const auto& o : out) {
      for (const auto& fr : o.frames) n += fr.body.size();
    }
    return n;
  }
  std::string dropped() const {
    for (const auto& e : events) {
      if (e.kind == event_kind::drop_peer) return e.reason.empty() ? "?" : e.reason;
    }
    return {};
  }
  const peer_state& peer() const {
    const peer_state* p = r->peer(hostile);
    BOOST_REQUIRE(p != nullptr);
    return *p;
  }
};

uint64_t bound_pages(const replicator& r) {
  return r.remote_bound() / bitfield::blocks_per_page + 1;
}

}  // namespace

// The 19-byte want bomb: Status{uploading} + Have{start: 2^50} queued one Want per 1M-block chunk
// up to 2^50 (and 2^34 already queued 16,384).
BOOST_AUTO_TEST_CASE(want_bomb_against_a_writer_sends_few_wants) {
  for (uint64_t start : {uint64_t{1} << 34, uint64_t{1} << 50}) {
    side s(false, 1000);
    s.recv({status_frame(true, true), have_frame(start)});
    const peer_limits limits;
    BOOST_TEST(s.peer().wants.size() <= limits.max_inflight_wants);
    BOOST_TEST(s.count(wire::message_type::want) <= limits.max_inflight_wants);
    // A writer tracks no claim beyond its own length.
    BOOST_TEST(s.peer().remote_length <= s.writer->length());
    BOOST_TEST(s.peer().remote.page_count() <= 1u);
    BOOST_TEST(s.r->abuse().haves_clamped >= 1u);
    BOOST_TEST(s.dropped().empty());
  }
}

// A lying server does the same to a clone.
BOOST_AUTO_TEST_CASE(want_bomb_against_a_clone_is_bounded) {
  side s(true, 10);
  s.recv({status_frame(true, true), have_frame(uint64_t{1} << 50)});
  const peer_limits limits;
  BOOST_TEST(s.peer().wants.size() <= limits.max_inflight_wants);
  BOOST_TEST(s.peer().remote_length <= s.r->remote_bound());
  BOOST_TEST(s.r->remote_bound() <= limits.max_remote_ahead);
  BOOST_TEST(s.peer().remote.page_count() <= 1u);
  // More answers bring more Wants, still within the bound and the caps.
  for (int i = 0; i < 100; ++i) {
    wire::have_message h;
    h.start = uint64_t(i) * want_chunk;
    h.length = want_chunk;
    s.recv({frame(wire::message_type::have, h)});
  }
  BOOST_TEST(s.peer().wants.size() <= limits.max_remote_ahead / want_chunk + 1);
  BOOST_TEST(s.count(wire::message_type::want) <= limits.max_remote_ahead / want_chunk + 1);
}

// Have{0, 2^40} was a loop over 2^40 bits; 2^28 already made 32,768 pages.
BOOST_AUTO_TEST_CASE(huge_have_ranges_touch_bounded_pages) {
  for (uint64_t len : {uint64_t{1} << 28, uint64_t{1} << 40}) {
    side s(false, 20000);
    s.recv({have_frame(0, len)});
    BOOST_TEST(s.peer().remote.page_count() <= bound_pages(*s.r));
    BOOST_TEST(s.peer().remote_length <= s.writer->length());
    BOOST_TEST(s.peer().remote.count(0, 20000) == 20000u);
    BOOST_TEST(s.dropped().empty());
    // As a clone: tracked up to the remote bound only.
    side c(true, 10);
    c.recv({have_frame(0, len)});
    BOOST_TEST(c.peer().remote.page_count() <= bound_pages(*c.r));
    BOOST_TEST(c.peer().remote_length <= c.r->remote_bound());
  }
}

// Have{2^40} + Unhave{1, 2^41} pinned the feed actor until killed.
BOOST_AUTO_TEST_CASE(unhave_of_a_huge_range_is_bounded) {
  side s(true, 10);
  s.recv({have_frame(uint64_t{1} << 40), have_frame(0, 5000), unhave_frame(1, uint64_t{1} << 41)});
  BOOST_TEST(s.peer().remote.page_count() <= bound_pages(*s.r));
  BOOST_TEST(s.peer().remote.get(0));
  BOOST_TEST(s.peer().remote.count(1, 5000) == 0u);
  BOOST_TEST(s.dropped().empty());
}

// A Have whose bitfield is one RLE run of 8 MiB of 0xff (2^26 bits) took 12.8 s bit by bit.
BOOST_AUTO_TEST_CASE(all_ones_bitfield_runs_are_bounded) {
  auto run = [](uint64_t bytes) {
    byte_buffer ones(bytes, 0xff);
    return wire::rle::encode(byte_view(ones));
  };
  for (uint64_t bytes : {uint64_t{8} << 20, uint64_t{2} << 20}) {
    side s(true, 10);  // the clone's Want for chunk 0 is in flight
    BOOST_REQUIRE(s.peer().inflight_wants >= 1u);
    wire::have_message h;
    h.start = 0;
    h.length = want_chunk;
    h.bitfield = run(bytes);
    s.recv({frame(wire::message_type::have, h)});
    BOOST_TEST(s.peer().remote.page_count() <= bound_pages(*s.r));
    BOOST_TEST(s.peer().remote_length <= s.r->remote_bound());
    BOOST_TEST(s.dropped().empty());
  }
  // The 8 MiB one is over the Have bitfield size limit: counted as invalid, not applied.
  side s(true, 10);
  wire::have_message h;
  h.start = 0;
  h.length = want_chunk;
  h.bitfield = run(8 << 20);
  s.recv({frame(wire::message_type::have, h)});
  BOOST_TEST(s.r->abuse().invalid_messages == 1u);
  BOOST_TEST(s.peer().remote.page_count() == 0u);
}

// Bitfield Haves nobody asked for, and repeated ranges, are refused past the peer's budget:
// the peer is dropped instead of making us rewrite pages forever.
BOOST_AUTO_TEST_CASE(have_unhave_churn_exhausts_the_work_budget) {
  side s(false, 50000);
  int sent = 0;
  for (; sent < 100000 && s.dropped().empty(); ++sent) {
    s.recv({have_frame(0, 50000), unhave_frame(0, 40000)});
  }
  BOOST_TEST(!s.dropped().empty());
  BOOST_TEST(s.r->abuse().work_refused >= 1u);
  BOOST_TEST(s.r->abuse().peers_dropped_for_invalid == 1u);
  const peer_limits limits;
  // Pages rewritten before the drop: within the budget plus one message per invalid allowed.
  BOOST_TEST(uint64_t(sent) <= (limits.work_pages_per_page * 8 + limits.work_pages_slack) / 4 +
                                   limits.max_invalid_messages + 2);
}

// Replies nobody reads: answers stop at the send window; past the queue cap the peer is dropped.
BOOST_AUTO_TEST_CASE(requests_from_a_peer_that_never_reads_are_bounded) {
  side s(false, 64, 64 * 1024);
  const peer_limits limits;
  std::vector<wire_frame> batch;
  for (uint64_t i = 0; i < 1500; ++i) batch.push_back(request_frame(i % 64));
  s.recv(batch);
  BOOST_TEST(s.out_bytes() <= limits.max_unsent_bytes + 2 * 64 * 1024);
  BOOST_TEST(s.peer().asks.size() > 0u);
  BOOST_TEST(s.r->abuse().send_window_waits >= 1u);
  BOOST_TEST(s.dropped().empty());
  // The network takes what was sent: answering resumes.
  const uint64_t before = s.out_bytes();
  s.r->on_sent(hostile, before);
  s.drain();
  BOOST_TEST(s.out_bytes() > before);
  BOOST_TEST(s.out_bytes() <= before + limits.max_unsent_bytes + 2 * 64 * 1024);
  // Past the queue cap the peer is dropped, with a reason and a counter.
  batch.clear();
  for (uint64_t i = 0; i < limits.max_queued_requests + 10; ++i) batch.push_back(request_frame(1));
  s.recv(batch);
  BOOST_TEST(s.dropped().find("queued") != std::string::npos);
  BOOST_TEST(s.r->abuse().peers_dropped_for_overflow == 1u);
  BOOST_TEST(s.r->abuse().requests_queued_peak >= limits.max_queued_requests);
}

// Invalid Requests count up, halve the send window (backoff), then drop the peer.
BOOST_AUTO_TEST_CASE(invalid_requests_back_off_then_drop) {
  side s(false, 100, 4096);
  const peer_limits limits;
  for (uint32_t i = 0; i < limits.max_invalid_messages; ++i) s.recv({request_frame(1000 + i)});
  BOOST_TEST(s.dropped().empty());
  BOOST_TEST(s.peer().invalid == limits.max_invalid_messages);
  BOOST_TEST(s.r->abuse().invalid_messages == limits.max_invalid_messages);
  // Backing off: with nothing reported sent, at most one answer goes out at a time.
  s.out.clear();
  s.recv({request_frame(1), request_frame(2), request_frame(3)});
  BOOST_TEST(s.count(wire::message_type::data) == 1u);
  s.recv({request_frame(5000)});
  BOOST_TEST(s.dropped().empty());  // queued behind the two answers still waiting for credit
  for (int i = 0; i < 4 && s.dropped().empty(); ++i) {
    s.r->on_sent(hostile, UINT64_MAX);
    s.drain();
  }
  BOOST_TEST(s.dropped().find("invalid") != std::string::npos);
  BOOST_TEST(s.r->abuse().peers_dropped_for_invalid == 1u);
}

namespace {

// Two replicators back to back; frames are carried both ways and reported sent.
struct pair_net {
  std::unique_ptr<feed> wf, cf;
  std::unique_ptr<replicator> w, c;
  void run() {
    for (int round = 0; round < 100000; ++round) {
      bool moved = false;
      for (int k = 0; k < 2; ++k) {
        replicator& from = k == 0 ? *w : *c;
        replicator& to = k == 0 ? *c : *w;
        std::vector<outgoing> out;
        std::vector<replicator_event> ev;
        from.take(out, ev);
        BOOST_REQUIRE((k == 0 ? wf : cf)->flush_puts());
        for (auto& o : out) {
          moved = true;
          uint64_t bytes = 0;
          for (const auto& fr : o.frames) bytes += fr.body.size();
          to.on_frames(k == 0 ? 1 : 2, o.frames);
          from.on_sent(o.peer, bytes);
        }
      }
      if (!moved) return;
    }
  }
};

}  // namespace

// Honest replication completes under small limits: a tiny send window, a remote bound far
// below the feed's length (the clamped claims are asked again once the length is verified).
BOOST_AUTO_TEST_CASE(honest_clone_completes_under_the_limits) {
  pair_net n;
  n.wf = open_feed();
  auto blocks = make_blocks(20000, 16);
  BOOST_REQUIRE(n.wf->append(blocks));
  n.cf = open_feed(n.wf->key());
  replicator_options o;
  o.limits.max_unsent_bytes = 4096;
  o.limits.max_remote_ahead = 1000;
  o.limits.max_inflight_wants = 1;
  n.w = std::make_unique<replicator>(*n.wf, o);
  n.c = std::make_unique<replicator>(*n.cf, o);
  n.c->add_peer(1, peer_info{});
  n.w->add_peer(2, peer_info{});
  n.c->remote_open(1);
  n.w->remote_open(2);
  n.run();
  BOOST_TEST(n.cf->length() == 20000u);
  BOOST_TEST(n.cf->downloaded() == 20000u);
  BOOST_TEST(*n.cf->get(19999) == blocks[19999]);
  BOOST_TEST(n.c->abuse().haves_clamped >= 1u);
  BOOST_TEST(n.w->abuse().send_window_waits >= 1u);
  BOOST_TEST(n.w->abuse().invalid_messages == 0u);
  BOOST_TEST(n.c->abuse().invalid_messages == 0u);
}
