// SIGHUP reloads a running node's YAML (docs/nodes.md): a feed added starts replicating, a feed
// removed stops, a broken file is reported and the node keeps running on the config it had;
// the connection that carries the unchanged feed stays up throughout.
#define BOOST_TEST_MODULE deploy_reload
#include <boost/test/unit_test.hpp>

#include <csignal>

#include "core/types.hpp"
#include "node/node.hpp"
#include "tests/deploy/deploy_support.hpp"

using namespace ddb::test;

namespace {

constexpr uint64_t extra_blocks = 30;

// "live" grows for the whole test (one block every 10 ms); "extra" is written at once.
std::string writer_feeds() {
  return "  - name: live\n    mode: write\n    append: {blocks: 1000000, block_size: 64, "
         "interval_ms: 10}\n"
         "  - name: extra\n    mode: write\n    append: {blocks: " +
         std::to_string(extra_blocks) + ", block_size: 64}\n";
}

std::string follow(const std::string& feed) {
  return "  - name: " + feed + "\n    mode: follow\n    key_file: data/writer/" + feed + "/key\n";
}

bool lists_feed(const node_process& n, const std::string& feed) {
  auto st = n.events("status");
  if (st.empty()) return false;
  for (const json& f : st.back()["feeds"])
    if (f.value("name", "") == feed) return true;
  return false;
}

// The follower's "live" feed keeps growing: it holds more blocks within a few seconds.
bool still_replicating(const node_process& n) {
  uint64_t before = n.progress("live").downloaded;
  return eventually([&] { return n.progress("live").downloaded > before + 20; }, 10s);
}

}  // namespace

BOOST_AUTO_TEST_CASE(sighup_adds_and_removes_feeds_and_survives_a_broken_file) {
  temp_dir dir("ddb-deploy-reload");
  node_process writer("writer", dir.str());
  writer.configure(node_yaml("writer", writer_feeds(), ""));
  writer.start();
  const std::string w = writer.address();
  BOOST_REQUIRE(!w.empty());

  node_process f("follower", dir.str());
  f.configure(node_yaml("follower", follow("live"), static_peers({w})));
  f.start();
  BOOST_REQUIRE(!f.address().empty());
  BOOST_REQUIRE_MESSAGE(eventually([&] { return f.progress("live").downloaded > 10; }, 30s),
                        f.describe());
  BOOST_CHECK(!lists_feed(f, "extra"));
  const size_t joined = f.events("peer_joined").size();

  // Added: "extra" is opened and synced over the connection already up.
  f.configure(node_yaml("follower", follow("live") + follow("extra"), static_peers({w})));
  f.signal(SIGHUP);
  BOOST_CHECK_MESSAGE(eventually([&] { return f.saw("reloaded"); }, 10s), f.describe());
  BOOST_CHECK_EQUAL(f.events("reloaded").front().value("changes", ""), "feeds +extra");
  BOOST_CHECK_MESSAGE(eventually([&] { return f.complete("extra", extra_blocks); }, 30s),
                      f.describe());
  BOOST_CHECK(still_replicating(f));

  // Removed: "extra" is closed; "live" goes on, on the same connection.
  f.configure(node_yaml("follower", follow("live"), static_peers({w})));
  f.signal(SIGHUP);
  BOOST_CHECK_MESSAGE(eventually([&] { return f.events("reloaded").size() == 2; }, 10s),
                      f.describe());
  BOOST_CHECK_EQUAL(f.events("reloaded").back().value("changes", ""), "feeds -extra");
  BOOST_CHECK(eventually([&] { return !lists_feed(f, "extra"); }, 5s));
  BOOST_CHECK(still_replicating(f));

  // Broken: one error line naming the file and line; the node keeps running and serving.
  f.configure("node:\n  name: follower\n  storage: data/follower\n  listen: [oops\n");
  f.signal(SIGHUP);
  BOOST_CHECK_MESSAGE(eventually([&] { return f.saw("reload_failed"); }, 10s), f.describe());
  const std::string error = f.events("reload_failed").front().value("error", "");
  BOOST_CHECK_MESSAGE(error.find(f.config_path() + ":") == 0, error);
  f.configure("node:\n  name: follower\n  listen: 127.0.0.1:0\n  bogus: 1\n");
  f.signal(SIGHUP);
  BOOST_CHECK_MESSAGE(eventually([&] { return f.events("reload_failed").size() == 2; }, 10s),
                      f.describe());
  const std::string second = f.events("reload_failed").back().value("error", "");
  BOOST_CHECK_MESSAGE(second.find(f.config_path() + ":4: node.bogus: unknown key") == 0, second);
  for (int i = 0; i < 3; ++i) f.signal(SIGHUP);  // a burst of them
  BOOST_CHECK(still_replicating(f));
  BOOST_CHECK(f.running());
  BOOST_CHECK_EQUAL(f.events("reloaded").size(), 2u);

  // The connection never dropped: no peer left, no new one joined.
  BOOST_CHECK(f.events("peer_left").empty());
  BOOST_CHECK(writer.events("peer_left").empty());
  BOOST_CHECK_EQUAL(f.events("peer_joined").size(), joined);

  BOOST_CHECK_EQUAL(f.stop(), 0);
  BOOST_CHECK_EQUAL(writer.stop(), 0);
}

