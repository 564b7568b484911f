// A follower is SIGKILLed while it is downloading a 64 MB backlog and restarted on the same
// storage: what the killed run wrote opens cleanly (valid signature, every stored block valid),
// the restarted run resumes from it, catches up with the writer and ends with its exact feed.
#define BOOST_TEST_MODULE deploy_kill_restart
#include <boost/test/unit_test.hpp>

#include "tests/deploy/deploy_support.hpp"

using namespace ddb::test;

namespace {

constexpr uint64_t blocks = 16000;
constexpr uint64_t block_size = 4096;  // 64 MB: about a second of downloading on loopback

}  // namespace

BOOST_AUTO_TEST_CASE(follower_killed_mid_sync_catches_up_after_restart) {
  temp_dir dir("ddb-deploy-kill");
  node_process writer("writer", dir.str());
  writer.configure(node_yaml("writer", writer_feed(blocks, 0, block_size), ""));
  writer.start();
  std::string w = writer.address();
  BOOST_REQUIRE(!w.empty());
  // The whole feed is written before the follower starts: it has a backlog to download.
  BOOST_REQUIRE_MESSAGE(eventually([&] { return writer.complete("main", blocks); }, 60s),
                        writer.describe());

  node_process f("follower", dir.str());
  f.configure(node_yaml("follower", follower_feed("writer"), static_peers({w})));
  f.start();
  BOOST_REQUIRE(!f.address().empty());
  BOOST_REQUIRE_MESSAGE(
      eventually([&] { return f.progress("main").downloaded >= blocks / 10; }, 30s), f.describe());
  f.kill();
  BOOST_CHECK(!f.saw("stopping"));  // no clean shutdown happened
  // The writer notices the dead connection.
  BOOST_CHECK_MESSAGE(eventually([&] { return writer.saw("peer_left"); }, 20s), writer.describe());

  // What the killed run left opens cleanly: a valid signature and only valid blocks.
  replica crashed = read_replica(f.feed_dir("main"), false);
  BOOST_REQUIRE_MESSAGE(crashed.error.empty(), crashed.error);
  uint64_t kept = crashed.info.value("downloaded", uint64_t{0});
  BOOST_TEST_MESSAGE("the killed follower's storage holds " << kept << " blocks");
  BOOST_CHECK_GT(kept, 0u);
  BOOST_REQUIRE_MESSAGE(kept < blocks, "the follower finished before the kill: nothing to test");
  BOOST_CHECK(crashed.info.value("signatureValid", false));
  BOOST_CHECK_EQUAL(crashed.audit.value("valid", uint64_t{0}), kept);
  BOOST_CHECK_EQUAL(crashed.audit.value("invalid", uint64_t{1}), 0u);

  f.start();  // same config, same storage, same Noise key
  BOOST_REQUIRE(!f.address().empty());
  // It resumes from what it had: the first status line already holds those blocks.
  BOOST_REQUIRE_MESSAGE(eventually([&] { return !f.history("main").empty(); }, 20s), f.describe());
  BOOST_CHECK_GE(f.history("main").front().downloaded, kept);
  BOOST_CHECK_MESSAGE(eventually([&] { return f.complete("main", blocks); }, 90s), f.describe());
  BOOST_CHECK(eventually([&] { return f.saw("synced"); }, 5s));
  BOOST_CHECK_EQUAL(f.stop(), 0);
  BOOST_CHECK_EQUAL(writer.stop(), 0);

  replica wr = check_writer(writer.feed_dir("main"), blocks, block_size);
  check_same_replica(wr, f.feed_dir("main"), blocks);
}
