// Scenario YAML: parsing, errors with lines, validation, the writer's round trip, and the
// shrinker's node removal (renumbering every reference).
#define BOOST_TEST_MODULE sim_scenario
#include <unistd.h>

#include <fstream>
#include <utility>

#include "config/config_loader.hpp"
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
  auto bad = parse_scenario("nodes: 3\nfeeds:\n  - {writer: 0}\nduration: soon\n", "s.yaml");
  BOOST_REQUIRE(!bad);
  BOOST_TEST(
      bad.error().message().find("s.yaml:4: duration: bad duration \"soon\"") != std::string::npos,
      bad.error().message());
  auto kind =
      parse_scenario("nodes: 3\nfeeds:\n  - {writer: 0}\nfaults:\n  - {kind: meteor}\n", "s.yaml");
  BOOST_REQUIRE(!kind);
  BOOST_TEST(kind.error().message().find("s.yaml:5: faults[0].kind: unknown value \"meteor\"") !=
                 std::string::npos,
             kind.error().message());
  auto clog = parse_scenario(
      "nodes: 3\nfeeds:\n  - {writer: 0}\nfaults:\n  - {kind: clogg, node: 1}\n", "s.yaml");
  BOOST_REQUIRE(!clog);
  BOOST_TEST(clog.error().message().find("(did you mean `clog`?)") != std::string::npos,
             clog.error().message());
  // Durations out of range (their nanoseconds would overflow) or negative are refused.
  for (const char* d : {"6e63s", "1e400s", "-5s", "nan", "inf"}) {
    auto r =
        parse_scenario(std::string("nodes: 3\nfeeds:\n  - {writer: 0}\nduration: ") + d + "\n");
    BOOST_REQUIRE_MESSAGE(!r, d);
    BOOST_TEST(r.error().message().find("scenario:4: duration: bad duration") != std::string::npos,
               r.error().message());
  }
  // Node numbers past `nodes` and malformed numbers are refused where they are written.
  auto range = parse_scenario("nodes: 3\nfeeds:\n  - {writer: 0, followers: 1-7}\n");
  BOOST_REQUIRE(!range);
  BOOST_TEST(range.error().message().find("scenario:3: feeds[0].followers: node 7 out of range") !=
                 std::string::npos,
             range.error().message());
  auto word = parse_scenario("nodes: three\nfeeds:\n  - {writer: 0}\n");
  BOOST_REQUIRE(!word);
  BOOST_TEST(
      word.error().message().find("scenario:1: nodes: expected an integer") != std::string::npos,
      word.error().message());
}

