#define BOOST_TEST_MODULE eager_update
#include "tests/actors/replication_fixture.hpp"

// eagerUpdate over live sessions on loopback TCP: a sparse follower with it learns every length
// the writer reaches, without calling update() and without downloading a block; without it, its
// length stays where it was until update() is called.
using namespace ddb;
using namespace ddb::reptest;

BOOST_TEST_GLOBAL_FIXTURE(init_sodium);

namespace {

// How long a follower without eager updates is watched for a length it should not learn.
constexpr auto quiet_window = std::chrono::milliseconds(1500);

struct followers : fixture {
  test_feed* w = nullptr;
  test_feed* c = nullptr;

  // A writer of 5 blocks and a sparse live follower of it, connected and open.
  void start(bool eager) {
    w = &writer(make_blocks(5));
    net_host_options live;
    live.live = true;
    auto& a = node(live);
    a.serve(*w);
    feed_actor_options o;
    o.replication.sparse = true;
    o.replication.eager_update = eager;
    c = &clone(*w, o);
    auto& b = node(live, false);
    b.serve(*c);
    dial(b, a, {c->dkey});
    BOOST_REQUIRE(c->log->wait_count(feed_event_type::peer_open, 1));
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(an_eager_sparse_follower_learns_each_new_length, followers) {
  start(true);
  BOOST_REQUIRE(eventually([&] { return c->length() == 5u; }));
  BOOST_REQUIRE((*w)->append(make_blocks(3, "more", 5)));
  BOOST_TEST(eventually([&] { return c->length() == 8u; }));
  BOOST_REQUIRE((*w)->append(make_blocks(4, "again", 8)));
  BOOST_TEST(eventually([&] { return c->length() == 12u; }));
  BOOST_TEST(c->downloaded() <= 1u);  // at most the block whose proof linked the tree
  auto sig = (*c)->signature();
  BOOST_REQUIRE(sig);
  BOOST_TEST(sig->index == 11u);  // the length is signed by the writer, not taken on trust
}

BOOST_FIXTURE_TEST_CASE(a_sparse_follower_without_it_waits_for_update, followers) {
  start(false);
  const uint64_t before = c->length();
  BOOST_REQUIRE((*w)->append(make_blocks(3, "more", 5)));
  std::this_thread::sleep_for(quiet_window);
  BOOST_TEST(c->length() == before);
  update_request r;
  r.min_length = 8;
  r.timeout_ms = 10000;
  auto updated = (*c)->update(r);
  BOOST_REQUIRE_MESSAGE(updated, updated.error().to_string());
  BOOST_TEST(*updated == 8u);
}
