// Extension plugins in the simulator: the built-in length_announce plugin (plugins/) loads on
// every node of sim/scenarios/announce.yaml, its messages cross the simulated wire between
// nodes, and the run stays deterministic and keeps every invariant.
#define BOOST_TEST_MODULE sim_extensions
#include "tests/sim/sim_support.hpp"

namespace {

using namespace ddb::sim;
using namespace ddb::sim::test;

BOOST_AUTO_TEST_CASE(length_announce_runs_in_the_simulator) {
  scenario sc = shipped("announce.yaml");
  BOOST_REQUIRE_EQUAL(sc.extensions.size(), 1u);
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    run_report r = run_logged(sc, seed);
    BOOST_TEST(r.result == outcome::ok, "seed " << seed << "\n" << violations_text(r));
    // Followers heard announcements (each is logged by the plugin on the receiving node).
    BOOST_TEST(r.extension_logs > 10u, "seed " << seed);
    run_report again = run_scenario(sc, seed);
    BOOST_TEST(again.trace == r.trace);
    BOOST_TEST(again.extension_logs == r.extension_logs);
  }
}

BOOST_AUTO_TEST_CASE(without_the_extension_nothing_is_announced) {
  scenario sc = shipped("announce.yaml");
  sc.extensions.clear();
  run_report r = run_logged(sc, 1);
  BOOST_TEST(r.result == outcome::ok, violations_text(r));
  BOOST_TEST(r.extension_logs == 0u);
}

BOOST_AUTO_TEST_CASE(an_unknown_builtin_is_reported) {
  scenario sc = shipped("announce.yaml");
  sc.extensions = {"no_such_plugin"};
  run_report r = run_logged(sc, 1);
  BOOST_TEST(r.result == outcome::crash);
  bool named = false;
  for (const auto& v : r.violations)
    named = named || v.detail.find("no_such_plugin") != std::string::npos;
  BOOST_TEST(named);
}

}  // namespace