// The issue's example: `untill:` used to be ignored, and the run then failed on liveness. Now the
// node configs' reader refuses it, naming the file, the line and the key it meant.
BOOST_AUTO_TEST_CASE(unknown_keys_fail_with_file_line_and_suggestion) {
  auto dir = std::filesystem::temp_directory_path() /
             ("ddb_scenario_" + std::to_string(static_cast<unsigned long>(::getpid())));
  std::filesystem::create_directories(dir);
  const auto file = (dir / "typo.yaml").string();
  {
    std::ofstream out(file);
    out << "nodes: 3\nfeeds:\n  - {writer: 0, followers: [1, 2]}\nworkload:\n"
           "  - feed: 0\n    rate: 5\n    untill: 20s\n";
  }
  auto s = load_scenario(file);
  std::filesystem::remove_all(dir);
  BOOST_REQUIRE(!s);
  const std::string msg = s.error().message();
  BOOST_TEST(msg.find(file + ":7: workload[0].untill: unknown key (did you mean `until`?)") !=
                 std::string::npos,
             msg);
  BOOST_TEST(msg.find("allowed: feed, rate,") != std::string::npos, msg);
  // The same for every section, top level included.
  const std::pair<const char*, const char*> cases[] = {
      {"nodes: 3\nfeeds:\n  - {writer: 0}\ndurration: 5s\n",
       "s.yaml:4: durration: unknown key "
       "(did you mean `duration`?)"},
      {"nodes: 3\nfeeds:\n  - {writer: 0, folowers: [1]}\n",
       "s.yaml:3: feeds[0].folowers: unknown key (did you mean `followers`?)"},
      {"nodes: 3\nfeeds:\n  - {writer: 0}\nfaults:\n  - {kind: crash, node: 1, att: 2s}\n",
       "s.yaml:5: faults[0].att: unknown key (did you mean `at`?)"},
      {"nodes: 3\nfeeds:\n  - {writer: 0}\nlinks:\n  - {latencyms: 5}\n",
       "s.yaml:5: links[0].latencyms: unknown key (did you mean `latency_ms`?)"},
      {"nodes: 3\nfeeds:\n  - {writer: 0}\nregion_links:\n  - {a: x, b: y, latncy: 5}\n",
       "s.yaml:5: region_links[0].latncy: unknown key (did you mean `latency`?)"},
      {"nodes: 3\nfeeds:\n  - {writer: 0}\ninvariants:\n  durabel: false\n",
       "s.yaml:5: invariants.durabel: unknown key (did you mean `durable`?)"},
      {"nodes: 3\nfeeds:\n  - {writer: 0}\nplanted:\n  lying: [1]\n",
       "s.yaml:5: planted.lying: unknown key (did you mean `lying_sync`?)"},
      {"nodes: 3\nfeeds:\n  - {writer: 0}\nadversaries:\n  - {node: 1, kind: fork, victims: [2]}\n",
       "s.yaml:5: adversaries[0].victims: unknown key"},
  };
  for (const auto& [yaml, want] : cases) {
    auto r = parse_scenario(yaml, "s.yaml");
    BOOST_REQUIRE_MESSAGE(!r, yaml);
    BOOST_TEST(r.error().message().find(want) != std::string::npos, r.error().message());
  }
}

// One duration syntax: a spelling means the same time in a scenario and in a node config.
BOOST_AUTO_TEST_CASE(durations_parse_as_in_node_configs) {
  for (const char* d : {"1500ms", "1.5s", "2m", "0.25s", "1h", "0.5m", "250ms"}) {
    scenario s = parsed(std::string("nodes: 2\nfeeds:\n  - {writer: 0}\nfaults:\n"
                                    "  - {kind: crash, node: 1, at: ") +
                        d + "}\n");
    auto config = ddb::load_config_string(
        std::string("node:\n  name: n\nswarm:\n  ban_ms: ") + d + "\n", "config.yaml", ".");
    BOOST_REQUIRE_MESSAGE(config.has_value(), (config ? "" : config.error().to_string()));
    const auto at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(s.faults[0].at);
    BOOST_TEST(static_cast<uint64_t>(at_ms.count()) == config->swarm.ban_ms, d);
    BOOST_TEST(s.faults[0].at.count() % 1000000 == 0, d);  // whole milliseconds, no rounding
  }
  // A bare number is in the key's unit: seconds for a scenario's times, milliseconds for `*_ms`.
  scenario bare = parsed(
      "nodes: 2\nfeeds:\n  - {writer: 0}\nlinks:\n  - {latency_ms: 7, tail_ms: 0.5s}\n"
      "faults:\n  - {kind: clog, node: 1, at: 3, for: 2, extra_ms: 400}\n");
  BOOST_TEST(bare.links[0].latency_ms == 7.0);
  BOOST_TEST(bare.links[0].tail_ms == 500.0);
  BOOST_TEST(bare.faults[0].at.count() ==
             std::chrono::nanoseconds(std::chrono::seconds(3)).count());
  BOOST_TEST(bare.faults[0].until.count() ==
             std::chrono::nanoseconds(std::chrono::seconds(2)).count());
  BOOST_TEST(bare.faults[0].extra_ms == 400.0);
  auto config = ddb::load_config_string("node:\n  name: n\nswarm:\n  ban_ms: 3\n", "c.yaml", ".");
  BOOST_REQUIRE(config.has_value());
  BOOST_TEST(config->swarm.ban_ms == 3u);
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
