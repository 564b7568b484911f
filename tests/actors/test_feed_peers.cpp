#define BOOST_TEST_MODULE feed_peers
#include "tests/actors/replication_fixture.hpp"

// The facade's view of replication, over live sessions on loopback TCP: peers() lists who
// replicates the feed with their Noise public key (the seed API's peers / remotePublicKey), and
// get(..., on_wait) calls on_wait only when the block has to come from the network (onwait).
using namespace ddb;
using namespace ddb::reptest;

BOOST_TEST_GLOBAL_FIXTURE(init_sodium);

namespace {

net_host_options live_with(const wire::noise::dh_key_pair& keys) {
  net_host_options o;
  o.live = true;
  o.noise_keys = keys;
  return o;
}

public_key as_key(const wire::noise::key32& k) {
  public_key out{};
  std::copy(k.begin(), k.end(), out.begin());
  return out;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(peers_name_each_remote_by_its_noise_key, fixture) {
  const auto writer_keys = net_host::random_keys();
  const auto clone_keys = net_host::random_keys();
  auto& w = writer(make_blocks(10));
  auto& a = node(live_with(writer_keys));
  a.serve(w);
  auto none = w->peers();
  BOOST_REQUIRE(none);
  BOOST_TEST(none->empty());

  auto& c = clone(w);
  auto& b = node(live_with(clone_keys), false);
  b.serve(c);
  dial(b, a, {c.dkey});
  BOOST_REQUIRE(synced(c, 10));

  auto at_clone = c->peers();
  BOOST_REQUIRE(at_clone);
  BOOST_REQUIRE(at_clone->size() == 1u);
  BOOST_TEST(((*at_clone)[0].remote_public_key == as_key(writer_keys.public_key)));
  BOOST_TEST((*at_clone)[0].remote_length == 10u);
  BOOST_TEST((*at_clone)[0].remote_address == "tcp " + a.address);
  BOOST_TEST((*at_clone)[0].counts.downloaded_blocks == 10u);

  BOOST_REQUIRE(eventually([&] {
    auto p = w->peers();
    return p && p->size() == 1u;
  }));
  auto at_writer = w->peers();
  BOOST_TEST(((*at_writer)[0].remote_public_key == as_key(clone_keys.public_key)));
  BOOST_TEST((*at_writer)[0].counts.uploaded_blocks == 10u);
}

BOOST_FIXTURE_TEST_CASE(on_wait_runs_only_for_a_block_that_must_be_downloaded, fixture) {
  auto& w = writer(make_blocks(5));
  auto& a = node(live_with(net_host::random_keys()));
  a.serve(w);
  feed_actor_options sparse;
  sparse.replication.sparse = true;
  auto& c = clone(w, sparse);
  auto& b = node(live_with(net_host::random_keys()), false);
  b.serve(c);
  dial(b, a, {c.dkey});
  BOOST_REQUIRE(c.log->wait_count(feed_event_type::peer_open, 1));

  int waits = 0;
  auto first = c->get(3, get_options{true, 10000}, [&] { ++waits; });
  BOOST_REQUIRE_MESSAGE(first, first.error().to_string());
  BOOST_TEST(str(*first) == str(make_blocks(5)[3]));
  BOOST_TEST(waits == 1);  // not stored: downloaded while we waited

  auto again = c->get(3, get_options{true, 10000}, [&] { ++waits; });
  BOOST_REQUIRE(again);
  BOOST_TEST(waits == 1);  // stored now: no wait

  // Without wait, on_wait never runs and the get fails at once.
  auto no_wait = c->get(1, get_options{false, 0}, [&] { ++waits; });
  BOOST_TEST(!no_wait);
  BOOST_TEST(waits == 1);
}

BOOST_FIXTURE_TEST_CASE(stats_off_counts_nothing_but_still_lists_peers, fixture) {
  const auto writer_keys = net_host::random_keys();
  feed_actor_options quiet;
  quiet.replication.stats = false;
  auto& w = writer(make_blocks(12), quiet);
  auto& a = node(live_with(writer_keys));
  a.serve(w);
  auto& c = clone(w, quiet);
  auto& b = node(live_with(net_host::random_keys()), false);
  b.serve(c);
  dial(b, a, {c.dkey});
  BOOST_REQUIRE(synced(c, 12));
  BOOST_TEST(same_blocks(w, c));

  const feed_stats at_clone = c.stats();
  BOOST_TEST(at_clone.totals.downloaded_blocks == 0u);
  BOOST_TEST(at_clone.totals.downloaded_bytes == 0u);
  BOOST_REQUIRE(at_clone.peers.size() == 1u);
  BOOST_TEST((at_clone.peers[0].remote_public_key == as_key(writer_keys.public_key)));
  BOOST_TEST(at_clone.peers[0].counts.downloaded_blocks == 0u);
  BOOST_TEST(w.stats().totals.uploaded_blocks == 0u);
}