// Static peers and allow lists reloaded: a follower told of the writer by SIGHUP starts
// replicating; a follower removed from the writer's allow list by SIGHUP is disconnected and
// refused from then on, while the one still listed keeps its connection.
BOOST_AUTO_TEST_CASE(sighup_applies_static_peers_and_allow_lists) {
  temp_dir dir("ddb-deploy-reload-peers");
  std::string keys[2];
  for (int i = 0; i < 2; ++i) {
    auto k = ddb::load_noise_keys(dir / ("f" + std::to_string(i + 1) + ".noise"));
    BOOST_REQUIRE(k.has_value());
    keys[i] = ddb::to_hex(k->public_key);
  }
  auto with_key = [](std::string y, const std::string& name) {
    const std::string at = "  status_interval_ms: 200\n";
    return y.replace(y.find(at), at.size(), at + "  noise_key_file: " + name + ".noise\n");
  };
  const std::string both = "  allow: [" + keys[0] + ", " + keys[1] + "]\n";
  node_process writer("writer", dir.str());
  writer.configure(node_yaml("writer", writer_feeds(), both));
  writer.start();
  const std::string w = writer.address();
  BOOST_REQUIRE(!w.empty());

  node_process f1("f1", dir.str()), f2("f2", dir.str());
  f1.configure(with_key(node_yaml("f1", follow("live"), static_peers({w})), "f1"));
  f2.configure(with_key(node_yaml("f2", follow("live"), ""), "f2"));  // knows nobody yet
  f1.start();
  f2.start();
  BOOST_REQUIRE_MESSAGE(eventually([&] { return f1.progress("live").downloaded > 10; }, 30s),
                        f1.describe());
  std::this_thread::sleep_for(500ms);
  BOOST_CHECK_EQUAL(f2.progress("live").downloaded, 0u);

  f2.configure(with_key(node_yaml("f2", follow("live"), static_peers({w})), "f2"));
  f2.signal(SIGHUP);
  BOOST_CHECK(eventually([&] { return f2.saw("reloaded"); }, 10s));
  BOOST_CHECK_EQUAL(f2.events("reloaded").front().value("changes", ""), "static peers");
  BOOST_CHECK_MESSAGE(eventually([&] { return f2.progress("live").downloaded > 10; }, 30s),
                      f2.describe());

  // f2 leaves the writer's list: dropped, then refused; f1 keeps its connection.
  const size_t f1_left = f1.events("peer_left").size();
  writer.configure(node_yaml("writer", writer_feeds(), "  allow: [" + keys[0] + "]\n"));
  writer.signal(SIGHUP);
  BOOST_CHECK(eventually([&] { return writer.saw("reloaded"); }, 10s));
  BOOST_CHECK_EQUAL(writer.events("reloaded").front().value("changes", ""), "allow lists");
  BOOST_CHECK_MESSAGE(eventually(
                          [&] {
                            auto st = writer.events("status");
                            return !st.empty() &&
                                   st.back()["limits"].value("refusedNotAllowed", 0) >= 1 &&
                                   writer.progress("live").peers == 1;
                          },
                          15s),
                      writer.describe());
  BOOST_CHECK(eventually([&] { return f2.progress("live").peers == 0; }, 10s));
  uint64_t f2_had = f2.progress("live").downloaded;
  BOOST_CHECK(still_replicating(f1));
  BOOST_CHECK_LE(f2.progress("live").downloaded, f2_had + 5);  // at most what was in flight
  BOOST_CHECK_EQUAL(f1.events("peer_left").size(), f1_left);

  BOOST_CHECK_EQUAL(f1.stop(), 0);
  BOOST_CHECK_EQUAL(f2.stop(), 0);
  BOOST_CHECK_EQUAL(writer.stop(), 0);
}

