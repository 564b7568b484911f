#define BOOST_TEST_MODULE replication_sessions
#include "tests/actors/replication_fixture.hpp"

// Feed actors replicating through real peer actors over asio loopback TCP (net_host): one-shot
// and live sessions, several feeds on one connection, acks, events and transfer stats.
using namespace ddb;
using namespace ddb::reptest;

BOOST_TEST_GLOBAL_FIXTURE(init_sodium);

namespace {

// Sum of `bytes` over events of type `t`.
uint64_t event_bytes(const event_log& log, feed_event_type t) {
  uint64_t n = 0;
  for (auto& e : log.events)
    if (e.type == t) n += e.bytes;
  return n;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(one_shot_clone_ends_when_complete, fixture) {
  auto blocks = make_blocks(50);
  auto& w = writer(blocks);
  auto& a = node();  // one-shot (live = false)
  a.serve(w);
  auto& c = clone(w);
  auto& b = node({}, false);
  b.serve(c);
  dial(b, a, {c.dkey});

  BOOST_REQUIRE(synced(c, 50));
  BOOST_TEST(same_blocks(w, c));
  // The sync is complete: the session ends on both sides.
  BOOST_REQUIRE(c.log->wait_count(feed_event_type::peer_remove, 1));
  BOOST_REQUIRE(w.log->wait_count(feed_event_type::peer_remove, 1));
  BOOST_REQUIRE(a.notices->wait("closed: "));
  BOOST_REQUIRE(b.notices->wait("closed: "));
  BOOST_TEST(c.stats().peers.empty());
  BOOST_TEST(w.stats().peers.empty());

  // Events, in a sensible order: add, open, downloads, sync, remove.
  c.log->drain();
  auto& ev = c.log->events;
  auto pos = [&](feed_event_type t) {
    return std::find_if(ev.begin(), ev.end(), [&](auto& e) { return e.type == t; }) - ev.begin();
  };
  BOOST_TEST(c.log->count(feed_event_type::peer_add) == 1u);
  BOOST_TEST(c.log->count(feed_event_type::peer_open) == 1u);
  BOOST_TEST(c.log->count(feed_event_type::download) == 50u);
  BOOST_TEST(c.log->count(feed_event_type::sync) == 1u);
  BOOST_TEST(c.log->count(feed_event_type::append) >= 1u);
  BOOST_TEST(pos(feed_event_type::peer_add) < pos(feed_event_type::peer_open));
  BOOST_TEST(pos(feed_event_type::peer_open) < pos(feed_event_type::download));
  BOOST_TEST(pos(feed_event_type::sync) < pos(feed_event_type::peer_remove));
  uint64_t peer = c.log->first_peer(feed_event_type::peer_add);
  BOOST_TEST(c.log->count(feed_event_type::download, peer) == 50u);
  BOOST_TEST(c.log->count(feed_event_type::peer_remove, peer) == 1u);
  BOOST_TEST(event_bytes(*c.log, feed_event_type::download) == total_bytes(blocks));
  // The writer saw the same session from its side; nobody asked for acks.
  BOOST_REQUIRE(w.log->wait_count(feed_event_type::upload, 50));
  BOOST_TEST(w.log->count(feed_event_type::peer_add) == 1u);
  BOOST_TEST(w.log->count(feed_event_type::peer_open) == 1u);
  BOOST_TEST(event_bytes(*w.log, feed_event_type::upload) == total_bytes(blocks));
  BOOST_TEST(w.log->count(feed_event_type::ack) == 0u);
}

BOOST_FIXTURE_TEST_CASE(live_session_follows_appends, fixture) {
  net_host_options live;
  live.live = true;
  auto& w = writer(make_blocks(10));
  auto& a = node(live);
  a.serve(w);
  auto& c = clone(w);
  auto& b = node(live, false);
  b.serve(c);
  dial(b, a, {c.dkey});

  BOOST_REQUIRE(synced(c, 10));
  // A waiting update is answered by the writer's next appends.
  caf::scoped_actor waiter{sys};
  auto pending = waiter->request(c.client->actor(), wait_limit, ddb_update_atom_v,
                                 update_request{13, false, 0});
  BOOST_REQUIRE(w->append(make_blocks(3, "more", 10)));
  std::optional<result<uint64_t>> updated;
  pending.receive([&](uint64_t n) { updated.emplace(n); },
                  [&](caf::error& e) { updated.emplace(from_caf_error(e)); });
  BOOST_REQUIRE(updated && *updated);
  BOOST_TEST(**updated >= 13u);
  for (int round = 0; round < 5; ++round) BOOST_REQUIRE(w->append(make_blocks(2, "r", round)));
  BOOST_REQUIRE(synced(c, 23));
  BOOST_TEST(same_blocks(w, c));
  // Still connected: nothing ended the live session.
  BOOST_TEST(c.log->count(feed_event_type::peer_remove) == 0u);
  BOOST_TEST(w.log->count(feed_event_type::peer_remove) == 0u);
  BOOST_TEST(c.stats().peers.size() == 1u);
  BOOST_TEST(w.stats().peers.size() == 1u);
  BOOST_TEST(a.notices->count("closed: ") == 0u);
}

BOOST_FIXTURE_TEST_CASE(two_feeds_multiplexed_on_one_connection, fixture) {
  auto blocks1 = make_blocks(40, "one");
  auto blocks2 = make_blocks(25, "two");
  auto& w1 = writer(blocks1);
  auto& w2 = writer(blocks2);
  auto& a = node();
  a.serve(w1);
  a.serve(w2);
  auto& c1 = clone(w1);
  auto& c2 = clone(w2);
  auto& b = node({}, false);
  b.serve(c1);
  b.serve(c2);
  dial(b, a, {c1.dkey, c2.dkey});

  BOOST_REQUIRE(synced(c1, 40));
  BOOST_REQUIRE(synced(c2, 25));
  BOOST_TEST(same_blocks(w1, c1));
  BOOST_TEST(same_blocks(w2, c2));
  // One connection (one handshake each side) carried both feeds: the same peer id on both.
  BOOST_REQUIRE(c1.log->wait_count(feed_event_type::peer_add, 1));
  BOOST_REQUIRE(c2.log->wait_count(feed_event_type::peer_add, 1));
  BOOST_TEST(c1.log->first_peer(feed_event_type::peer_add) ==
             c2.log->first_peer(feed_event_type::peer_add));
  BOOST_REQUIRE(w1.log->wait_count(feed_event_type::peer_add, 1));
  BOOST_REQUIRE(w2.log->wait_count(feed_event_type::peer_add, 1));
  BOOST_TEST(w1.log->first_peer(feed_event_type::peer_add) ==
             w2.log->first_peer(feed_event_type::peer_add));
  // One-shot: both channels end, then the one connection closes, once per side.
  for (auto* f : {&c1, &c2, &w1, &w2}) {
    BOOST_REQUIRE(f->log->wait_count(feed_event_type::peer_remove, 1));
  }
  BOOST_REQUIRE(a.notices->wait("closed: "));
  BOOST_REQUIRE(b.notices->wait("closed: "));
  BOOST_TEST(a.notices->count("handshake") == 1u);
  BOOST_TEST(b.notices->count("handshake") == 1u);
  BOOST_TEST(a.notices->count("closed: ") == 1u);
  BOOST_TEST(b.notices->count("closed: ") == 1u);
  // Each feed's transfers stayed on its own channel.
  BOOST_TEST(c1.stats().totals.downloaded_blocks == 40u);
  BOOST_TEST(c2.stats().totals.downloaded_blocks == 25u);
  BOOST_TEST(c1.stats().totals.downloaded_bytes == total_bytes(blocks1));
  BOOST_TEST(c2.stats().totals.downloaded_bytes == total_bytes(blocks2));
}

BOOST_FIXTURE_TEST_CASE(writer_receives_acks_for_blocks_the_follower_wrote, fixture) {
  net_host_options with_ack;
  with_ack.ack = true;  // the writer asks its peers to acknowledge what they write
  with_ack.live = true;
  net_host_options live;
  live.live = true;
  auto& w = writer(make_blocks(20));
  auto& a = node(with_ack);
  a.serve(w);
  auto& c = clone(w);
  auto& b = node(live, false);
  b.serve(c);
  dial(b, a, {c.dkey});

  BOOST_REQUIRE(synced(c, 20));
  BOOST_REQUIRE(w.log->wait_count(feed_event_type::ack, 20));
  uint64_t peer = w.log->first_peer(feed_event_type::peer_add);
  std::vector<bool> acked(20, false);
  for (auto& e : w.log->events) {
    if (e.type != feed_event_type::ack) continue;
    BOOST_TEST(e.peer == peer);
    BOOST_REQUIRE(e.index < 20u);
    acked[e.index] = true;
  }
  BOOST_TEST(std::count(acked.begin(), acked.end(), true) == 20);
  // Live appends are acknowledged too.
  BOOST_REQUIRE(w->append(make_blocks(5, "late", 20)));
  BOOST_REQUIRE(synced(c, 25));
  BOOST_REQUIRE(w.log->wait_count(feed_event_type::ack, 25));
  // The follower did not ask for acks, so it gets none.
  BOOST_TEST(c.log->count(feed_event_type::ack) == 0u);
}

BOOST_FIXTURE_TEST_CASE(feed_and_peer_stats_match_both_ways, fixture) {
  net_host_options live;
  live.live = true;
  auto blocks = make_blocks(64, "stat");
  auto& w = writer(blocks);
  auto& a = node(live);
  a.serve(w);
  auto& c = clone(w);
  auto& b = node(live, false);
  b.serve(c);
  dial(b, a, {c.dkey});
  BOOST_REQUIRE(synced(c, 64));
  BOOST_REQUIRE(w.log->wait_count(feed_event_type::upload, 64));

  c.log->drain();
  auto ws = w.stats();
  auto cs = c.stats();
  BOOST_TEST(cs.totals.downloaded_blocks == 64u);
  BOOST_TEST(cs.totals.downloaded_bytes == total_bytes(blocks));
  BOOST_TEST(cs.totals.uploaded_blocks == 0u);
  BOOST_TEST(ws.totals.uploaded_blocks == 64u);
  BOOST_TEST(ws.totals.uploaded_bytes == total_bytes(blocks));
  BOOST_TEST(ws.totals.downloaded_blocks == 0u);
  BOOST_REQUIRE(cs.peers.size() == 1u);
  BOOST_REQUIRE(ws.peers.size() == 1u);
  BOOST_TEST(cs.peers[0].peer == c.log->first_peer(feed_event_type::peer_add));
  BOOST_TEST(ws.peers[0].peer == w.log->first_peer(feed_event_type::peer_add));
  BOOST_TEST(cs.peers[0].counts.downloaded_blocks == ws.peers[0].counts.uploaded_blocks);
  BOOST_TEST(cs.peers[0].counts.downloaded_bytes == ws.peers[0].counts.uploaded_bytes);
  BOOST_TEST(cs.peers[0].remote_length == 64u);
  // Event totals agree with the counters.
  BOOST_TEST(event_bytes(*c.log, feed_event_type::download) == cs.totals.downloaded_bytes);
  BOOST_TEST(event_bytes(*w.log, feed_event_type::upload) == ws.totals.uploaded_bytes);

  // A second follower: per-peer rows split the writer's totals.
  auto& c2 = clone(w);
  auto& b2 = node(live, false);
  b2.serve(c2);
  dial(b2, a, {c2.dkey});
  BOOST_REQUIRE(synced(c2, 64));
  BOOST_REQUIRE(w.log->wait_count(feed_event_type::upload, 128));
  ws = w.stats();
  BOOST_REQUIRE(ws.peers.size() == 2u);
  BOOST_TEST(ws.totals.uploaded_blocks == 128u);
  BOOST_TEST(ws.peers[0].counts.uploaded_blocks + ws.peers[1].counts.uploaded_blocks == 128u);
  BOOST_TEST(ws.peers[0].counts.uploaded_bytes + ws.peers[1].counts.uploaded_bytes ==
             2 * total_bytes(blocks));
  BOOST_TEST(c2.stats().totals.downloaded_bytes == total_bytes(blocks));
}
