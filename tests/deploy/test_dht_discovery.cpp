// Discovery through the Mainline DHT: a private DHT made of the nodes themselves on 127.0.0.1
// (libtorrent; the writer's DHT node is the only bootstrap node, no public router is ever
// contacted). Three followers with no static peers find the writer (and each other) through
// the feed's info-hash, and converge.
#define BOOST_TEST_MODULE deploy_dht_discovery
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "tests/deploy/deploy_support.hpp"

using namespace ddb::test;

namespace {

constexpr uint64_t blocks = 300;
constexpr uint64_t interval_ms = 10;

std::string dht_swarm(const std::string& bootstrap) {
  std::string s = "  dht:\n    enabled: true\n    listen: 127.0.0.1:0\n";
  if (!bootstrap.empty()) s += "    bootstrap: [" + bootstrap + "]\n";
  return s;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

}  // namespace

BOOST_AUTO_TEST_CASE(followers_find_the_writer_on_a_private_dht) {
  temp_dir dir("ddb-deploy-dht");
  node_process writer("writer", dir.str());
  writer.configure(node_yaml("writer", writer_feed(blocks, interval_ms), dht_swarm("")));
  writer.start();
  json listening = writer.wait_listening();
  std::string dht = listening.value("dht", "");
  BOOST_TEST_MESSAGE("the writer's DHT node: " << dht);
  BOOST_REQUIRE(starts_with(dht, "127.0.0.1:"));
  BOOST_REQUIRE(dht != "127.0.0.1:0");

  std::vector<std::unique_ptr<node_process>> followers;
  for (const char* name : {"f1", "f2", "f3"}) {
    auto f = std::make_unique<node_process>(name, dir.str());
    std::string yaml = node_yaml(name, follower_feed("writer"), dht_swarm(dht));
    BOOST_REQUIRE(yaml.find("static_peers") == std::string::npos);
    f->configure(yaml);
    f->start();
    followers.push_back(std::move(f));
  }
  for (auto& f : followers) {
    BOOST_TEST_CONTEXT(f->name()) {
      BOOST_CHECK(starts_with(f->wait_listening().value("dht", ""), "127.0.0.1:"));
    }
  }

  const std::string writer_key = writer.noise_key();
  for (auto& f : followers) {
    BOOST_TEST_CONTEXT(f->name()) {
      BOOST_CHECK_MESSAGE(eventually([&] { return f->complete("main", blocks); }, 60s),
                          f->describe());
      // The DHT, the only way it had, led it to the writer.
      auto remotes = f->joined_remotes();
      BOOST_CHECK_MESSAGE(std::count(remotes.begin(), remotes.end(), writer_key) > 0,
                          f->describe());
    }
  }
  BOOST_CHECK(writer.saw("peer_joined"));

  for (auto& f : followers) BOOST_CHECK_EQUAL(f->stop(), 0);
  BOOST_CHECK_EQUAL(writer.stop(), 0);
  replica wr = check_writer(writer.feed_dir("main"), blocks);
  for (auto& f : followers) check_same_replica(wr, f->feed_dir("main"), blocks);
}