// Extensions reloaded: one added is loaded on its feeds, one changed is loaded again with its
// new config, one removed is not loaded again. Then `limits:` changed: reported as applying to
// feeds opened from now on.
BOOST_AUTO_TEST_CASE(sighup_loads_and_reloads_extensions) {
  temp_dir dir("ddb-deploy-reload-ext");
  node_process n("n", dir.str());
  const std::string base = node_yaml("n", "  - {name: main, mode: write}\n", "");
  n.configure(base);
  n.start();
  BOOST_REQUIRE(!n.address().empty());
  auto loaded = [&](const std::string& ext) {
    size_t count = 0;
    for (const json& e : n.events("note"))
      if (e.value("feed", "") == "extension " + ext &&
          e.value("note", "").find("loaded on 1 feed(s)") == 0)
        ++count;
    return count;
  };
  n.configure(base + "extensions:\n  - {name: e, builtin: echo}\n");
  n.signal(SIGHUP);
  BOOST_CHECK_MESSAGE(eventually([&] { return loaded("e") == 1; }, 10s), n.describe());
  BOOST_CHECK_EQUAL(n.events("reloaded").back().value("changes", ""), "extensions");
  n.configure(base + "extensions:\n  - {name: e, builtin: echo, config: {prefix: \"hi \"}}\n");
  n.signal(SIGHUP);
  BOOST_CHECK_MESSAGE(eventually([&] { return loaded("e") == 2; }, 10s), n.describe());
  n.configure(base);
  n.signal(SIGHUP);
  BOOST_CHECK(eventually([&] { return n.events("reloaded").size() == 3; }, 10s));
  BOOST_CHECK_EQUAL(n.events("reloaded").back().value("changes", ""), "extensions");
  BOOST_CHECK_EQUAL(loaded("e"), 2u);
  // `limits:` reloaded: said plainly that running feeds keep theirs.
  n.configure(base + "limits: {max_queued_requests: 64}\n");
  n.signal(SIGHUP);
  BOOST_CHECK_MESSAGE(eventually([&] { return n.saw("limits_changed"); }, 10s), n.describe());
  BOOST_CHECK_EQUAL(n.events("reloaded").back().value("changes", ""), "limits");
  BOOST_CHECK_EQUAL(n.events("limits_changed").front().value("appliesTo", ""),
                    "feeds opened from now on");
  BOOST_CHECK(n.running());
  BOOST_CHECK_EQUAL(n.stop(), 0);
}

// A feed that fails to open at a reload (its key file does not exist yet) is reported and left
// out of the running config, so that the next SIGHUP, with the same file, opens it.
BOOST_AUTO_TEST_CASE(a_feed_that_failed_to_open_is_tried_again_at_the_next_sighup) {
  temp_dir dir("ddb-deploy-reload-retry");
  node_process writer("writer", dir.str());
  writer.configure(node_yaml("writer", writer_feeds(), ""));
  writer.start();
  const std::string w = writer.address();
  BOOST_REQUIRE(!w.empty());
  node_process f("follower", dir.str());
  f.configure(node_yaml("follower", follow("live"), static_peers({w})));
  f.start();
  BOOST_REQUIRE(!f.address().empty());

  const std::string late = "  - {name: late, mode: follow, key_file: late.key}\n";
  f.configure(node_yaml("follower", follow("live") + late, static_peers({w})));
  f.signal(SIGHUP);
  BOOST_CHECK_MESSAGE(eventually([&] { return f.saw("reload_error"); }, 10s), f.describe());
  BOOST_CHECK(f.events("reload_error").front().value("error", "").find("late") !=
              std::string::npos);
  BOOST_CHECK(!f.events("reloaded").front()["errors"].empty());
  std::this_thread::sleep_for(500ms);  // a status line or two
  BOOST_CHECK(!lists_feed(f, "late"));

  std::filesystem::copy_file(writer.feed_dir("extra") + "/key", dir / "late.key");
  f.signal(SIGHUP);  // the same file
  BOOST_CHECK(eventually([&] { return f.events("reloaded").size() == 2; }, 10s));
  BOOST_CHECK_EQUAL(f.events("reloaded").back().value("changes", ""), "feeds +late");
  BOOST_CHECK_MESSAGE(eventually([&] { return f.complete("late", extra_blocks); }, 30s),
                      f.describe());
  BOOST_CHECK_EQUAL(f.stop(), 0);
  BOOST_CHECK_EQUAL(writer.stop(), 0);
}

