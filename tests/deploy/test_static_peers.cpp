// One writer and three followers, each a `ddatabase node` process, found through static peers
// only. The third follower does not know the writer: its blocks come through the other two.
#define BOOST_TEST_MODULE deploy_static_peers
#include <boost/test/unit_test.hpp>

#include "tests/deploy/deploy_support.hpp"

using namespace ddb::test;

namespace {

constexpr uint64_t blocks = 400;
constexpr uint64_t interval_ms = 15;  // ~6 s of live appends

}  // namespace

BOOST_AUTO_TEST_CASE(writer_and_three_followers_converge_live) {
  temp_dir dir("ddb-deploy-static");
  node_process writer("writer", dir.str());
  writer.configure(node_yaml("writer", writer_feed(blocks, interval_ms), ""));
  writer.start();
  std::string w = writer.address();
  BOOST_REQUIRE(!w.empty());

  node_process f1("f1", dir.str()), f2("f2", dir.str()), f3("f3", dir.str());
  f1.configure(node_yaml("f1", follower_feed("writer"), static_peers({w})));
  f1.start();
  std::string a1 = f1.address();
  f2.configure(node_yaml("f2", follower_feed("writer"), static_peers({w, a1})));
  f2.start();
  std::string a2 = f2.address();
  // f3 never dials the writer (and the writer dials nobody): it relies on f1 and f2.
  f3.configure(node_yaml("f3", follower_feed("writer"), static_peers({a1, a2})));
  f3.start();
  BOOST_REQUIRE(!f3.address().empty());
  node_process* followers[] = {&f1, &f2, &f3};

  // Live: every follower reports a partial feed first and the whole one later.
  for (node_process* f : followers) {
    BOOST_TEST_CONTEXT(f->name()) {
      BOOST_CHECK_MESSAGE(eventually([&] { return f->progress("main").downloaded > 0; }, 30s),
                          f->describe());
      BOOST_CHECK_MESSAGE(f->progress("main").downloaded < blocks,
                          "caught up only after the writer finished: not a live test");
    }
  }
  for (node_process* f : followers) {
    BOOST_TEST_CONTEXT(f->name()) {
      BOOST_CHECK_MESSAGE(eventually([&] { return f->complete("main", blocks); }, 60s),
                          f->describe());
      BOOST_CHECK(eventually([&] { return f->saw("synced"); }, 5s));
      BOOST_CHECK_GE(f->progress("main").peers, 1u);
    }
  }
  BOOST_CHECK(writer.complete("main", blocks) ||
              eventually([&] { return writer.complete("main", blocks); }, 10s));
  BOOST_CHECK(writer.saw("peer_joined"));
  // f3 only ever joined f1 and f2.
  for (const std::string& remote : f3.joined_remotes()) {
    BOOST_CHECK(remote != writer.noise_key());
  }
  BOOST_CHECK(!f3.joined_remotes().empty());

  for (node_process* f : followers) BOOST_CHECK_EQUAL(f->stop(), 0);
  BOOST_CHECK_EQUAL(writer.stop(), 0);
  for (node_process* f : followers) BOOST_CHECK(f->saw("stopped"));

  replica wr = check_writer(writer.feed_dir("main"), blocks);
  for (node_process* f : followers) check_same_replica(wr, f->feed_dir("main"), blocks);
}
