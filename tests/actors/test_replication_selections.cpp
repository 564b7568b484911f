#define BOOST_TEST_MODULE replication_selections
#include "tests/actors/replication_fixture.hpp"

// What a follower downloads and when its waits return, over asio loopback TCP: sparse vs
// non-sparse, download ranges and block lists, undownload, update (min_length, if_available),
// waiting gets (timeout, cancel), the on_write hook, and refetching cleared blocks.
using namespace ddb;
using namespace ddb::reptest;

BOOST_TEST_GLOBAL_FIXTURE(init_sodium);

namespace {

feed_actor_options sparse_opts(size_t max_requests = 128) {
  feed_actor_options o;
  o.replication.sparse = true;
  o.replication.max_requests = max_requests;
  return o;
}

// A writer with `n` blocks served live by node `a`, and a follower (options `fo`) on node `b`
// connected to it.
struct pair_setup {
  test_feed* w = nullptr;
  test_feed* c = nullptr;
  test_node* a = nullptr;
  test_node* b = nullptr;
  block_list blocks;
};

pair_setup connect_pair(fixture& fx, size_t n, feed_actor_options fo, bool connect = true) {
  pair_setup s;
  net_host_options live;
  live.live = true;
  s.blocks = make_blocks(n);
  s.w = &fx.writer(s.blocks);
  s.a = &fx.node(live);
  s.a->serve(*s.w);
  s.c = &fx.clone(*s.w, std::move(fo));
  s.b = &fx.node(live, false);
  s.b->serve(*s.c);
  if (connect) {
    fx.dial(*s.b, *s.a, {s.c->dkey});
    BOOST_REQUIRE(s.c->log->wait_count(feed_event_type::peer_open, 1));
  }
  return s;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(sparse_downloads_only_what_is_asked, fixture) {
  auto s = connect_pair(*this, 100, sparse_opts());
  auto& c = *s.c;
  // A get that waits fetches that one block.
  auto got = c->get(7, get_options{true, 10000});
  BOOST_REQUIRE_MESSAGE(got, got.error().to_string());
  BOOST_TEST(str(*got) == str(s.blocks[7]));
  // A download of a range fetches that range.
  auto id = c->download(download_request{20, 30, false, {}});
  BOOST_REQUIRE(id);
  BOOST_TEST(code_of(wait_download(c, *id)) == errc::ok);
  BOOST_TEST(*c->has(20, 30));
  BOOST_TEST(*c->has(7));
  // Nothing else: exactly 11 blocks came over, and the rest is still missing.
  auto info = c->info();
  BOOST_REQUIRE(info);
  BOOST_TEST(info->length == 100u);
  BOOST_TEST(info->downloaded == 11u);
  BOOST_TEST(!*c->has(0));
  BOOST_TEST(!*c->has(30));
  auto st = c.stats();
  BOOST_TEST(st.totals.downloaded_blocks == 11u);
  c.log->drain();
  BOOST_TEST(c.log->count(feed_event_type::download) == 11u);
  BOOST_TEST(c.log->count(feed_event_type::sync) == 0u);
}

BOOST_FIXTURE_TEST_CASE(non_sparse_downloads_everything_then_syncs, fixture) {
  auto s = connect_pair(*this, 300, {});
  BOOST_REQUIRE(synced(*s.c, 300));
  BOOST_TEST(same_blocks(*s.w, *s.c));
  BOOST_REQUIRE(s.c->log->wait_count(feed_event_type::sync, 1));
  BOOST_TEST(s.c->stats().totals.downloaded_blocks == 300u);
}

BOOST_FIXTURE_TEST_CASE(download_ranges_linear_nonlinear_and_block_lists, fixture) {
  // Few requests in flight per peer, so a 300-block range takes the non-linear path.
  auto s = connect_pair(*this, 1000, sparse_opts(8));
  auto& c = *s.c;
  auto nonlinear = c->download(download_request{100, 400, false, {}});
  auto linear = c->download(download_request{500, 600, true, {}});
  auto list = c->download(download_request{0, 0, false, {3, 50, 999, 777}});
  BOOST_REQUIRE(nonlinear && linear && list);
  BOOST_TEST(code_of(wait_download(c, *nonlinear)) == errc::ok);
  BOOST_TEST(code_of(wait_download(c, *linear)) == errc::ok);
  BOOST_TEST(code_of(wait_download(c, *list)) == errc::ok);
  BOOST_TEST(*c->has(100, 400));
  BOOST_TEST(*c->has(500, 600));
  for (uint64_t i : {3, 50, 999, 777}) BOOST_TEST(*c->has(i));
  BOOST_TEST(*c->downloaded(0, 1000) == 300u + 100u + 4u);
  // Every block came through verified and intact.
  for (uint64_t i : {100, 250, 399, 500, 599, 3, 999}) {
    auto b = c->get(i, get_options{false, 0});
    BOOST_REQUIRE(b);
    BOOST_TEST(str(*b) == str(s.blocks[i]));
  }
  // A wait on a download that is complete already returns at once; a finished download of
  // blocks already held completes without traffic.
  BOOST_TEST(code_of(wait_download(c, *list)) == errc::ok);
  auto again = c->download(download_request{120, 130, false, {}});
  BOOST_REQUIRE(again);
  BOOST_TEST(code_of(wait_download(c, *again)) == errc::ok);
  BOOST_TEST(c.stats().totals.downloaded_blocks == 404u);
}

BOOST_FIXTURE_TEST_CASE(undownload_cancels_a_pending_download, fixture) {
  auto s = connect_pair(*this, 10, sparse_opts());
  auto& c = *s.c;
  // Blocks beyond the writer's length: pending until cancelled.
  auto id = c->download(download_request{5, 50, false, {}});
  BOOST_REQUIRE(id);
  caf::scoped_actor waiter{sys};
  auto pending = waiter->request(c.client->actor(), wait_limit, ddb_dwait_atom_v, *id);
  BOOST_REQUIRE(c->undownload(*id));
  std::optional<status> out;
  pending.receive([&]() { out.emplace(status::ok()); },
                  [&](caf::error& e) { out.emplace(from_caf_error(e)); });
  BOOST_REQUIRE(out);
  BOOST_TEST(code_of(*out) == errc::cancelled);
  // Undownloading again (or an unknown id) is harmless.
  BOOST_TEST(code_of(c->undownload(*id)) == errc::ok);
  BOOST_TEST(code_of(c->undownload(12345)) == errc::ok);
}

BOOST_FIXTURE_TEST_CASE(update_waits_for_min_length, fixture) {
  auto s = connect_pair(*this, 10, sparse_opts());
  auto& c = *s.c;
  // The length is known without downloading any data.
  auto now = c->update(update_request{10, false, 10000});
  BOOST_REQUIRE_MESSAGE(now, now.error().to_string());
  BOOST_TEST(*now == 10u);
  caf::scoped_actor waiter{sys};
  auto pending = waiter->request(c.client->actor(), wait_limit, ddb_update_atom_v,
                                 update_request{15, false, 0});
  BOOST_REQUIRE((*s.w)->append(make_blocks(3, "a", 10)));
  BOOST_REQUIRE((*s.w)->append(make_blocks(3, "b", 13)));
  std::optional<result<uint64_t>> out;
  pending.receive([&](uint64_t n) { out.emplace(n); },
                  [&](caf::error& e) { out.emplace(from_caf_error(e)); });
  BOOST_REQUIRE(out);
  BOOST_REQUIRE_MESSAGE(*out, out->error().to_string());
  BOOST_TEST(**out >= 15u);
  // Nothing was asked for: a sparse follower learned the length from proofs only.
  BOOST_TEST(*c->downloaded(0, 16) == 0u);
  // An update with a timeout that nobody satisfies times out.
  auto late = c->update(update_request{100, false, 200});
  BOOST_TEST(code_of(late) == errc::timeout);
}

BOOST_FIXTURE_TEST_CASE(update_if_available_fails_when_no_peer_can_satisfy, fixture) {
  auto s = connect_pair(*this, 10, {}, false);
  auto& c = *s.c;
  // No peers at all.
  BOOST_TEST(code_of(c->update(update_request{0, true, 5000})) == errc::unavailable);
  // The writer itself has nobody to update from.
  BOOST_TEST(code_of((*s.w)->update(update_request{0, true, 5000})) == errc::unavailable);
  // A peer that has the length satisfies it; one that has no more does not.
  dial(*s.b, *s.a, {c.dkey});
  // (The feed knows of a peer once its channel attaches: wait for that, not for the dial.)
  BOOST_REQUIRE(c.log->wait_count(feed_event_type::peer_open, 1));
  auto ok = c->update(update_request{10, true, 5000});
  BOOST_REQUIRE_MESSAGE(ok, ok.error().to_string());
  BOOST_TEST(*ok == 10u);
  BOOST_REQUIRE(synced(c, 10));
  BOOST_TEST(code_of(c->update(update_request{0, true, 5000})) == errc::unavailable);
  BOOST_TEST(code_of(c->update(update_request{11, true, 5000})) == errc::unavailable);
}

BOOST_FIXTURE_TEST_CASE(get_waits_on_peers_with_timeout_and_cancel, fixture) {
  auto s = connect_pair(*this, 10, sparse_opts());
  auto& c = *s.c;
  // Block 20 does not exist yet: the timeout fires.
  BOOST_TEST(code_of(c->get(20, get_options{true, 150})) == errc::timeout);
  // A waiting get is cancelled.
  caf::scoped_actor waiter{sys};
  auto pending =
      waiter->request(c.client->actor(), wait_limit, ddb_get_atom_v, uint64_t{25}, get_options{});
  BOOST_REQUIRE(c->cancel(25, 26));
  std::optional<result<byte_buffer>> out;
  pending.receive([&](byte_buffer& b) { out.emplace(std::move(b)); },
                  [&](caf::error& e) { out.emplace(from_caf_error(e)); });
  BOOST_REQUIRE(out);
  BOOST_TEST(code_of(*out) == errc::cancelled);
  // A get that waits is answered when the writer appends the block.
  auto later =
      waiter->request(c.client->actor(), wait_limit, ddb_get_atom_v, uint64_t{12}, get_options{});
  BOOST_REQUIRE((*s.w)->append(make_blocks(5, "new", 10)));
  out.reset();
  later.receive([&](byte_buffer& b) { out.emplace(std::move(b)); },
                [&](caf::error& e) { out.emplace(from_caf_error(e)); });
  BOOST_REQUIRE(out);
  BOOST_REQUIRE_MESSAGE(*out, out->error().to_string());
  BOOST_TEST(str(**out) == "new-12.....");
  // Without wait, a missing block is unavailable at once.
  BOOST_TEST(code_of(c->get(3, get_options{false, 0})) == errc::unavailable);
}

BOOST_FIXTURE_TEST_CASE(on_write_hook_sees_blocks_first_and_can_refuse, fixture) {
  struct seen_block {
    uint64_t index;
    std::string data;
    uint64_t peer;
  };
  auto mu = std::make_shared<std::mutex>();
  auto seen = std::make_shared<std::vector<seen_block>>();
  auto refused = std::make_shared<bool>(false);
  feed_actor_options fo;
  fo.replication.on_write = [=](uint64_t index, byte_view data, uint64_t peer) -> status {
    std::lock_guard<std::mutex> lock(*mu);
    seen->push_back({index, std::string(data.begin(), data.end()), peer});
    if (index == 3 && !*refused) {  // refuse block 3 once
      *refused = true;
      return make_error(errc::invalid_argument, "not this one");
    }
    return status::ok();
  };
  auto s = connect_pair(*this, 20, fo);
  auto& c = *s.c;
  // The refusal rejects the block and ends that peer's session.
  BOOST_REQUIRE(c.log->wait_count(feed_event_type::peer_remove, 1));
  BOOST_TEST(!*c->has(3));
  c.log->drain();
  for (auto& e : c.log->events) {
    if (e.type == feed_event_type::download) BOOST_TEST(e.index != 3u);
  }
  // Reconnected, the hook accepts it and the follower completes.
  dial(*s.b, *s.a, {c.dkey});
  BOOST_REQUIRE(synced(c, 20));
  BOOST_TEST(same_blocks(*s.w, c));
  std::lock_guard<std::mutex> lock(*mu);
  std::vector<int> times(20, 0);
  for (auto& b : *seen) {
    BOOST_REQUIRE(b.index < 20u);
    BOOST_TEST(b.data == str(s.blocks[b.index]));  // verified content, seen before the write
    BOOST_TEST(b.peer != 0u);
    times[b.index]++;
  }
  for (uint64_t i = 0; i < 20; ++i) BOOST_TEST(times[i] >= 1);
  BOOST_TEST(times[3] == 2);
}

BOOST_FIXTURE_TEST_CASE(cleared_blocks_are_fetched_again_when_asked, fixture) {
  auto s = connect_pair(*this, 20, {});
  auto& c = *s.c;
  BOOST_REQUIRE(synced(c, 20));
  uint64_t before = c.stats().totals.downloaded_blocks;
  BOOST_TEST(before == 20u);
  // A non-sparse follower fetches a cleared range again at once: hold downloads while the clear
  // itself is checked, or the re-fetch can win the race with the has() below.
  BOOST_REQUIRE(c->set_downloading(false));
  BOOST_REQUIRE(c->clear(5, 8));
  BOOST_TEST(!*c->has(5));
  BOOST_TEST(!*c->has(7));
  BOOST_REQUIRE(c->set_downloading(true));
  auto got = c->get(6, get_options{true, 10000});
  BOOST_REQUIRE_MESSAGE(got, got.error().to_string());
  BOOST_TEST(str(*got) == str(s.blocks[6]));
  BOOST_TEST(*c->has(6));
  BOOST_TEST(c.stats().totals.downloaded_blocks >= before + 1);
  // A non-sparse follower restores the whole cleared range by itself.
  BOOST_REQUIRE(synced(c, 20));
  BOOST_TEST(same_blocks(*s.w, c));
}

BOOST_FIXTURE_TEST_CASE(sparse_cleared_block_refetched_only_on_get, fixture) {
  auto s = connect_pair(*this, 20, sparse_opts());
  auto& c = *s.c;
  auto id = c->download(download_request{0, 20, false, {}});
  BOOST_REQUIRE(id);
  BOOST_TEST(code_of(wait_download(c, *id)) == errc::ok);
  BOOST_REQUIRE(c->clear(10, 12));
  BOOST_TEST(*c->downloaded(0, 20) == 18u);
  auto got = c->get(11, get_options{true, 10000});
  BOOST_REQUIRE_MESSAGE(got, got.error().to_string());
  BOOST_TEST(str(*got) == str(s.blocks[11]));
  BOOST_TEST(*c->downloaded(0, 20) == 19u);
  BOOST_TEST(!*c->has(10));
}
