#define BOOST_TEST_MODULE discovery
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "swarm/dht_discovery.hpp"
#include "swarm/static_discovery.hpp"

// Loopback only: every DHT node listens on 127.0.0.1 and bootstraps from the others; none
// ever contacts a public router (dht_bootstrap_nodes is cleared by dht_discovery).

namespace {

using namespace std::chrono_literals;
using ddb::hash_t;
using clock_type = std::chrono::steady_clock;

constexpr int nodes_in_network = 5;
constexpr int lookup_deadline_ms = 1500;

// Distinct keys per test: `tag` picks the test, `i` the key; the first 20 bytes differ.
hash_t key_of(uint8_t tag, uint8_t i) {
  hash_t key{};
  for (size_t b = 0; b < key.size(); ++b) key[b] = static_cast<uint8_t>(b * 31 + tag * 7 + i);
  key[0] = tag;
  key[1] = i;
  return key;
}

// Gathers what lookups report, per key; callbacks run on discovery threads.
class collector {
 public:
  ddb::peers_found_fn callback() {
    return [this](const hash_t& key, std::vector<std::string> addresses) {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& a : addresses) found_[key].insert(std::move(a));
      cv_.notify_all();
    };
  }
  bool wait_for(const hash_t& key, const std::string& address, std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return found_[key].count(address) > 0; });
  }
  std::set<std::string> found(const hash_t& key) {
    std::lock_guard<std::mutex> lock(mu_);
    return found_[key];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<hash_t, std::set<std::string>> found_;
};

// A private DHT of five nodes on 127.0.0.1, bootstrapped as a full mesh.
struct dht_network {
  std::vector<std::unique_ptr<ddb::dht_discovery>> nodes;

  dht_network() {
    auto start = clock_type::now();
    for (int i = 0; i < nodes_in_network; ++i) {
      ddb::dht_options options;
      options.lookup_deadline_ms = lookup_deadline_ms;
      auto node = ddb::make_dht_discovery(options);
      BOOST_REQUIRE_MESSAGE(node, node.error().to_string());
      nodes.push_back(std::move(*node));
    }
    for (auto& a : nodes) {
      for (auto& b : nodes) {
        if (a == b) continue;
        BOOST_REQUIRE(a->add_node("127.0.0.1:" + std::to_string(b->dht_port())));
      }
    }
    BOOST_REQUIRE_MESSAGE(wait_for_tables(5s), "routing tables did not fill");
    BOOST_TEST_MESSAGE("bootstrapped in " << elapsed_ms(start) << " ms");
  }

  ~dht_network() {
    auto start = clock_type::now();
    for (auto& n : nodes) n->shutdown();
    nodes.clear();
    BOOST_TEST_MESSAGE("shut down in " << elapsed_ms(start) << " ms");
  }

