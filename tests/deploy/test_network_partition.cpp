// A real network cut: the writer and one follower run in one network namespace, a second
// follower in another, joined by a veth pair. Taking the link down cuts the second follower
// off (its TCP connection stays open but nothing crosses); while the writer keeps appending and
// the first follower keeps up, the cut follower must not gain a single block. Bringing the link
// up heals the partition and it catches up.
//
// Needs root and network namespaces (`ip netns`, veth). Where they cannot be created the test
// is skipped, not failed. The namespaces are private to the test (only their own lo and the
// veth pair, 10.77.0.0/24): nothing reaches the host's network.
#define BOOST_TEST_MODULE deploy_network_partition
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include "tests/deploy/deploy_support.hpp"

using namespace ddb::test;

namespace {

constexpr uint64_t blocks = 900;
constexpr uint64_t interval_ms = 10;  // ~10 s of live appends

run_result ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, within(10s));
}

// Two namespaces joined by a veth pair, removed (with the pair) on destruction.
class netns_pair {
 public:
  static constexpr const char* address_a = "10.77.0.1";
  static constexpr const char* address_b = "10.77.0.2";

  explicit netns_pair(const std::string& tag) {
    std::string id = std::to_string(::getpid());
    ns_a_ = "ddb-" + tag + "-a-" + id;
    ns_b_ = "ddb-" + tag + "-b-" + id;
    veth_a_ = "ddb" + tag.substr(0, 1) + "a" + id;  // interface names: at most 15 characters
    veth_b_ = "ddb" + tag.substr(0, 1) + "b" + id;
  }
  netns_pair(const netns_pair&) = delete;
  netns_pair& operator=(const netns_pair&) = delete;
  ~netns_pair() {
    if (created_a_) ip({"netns", "del", ns_a_});
    if (created_b_) ip({"netns", "del", ns_b_});  // deleting a namespace deletes its veth end
  }

  // Creates both namespaces and the link; "" on success, else what failed.
  std::string create() {
    auto step = [&](const std::vector<std::string>& args) {
      run_result r = ip(args);
      return r.ok() ? std::string() : "ip " + args[0] + " " + args[1] + ": " + r.describe();
    };
    std::string err = step({"netns", "add", ns_a_});
    if (!err.empty()) return err;
    created_a_ = true;
    if (!(err = step({"netns", "add", ns_b_})).empty()) return err;
    created_b_ = true;
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"link", "add", veth_a_, "netns", ns_a_, "type", "veth", "peer", "name", veth_b_,
              "netns", ns_b_},
             {"-n", ns_a_, "addr", "add", std::string(address_a) + "/24", "dev", veth_a_},
             {"-n", ns_b_, "addr", "add", std::string(address_b) + "/24", "dev", veth_b_},
             {"-n", ns_a_, "link", "set", "lo", "up"},
             {"-n", ns_b_, "link", "set", "lo", "up"},
             {"-n", ns_a_, "link", "set", veth_a_, "up"},
             {"-n", ns_b_, "link", "set", veth_b_, "up"}}) {
      if (!(err = step(args)).empty()) return err;
    }
    return "";
  }

  std::vector<std::string> in_a() const { return {"ip", "netns", "exec", ns_a_}; }
  std::vector<std::string> in_b() const { return {"ip", "netns", "exec", ns_b_}; }
  // Takes namespace b's end of the link down (cut) or up (heal).
  bool cut() { return ip({"-n", ns_b_, "link", "set", veth_b_, "down"}).ok(); }
  bool heal() { return ip({"-n", ns_b_, "link", "set", veth_b_, "up"}).ok(); }

 private:
  std::string ns_a_, ns_b_, veth_a_, veth_b_;
  bool created_a_ = false, created_b_ = false;
};

// Whether this machine lets us create namespaces and a veth pair (root, CONFIG_NET_NS, ...).
boost::test_tools::assertion_result netns_available(boost::unit_test::test_unit_id) {
  netns_pair probe("probe");
  std::string err = probe.create();
  boost::test_tools::assertion_result r(err.empty());
  if (!err.empty()) {
    r.message() << "network namespaces are not available here, skipping the partition test (" << err
                << ")";
  }
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(cut_follower_gains_nothing_then_catches_up,
                     *boost::unit_test::precondition(netns_available)) {
  netns_pair net("part");
  std::string err = net.create();
  BOOST_REQUIRE_MESSAGE(err.empty(), err);
  temp_dir dir("ddb-deploy-netns");

  // Declared after the namespaces: the processes end before the namespaces go.
  node_process writer("writer", dir.str()), near("near", dir.str()), cut("cut", dir.str());
  std::string a = netns_pair::address_a, b = netns_pair::address_b;
  writer.configure(node_yaml("writer", writer_feed(blocks, interval_ms), "", a + ":0"));
  writer.start(net.in_a());
  std::string w = writer.address();
  BOOST_REQUIRE_MESSAGE(w.rfind(a + ":", 0) == 0, w);
  near.configure(node_yaml("near", follower_feed("writer"), static_peers({w}), a + ":0"));
  near.start(net.in_a());
  cut.configure(node_yaml("cut", follower_feed("writer"), static_peers({w}), b + ":0"));
  cut.start(net.in_b());
  BOOST_REQUIRE(!near.address().empty());
  BOOST_REQUIRE(!cut.address().empty());

  // Both follow live across the link first.
  for (node_process* f : {&near, &cut}) {
    BOOST_TEST_CONTEXT(f->name()) {
      BOOST_REQUIRE_MESSAGE(eventually([&] { return f->progress("main").downloaded >= 100; }, 30s),
                            f->describe());
    }
  }

  BOOST_REQUIRE(net.cut());
  std::this_thread::sleep_for(600ms);  // what was already delivered settles, status catches up
  feed_progress before = cut.progress("main");
  BOOST_TEST_MESSAGE("cut at " << before.downloaded << " blocks (writer at "
                               << writer.progress("main").length << ")");
  BOOST_REQUIRE_MESSAGE(before.downloaded < blocks - 300, "the writer is too far ahead to test");
  // The writer goes on and the follower on its side keeps up ...
  BOOST_CHECK_MESSAGE(
      eventually([&] { return near.progress("main").downloaded >= before.downloaded + 200; }, 30s),
      near.describe());
  BOOST_CHECK_LT(writer.progress("main").length, blocks);  // still appending: a live test
  // ... while nothing crosses the cut.
  feed_progress during = cut.progress("main");
  BOOST_CHECK_EQUAL(during.downloaded, before.downloaded);
  BOOST_CHECK_EQUAL(during.length, before.length);
  BOOST_CHECK(cut.running());

  BOOST_REQUIRE(net.heal());
  BOOST_CHECK_MESSAGE(eventually([&] { return cut.complete("main", blocks); }, 60s),
                      cut.describe());
  BOOST_CHECK_MESSAGE(eventually([&] { return near.complete("main", blocks); }, 30s),
                      near.describe());

  BOOST_CHECK_EQUAL(cut.stop(), 0);
  BOOST_CHECK_EQUAL(near.stop(), 0);
  BOOST_CHECK_EQUAL(writer.stop(), 0);
  replica wr = check_writer(writer.feed_dir("main"), blocks);
  check_same_replica(wr, near.feed_dir("main"), blocks);
  check_same_replica(wr, cut.feed_dir("main"), blocks);
}