// A static peer removed by SIGHUP: the connection the node dialled to it ends (and is not
// dialled again), while the connection to the peer still listed stays up and replicating.
BOOST_AUTO_TEST_CASE(sighup_ends_the_connection_of_a_removed_static_peer_only) {
  temp_dir dir("ddb-deploy-reload-unlist");
  auto key_of = [&](const std::string& name) {
    auto k = ddb::load_noise_keys(dir / (name + ".noise"));
    BOOST_REQUIRE(k.has_value());
    return ddb::to_hex(k->public_key);
  };
  auto with_key = [](std::string y, const std::string& name) {
    const std::string at = "  status_interval_ms: 200\n";
    return y.replace(y.find(at), at.size(), at + "  noise_key_file: " + name + ".noise\n");
  };
  const std::string writer_key = key_of("writer"), g_key = key_of("g");
  (void)key_of("f");
  node_process writer("writer", dir.str());
  writer.configure(with_key(node_yaml("writer", writer_feeds(), ""), "writer"));
  writer.start();
  const std::string w = writer.address();
  BOOST_REQUIRE(!w.empty());
  node_process g("g", dir.str());  // another follower; it dials only the writer
  g.configure(with_key(node_yaml("g", follow("live"), static_peers({w})), "g"));
  g.start();
  const std::string ga = g.address();
  BOOST_REQUIRE(!ga.empty());

  node_process f("f", dir.str());
  f.configure(with_key(node_yaml("f", follow("live"), static_peers({w, ga})), "f"));
  f.start();
  BOOST_REQUIRE(!f.address().empty());
  auto joins = [&](const std::string& key) {
    size_t n = 0;
    for (const std::string& r : f.joined_remotes()) n += r == key ? 1 : 0;
    return n;
  };
  auto left = [&](const std::string& key) {
    size_t n = 0;
    for (const json& e : f.events("peer_left")) n += e.value("remote", "") == key ? 1 : 0;
    return n;
  };
  BOOST_REQUIRE_MESSAGE(
      eventually([&] { return joins(writer_key) == 1 && joins(g_key) == 1; }, 30s), f.describe());
  BOOST_REQUIRE_MESSAGE(eventually([&] { return f.progress("live").downloaded > 10; }, 30s),
                        f.describe());
  BOOST_CHECK_EQUAL(left(g_key), 0u);

  f.configure(with_key(node_yaml("f", follow("live"), static_peers({w})), "f"));
  f.signal(SIGHUP);
  BOOST_CHECK(eventually([&] { return f.saw("reloaded"); }, 10s));
  BOOST_CHECK_EQUAL(f.events("reloaded").front().value("changes", ""), "static peers");
  BOOST_CHECK_MESSAGE(eventually([&] { return left(g_key) == 1; }, 10s), f.describe());
  BOOST_CHECK(still_replicating(f));    // over the writer's connection, still up
  std::this_thread::sleep_for(1500ms);  // more than reconnect.max_ms: no redial of g
  BOOST_CHECK_EQUAL(joins(g_key), 1u);
  BOOST_CHECK_EQUAL(left(writer_key), 0u);
  BOOST_CHECK_EQUAL(joins(writer_key), 1u);
  BOOST_CHECK(writer.events("peer_left").empty());
  BOOST_CHECK(g.running());

  BOOST_CHECK_EQUAL(f.stop(), 0);
  BOOST_CHECK_EQUAL(g.stop(), 0);
  BOOST_CHECK_EQUAL(writer.stop(), 0);
}
