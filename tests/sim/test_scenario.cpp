// Scenario YAML: parsing, errors with lines, validation, the writer's round trip, and the
// shrinker's node removal (renumbering every reference).
#define BOOST_TEST_MODULE sim_scenario
#include "sim/shrink.hpp"
#include "tests/sim/sim_support.hpp"

namespace {

using namespace ddb::sim;
using namespace ddb::sim::test;

BOOST_AUTO_TEST_CASE(shipped_scenarios_parse_and_round_trip) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(scenario_dir())) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    scenario s = shipped(entry.path().filename().string());
    std::string once = to_yaml(s);
    scenario back = parsed(once);
    BOOST_TEST(to_yaml(back) == once, entry.path().filename());
    BOOST_TEST(back.nodes == s.nodes);
    BOOST_TEST(back.faults.size() == s.faults.size());
    BOOST_TEST(back.length.count() == s.length.count());
  }
  BOOST_TEST(count >= 8);
}

BOOST_AUTO_TEST_CASE(node_lists_durations_and_feed_names) {
  scenario s = parsed(R"(
nodes: 12
duration: 2m
heal_at: 1500ms
feeds:
  - {name: a, writer: 0, followers: 1-3, sparse: [4, 6-7]}
  - {name: b, writer: 8, followers: 9-end}
workload:
  - {feed: b, rate: 2, until: 30}
)");
  BOOST_TEST(s.length.count() == std::chrono::nanoseconds(std::chrono::minutes(2)).count());
  BOOST_TEST(s.heal_at.count() ==
             std::chrono::nanoseconds(std::chrono::milliseconds(1500)).count());
  BOOST_TEST(s.feeds[0].followers == (std::vector<int>{1, 2, 3}), boost::test_tools::per_element());
  BOOST_TEST(s.feeds[0].sparse == (std::vector<int>{4, 6, 7}), boost::test_tools::per_element());
  BOOST_TEST(s.feeds[1].followers == (std::vector<int>{9, 10, 11}),
             boost::test_tools::per_element());
  BOOST_TEST(s.workload[0].feed == 1);
}

BOOST_AUTO_TEST_CASE(errors_name_the_line) {
  auto bad = parse_scenario("nodes: 3\nfeeds:\n  - {writer: 0}\nduration: soon\n");
  BOOST_REQUIRE(!bad);
  BOOST_TEST(bad.error().message().find("line 4") != std::string::npos, bad.error().message());
  auto kind = parse_scenario("nodes: 3\nfeeds:\n  - {writer: 0}\nfaults:\n  - {kind: meteor}\n");
  BOOST_REQUIRE(!kind);
  BOOST_TEST(kind.error().message().find("meteor") != std::string::npos);
  // Durations out of range (their nanoseconds would overflow) or negative are refused.
  for (const char* d : {"6e63s", "1e400s", "-5s", "nan", "inf"}) {
    auto r =
        parse_scenario(std::string("nodes: 3\nfeeds:\n  - {writer: 0}\nduration: ") + d + "\n");
    BOOST_REQUIRE_MESSAGE(!r, d);
    BOOST_TEST(r.error().message().find("line 4: bad duration") != std::string::npos,
               r.error().message());
  }
}

BOOST_AUTO_TEST_CASE(validation) {
  BOOST_TEST(!parse_scenario("nodes: 2\nfeeds:\n  - {writer: 5}\n"));
  BOOST_TEST(!parse_scenario("nodes: 2\nfeeds:\n  - {writer: 0, followers: [0]}\n"));
  BOOST_TEST(!parse_scenario("nodes: 2\n"));  // no feed
  BOOST_TEST(!parse_scenario(
      "nodes: 2\nfeeds:\n  - {writer: 0}\nfaults:\n  - {kind: restart, node: 0, wipe: true}\n"));
  BOOST_TEST(!parse_scenario(
      "nodes: 2\nfeeds:\n  - {writer: 0}\nfaults:\n  - {kind: churn, at: 1s}\n"));  // no every
}

BOOST_AUTO_TEST_CASE(dropping_a_node_renumbers_every_reference) {
  scenario s = parsed(R"(
nodes: 6
feeds:
  - {name: main, writer: 0, followers: [1, 2, 4], sparse: [5]}
faults:
  - {kind: isolate, at: 1s, node: 4}
  - {kind: crash, at: 2s, node: 2}
  - {kind: partition, at: 3s, a: [0, 2], b: [4, 5]}
adversaries:
  - {node: 3, kind: bad_data, feed: main}
planted:
  skip_verify: [4]
)");
  BOOST_TEST(!drop_node(s, 0));  // the writer stays
  BOOST_REQUIRE(drop_node(s, 2));
  BOOST_TEST(s.nodes == 5);
  BOOST_TEST(s.feeds[0].followers == (std::vector<int>{1, 3}), boost::test_tools::per_element());
  BOOST_TEST(s.feeds[0].sparse == (std::vector<int>{4}), boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(s.faults.size(), 2u);  // the crash of node 2 went with it
  BOOST_TEST(s.faults[0].node == 3);
  BOOST_TEST(s.faults[1].a == (std::vector<int>{0}), boost::test_tools::per_element());
  BOOST_TEST(s.faults[1].b == (std::vector<int>{3, 4}), boost::test_tools::per_element());
  BOOST_TEST(s.adversaries[0].node == 2);
  BOOST_TEST(s.planted.skip_verify == (std::vector<int>{3}), boost::test_tools::per_element());
  BOOST_TEST(static_cast<bool>(validate(s)));
}

BOOST_AUTO_TEST_CASE(candidates_are_valid_and_smaller) {
  scenario s = shipped("crashing_writer.yaml");
  auto cands = shrink_candidates(s);
  BOOST_TEST(cands.size() > 5u);
  for (const auto& c : cands) {
    BOOST_TEST(static_cast<bool>(validate(c.s)), c.what);
    bool smaller = c.s.nodes < s.nodes || c.s.faults.size() < s.faults.size() ||
                   c.s.adversaries.size() < s.adversaries.size() || c.s.length < s.length ||
                   to_yaml(c.s) != to_yaml(s);
    BOOST_TEST(smaller, c.what);
  }
}

}  // namespace
