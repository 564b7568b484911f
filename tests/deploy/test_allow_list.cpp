// Who may replicate (`swarm.allow`, a feed's `allow`): real `ddatabase node` processes on
// loopback. An allow-listed follower syncs while a stranger is refused at the handshake; a feed
// with its own list stays closed to a peer the node lets in for its other feeds.
#define BOOST_TEST_MODULE deploy_allow_list
#include <boost/test/unit_test.hpp>

#include "core/types.hpp"
#include "node/node.hpp"
#include "tests/deploy/deploy_support.hpp"

using namespace ddb::test;

namespace {

constexpr uint64_t blocks = 60;

// A node's Noise key made before it starts (its key file), as hex.
std::string make_noise_key(const temp_dir& dir, const std::string& name) {
  auto keys = ddb::load_noise_keys(dir / (name + ".noise"));
  BOOST_REQUIRE(keys.has_value());
  return ddb::to_hex(keys->public_key);
}

// node_yaml with the node's key file (<dir>/<name>.noise) set.
std::string keyed_yaml(const std::string& name, const std::string& feeds,
                       const std::string& swarm) {
  std::string y = node_yaml(name, feeds, swarm);
  const std::string at = "  status_interval_ms: 200\n";
  return y.replace(y.find(at), at.size(), at + "  noise_key_file: " + name + ".noise\n");
}

uint64_t limit_count(const node_process& n, const std::string& key) {
  auto st = n.events("status");
  return st.empty() ? 0 : st.back()["limits"].value(key, uint64_t{0});
}

std::string feed_entry(const std::string& name, const std::string& extra = "") {
  return "  - name: " + name + "\n    mode: write\n    append: {blocks: " + std::to_string(blocks) +
         ", block_size: 128, interval_ms: 0}\n" + extra;
}

std::string follow_entry(const std::string& writer, const std::string& feed) {
  return "  - name: " + feed + "\n    mode: follow\n    key_file: data/" + writer + "/" + feed +
         "/key\n";
}

}  // namespace

BOOST_AUTO_TEST_CASE(allow_listed_follower_syncs_while_a_stranger_is_refused) {
  temp_dir dir("ddb-deploy-allow");
  const std::string friend_key = make_noise_key(dir, "friend");
  make_noise_key(dir, "stranger");
  node_process writer("writer", dir.str());
  writer.configure(keyed_yaml("writer", writer_feed(blocks, 0), "  allow: [" + friend_key + "]\n"));
  writer.start();
  std::string w = writer.address();
  BOOST_REQUIRE(!w.empty());

  node_process friend_node("friend", dir.str()), stranger("stranger", dir.str());
  friend_node.configure(keyed_yaml("friend", follower_feed("writer"), static_peers({w})));
  stranger.configure(keyed_yaml("stranger", follower_feed("writer"), static_peers({w})));
  friend_node.start();
  stranger.start();
  BOOST_REQUIRE(!friend_node.address().empty());
  BOOST_REQUIRE(!stranger.address().empty());

  BOOST_CHECK_MESSAGE(eventually([&] { return friend_node.complete("main", blocks); }, 30s),
                      friend_node.describe());
  // The stranger dialled and was refused: counted by the writer, never joined, nothing synced.
  BOOST_CHECK_MESSAGE(
      eventually([&] { return limit_count(writer, "refusedNotAllowed") >= 2; }, 15s),
      writer.describe());
  BOOST_CHECK_EQUAL(stranger.progress("main").downloaded, 0u);
  BOOST_CHECK_EQUAL(stranger.progress("main").peers, 0u);
  // The stranger's own handshake completes (it sent its last message, as it would to the
  // reference) and the writer closes at once: every join is followed by a leave.
  BOOST_CHECK(eventually(
      [&] { return stranger.events("peer_left").size() >= stranger.joined_remotes().size(); }, 5s));
  BOOST_CHECK(!stranger.saw("feed_peer"));
  for (const std::string& remote : writer.joined_remotes()) BOOST_CHECK_EQUAL(remote, friend_key);
  BOOST_CHECK(!writer.joined_remotes().empty());
  BOOST_CHECK(writer.out().find("not allowed: ") == std::string::npos);  // JSON lines only
  auto last = writer.events("status").back();
  BOOST_CHECK_EQUAL(last["limits"].value("channelsNotAllowed", uint64_t{99}), 0u);

  BOOST_CHECK_EQUAL(stranger.stop(), 0);
  BOOST_CHECK_EQUAL(friend_node.stop(), 0);
  BOOST_CHECK_EQUAL(writer.stop(), 0);
  replica wr = check_writer(writer.feed_dir("main"), blocks);
  check_same_replica(wr, friend_node.feed_dir("main"), blocks);
}