  bool wait_for_tables(std::chrono::milliseconds limit) {
    auto end = clock_type::now() + limit;
    while (clock_type::now() < end) {
      bool full = true;
      for (auto& n : nodes) full = full && n->routing_nodes() >= nodes_in_network - 1;
      if (full) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  static long elapsed_ms(clock_type::time_point start) {
    auto d = clock_type::now() - start;
    return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  }
};

// DHT.md: a lookup can miss (no reply alert at all); retry a few times.
bool find_with_retry(ddb::dht_discovery& node, collector& box, const hash_t& key,
                     const std::string& address, int attempts = 3) {
  for (int i = 0; i < attempts; ++i) {
    node.lookup(key, box.callback());
    if (box.wait_for(key, address, std::chrono::milliseconds(lookup_deadline_ms + 200))) {
      return true;
    }
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(static_discovery_returns_its_list) {
  hash_t k1 = key_of(1, 1);
  hash_t k2 = key_of(1, 2);
  ddb::static_peers peers;
  peers.all_keys = {"10.0.0.1:4000", "10.0.0.2:4000"};
  peers.by_key[k1] = {"10.0.0.9:4001", "10.0.0.1:4000"};
  ddb::static_discovery d(peers);
  d.announce(k1, 4242);  // no-op

  collector box;
  d.lookup(k1, box.callback());  // synchronous
  std::set<std::string> want1{"10.0.0.9:4001", "10.0.0.1:4000", "10.0.0.2:4000"};
  BOOST_TEST(box.found(k1) == want1);
  std::vector<std::string> ordered{"10.0.0.9:4001", "10.0.0.1:4000", "10.0.0.2:4000"};
  BOOST_TEST(d.addresses_for(k1) == ordered);
  d.lookup(k2, box.callback());
  std::set<std::string> want2{"10.0.0.1:4000", "10.0.0.2:4000"};
  BOOST_TEST(box.found(k2) == want2);

  d.leave(k1);  // no-op
  d.shutdown();
  BOOST_TEST(d.addresses_for(k1).empty());
}

BOOST_AUTO_TEST_CASE(static_discovery_empty_list_reports_nothing) {
  ddb::static_discovery d(ddb::static_peers{});
  int calls = 0;
  d.lookup(key_of(2, 1), [&](const hash_t&, std::vector<std::string>) { ++calls; });
  BOOST_TEST(calls == 0);
}

BOOST_AUTO_TEST_CASE(dht_rejects_bad_input) {
  ddb::dht_options bad;
  bad.bootstrap = {"no-port-here"};
  auto d = ddb::make_dht_discovery(bad);
  BOOST_REQUIRE(!d);
  BOOST_TEST((d.error().code() == ddb::errc::invalid_argument));

  auto ok = ddb::make_dht_discovery(ddb::dht_options{});
  BOOST_REQUIRE_MESSAGE(ok, ok.error().to_string());
  BOOST_TEST((*ok)->dht_port() != 0);
  BOOST_TEST(((*ok)->add_node("127.0.0.1:99999").code() == ddb::errc::invalid_argument));
  BOOST_TEST(((*ok)->add_node(":80").code() == ddb::errc::invalid_argument));
  BOOST_TEST((*ok)->add_node("[::1]:9").is_ok());
  (*ok)->shutdown();
  (*ok)->shutdown();                     // idempotent
  (*ok)->lookup(key_of(3, 1), nullptr);  // ignored after shutdown
}

BOOST_FIXTURE_TEST_CASE(dht_announce_is_found_by_every_other_node, dht_network) {
  hash_t key = key_of(4, 1);
  nodes[0]->announce(key, 4242);
  auto start = clock_type::now();
  std::vector<collector> boxes(nodes_in_network);
  for (int i = 1; i < nodes_in_network; ++i) {
    BOOST_TEST(find_with_retry(*nodes[i], boxes[i], key, "127.0.0.1:4242"), "node " << i);
  }
  BOOST_TEST_MESSAGE("4 lookups found the announce in " << elapsed_ms(start) << " ms");
}

BOOST_FIXTURE_TEST_CASE(dht_keys_do_not_mix, dht_network) {
  hash_t k1 = key_of(5, 1);
  hash_t k2 = key_of(5, 2);
  nodes[0]->announce(k1, 4242);
  nodes[1]->announce(k2, 4343);
  collector box;
  BOOST_TEST(find_with_retry(*nodes[2], box, k1, "127.0.0.1:4242"));
  BOOST_TEST(find_with_retry(*nodes[3], box, k2, "127.0.0.1:4343"));
  // Let both lookups run to their deadline: nothing else may turn up.
  std::this_thread::sleep_for(std::chrono::milliseconds(lookup_deadline_ms));
  BOOST_TEST(box.found(k1) == std::set<std::string>{"127.0.0.1:4242"});
  BOOST_TEST(box.found(k2) == std::set<std::string>{"127.0.0.1:4343"});
}

BOOST_FIXTURE_TEST_CASE(dht_no_false_positives_after_leave, dht_network) {
  hash_t announced = key_of(6, 1);
  hash_t fresh = key_of(6, 2);
  nodes[0]->announce(announced, 4242);
  collector box;
  BOOST_TEST(find_with_retry(*nodes[1], box, announced, "127.0.0.1:4242"));
  nodes[0]->leave(announced);
  for (int i = 0; i < nodes_in_network; ++i) nodes[i]->lookup(fresh, box.callback());
  std::this_thread::sleep_for(std::chrono::milliseconds(lookup_deadline_ms + 200));
  BOOST_TEST(box.found(fresh).empty());
}

BOOST_FIXTURE_TEST_CASE(dht_twenty_keys_from_different_nodes, dht_network) {
  constexpr int keys = 20;
  auto start = clock_type::now();
  for (int i = 0; i < keys; ++i) {
    nodes[i % nodes_in_network]->announce(key_of(7, static_cast<uint8_t>(i)),
                                          static_cast<uint16_t>(5000 + i));
  }
  collector box;
  for (int i = 0; i < keys; ++i) {  // all lookups in flight at once, from another node
    nodes[(i + 1) % nodes_in_network]->lookup(key_of(7, static_cast<uint8_t>(i)), box.callback());
  }
  for (int i = 0; i < keys; ++i) {
    hash_t key = key_of(7, static_cast<uint8_t>(i));
    std::string want = "127.0.0.1:" + std::to_string(5000 + i);
    bool ok = box.wait_for(key, want, std::chrono::milliseconds(lookup_deadline_ms)) ||
              find_with_retry(*nodes[(i + 2) % nodes_in_network], box, key, want);
    BOOST_TEST(ok, "key " << i);
    BOOST_TEST(box.found(key).size() == 1u, "key " << i);
  }
  BOOST_TEST_MESSAGE("20 keys found in " << elapsed_ms(start) << " ms");
}