BOOST_AUTO_TEST_CASE(a_feed_list_restricts_that_feed_only) {
  temp_dir dir("ddb-deploy-allow-feed");
  const std::string friend_key = make_noise_key(dir, "friend");
  make_noise_key(dir, "other");
  node_process writer("writer", dir.str());
  writer.configure(keyed_yaml(
      "writer", feed_entry("public") + feed_entry("private", "    allow: [" + friend_key + "]\n"),
      ""));
  writer.start();
  std::string w = writer.address();
  BOOST_REQUIRE(!w.empty());

  node_process friend_node("friend", dir.str()), other("other", dir.str());
  const std::string both = follow_entry("writer", "public") + follow_entry("writer", "private");
  friend_node.configure(keyed_yaml("friend", both, static_peers({w})));
  other.configure(keyed_yaml("other", both, static_peers({w})));
  friend_node.start();
  other.start();

  BOOST_CHECK_MESSAGE(eventually(
                          [&] {
                            return friend_node.complete("public", blocks) &&
                                   friend_node.complete("private", blocks);
                          },
                          30s),
                      friend_node.describe());
  BOOST_CHECK_MESSAGE(eventually([&] { return other.complete("public", blocks); }, 30s),
                      other.describe());
  BOOST_CHECK_MESSAGE(
      eventually([&] { return limit_count(writer, "channelsNotAllowed") >= 1; }, 15s),
      writer.describe());
  BOOST_CHECK_EQUAL(other.progress("private").downloaded, 0u);
  BOOST_CHECK_EQUAL(other.progress("private").peers, 0u);
  BOOST_CHECK_EQUAL(limit_count(writer, "refusedNotAllowed"), 0u);

  BOOST_CHECK_EQUAL(other.stop(), 0);
  BOOST_CHECK_EQUAL(friend_node.stop(), 0);
  BOOST_CHECK_EQUAL(writer.stop(), 0);
}

// A refused remote is asked again ever more slowly, not in a loop: the stranger refused by the
// node's list is redialled, and the peer refused for one feed asks for it again, after a delay
// that doubles up to swarm.reconnect.max_ms (4 s here), so in 8 s after the first refusal the
// writers see a handful of attempts (5 and 6 here), not the ten a second (77 and 90) of a
// retry that does not back off.
BOOST_AUTO_TEST_CASE(a_refused_remote_is_asked_again_ever_more_slowly) {
  temp_dir dir("ddb-deploy-allow-backoff");
  const std::string friend_key = make_noise_key(dir, "friend");
  make_noise_key(dir, "other");
  node_process closed("closed", dir.str()), open_node("open", dir.str());
  closed.configure(keyed_yaml("closed", feed_entry("main"), "  allow: [" + friend_key + "]\n"));
  open_node.configure(
      keyed_yaml("open", feed_entry("private", "    allow: [" + friend_key + "]\n"), ""));
  closed.start();
  open_node.start();
  const std::string c = closed.address(), o = open_node.address();
  BOOST_REQUIRE(!c.empty() && !o.empty());

  node_process other("other", dir.str());
  std::string y =
      keyed_yaml("other", follow_entry("closed", "main") + follow_entry("open", "private"),
                 static_peers({c, o}));
  const std::string fast = "max_ms: 1000";
  y.replace(y.find(fast), fast.size(), "max_ms: 4000");
  other.configure(y);
  other.start();
  BOOST_REQUIRE(!other.address().empty());

  auto refused = [&] { return limit_count(closed, "refusedNotAllowed"); };
  auto channels = [&] { return limit_count(open_node, "channelsNotAllowed"); };
  BOOST_REQUIRE_MESSAGE(eventually([&] { return refused() >= 1 && channels() >= 1; }, 15s),
                        closed.describe() + " / " + open_node.describe());
  const uint64_t refused_from = refused(), channels_from = channels();
  std::this_thread::sleep_for(8s);
  const uint64_t dials = refused() - refused_from, asks = channels() - channels_from;
  BOOST_TEST_MESSAGE("in 8 s: " << dials << " dials refused, " << asks << " feed channels refused");
  BOOST_CHECK_LE(dials, 8u);
  BOOST_CHECK_LE(asks, 8u);
  BOOST_CHECK_GE(dials, 2u);  // still asked again, not given up
  BOOST_CHECK_GE(asks, 2u);
  BOOST_CHECK_EQUAL(other.progress("main").downloaded, 0u);
  BOOST_CHECK_EQUAL(other.progress("private").downloaded, 0u);

  BOOST_CHECK_EQUAL(other.stop(), 0);
  BOOST_CHECK_EQUAL(open_node.stop(), 0);
  BOOST_CHECK_EQUAL(closed.stop(), 0);
}
