// The shipped scenarios over a fixed batch of seeds: every invariant holds on every seed.
// (Longer sweeps: `make sim-sweep`.) DDB_SIM_SEEDS=N runs N seeds per scenario (default 3).
#define BOOST_TEST_MODULE sim_scenarios
#include "tests/sim/sim_support.hpp"

namespace {

using namespace ddb::sim;
using namespace ddb::sim::test;

uint64_t seeds_per_scenario() {
  const char* n = std::getenv("DDB_SIM_SEEDS");
  return n != nullptr ? std::strtoull(n, nullptr, 10) : 3;
}

void run_seeds(const std::string& file, uint64_t count) {
  scenario sc = shipped(file);
  for (uint64_t seed = 1; seed <= count; ++seed) {
    run_report r = run_logged(sc, seed);
    BOOST_TEST(r.result == outcome::ok, file << " seed " << seed << ": " << to_string(r.result)
                                             << "\n"
                                             << violations_text(r));
    // Every follower of every feed converged, and the writers appended something.
    for (const auto& f : r.followers) {
      if (f.sparse) continue;  // sparse readers have no convergence bound
      BOOST_TEST(f.converged_s >= 0, file << " seed " << seed << ": follower " << f.node);
    }
    for (uint64_t len : r.writer_lengths) BOOST_TEST(len > 0u);
  }
}

BOOST_AUTO_TEST_CASE(smoke) {
  run_seeds("smoke.yaml", seeds_per_scenario());
}
BOOST_AUTO_TEST_CASE(smoke_10) {
  run_seeds("smoke_10.yaml", seeds_per_scenario());
}
BOOST_AUTO_TEST_CASE(smoke_50) {
  run_seeds("smoke_50.yaml", 1);
}
BOOST_AUTO_TEST_CASE(churny_swarm) {
  run_seeds("churny_swarm.yaml", seeds_per_scenario());
}
BOOST_AUTO_TEST_CASE(partitioned_mesh) {
  run_seeds("partitioned_mesh.yaml", seeds_per_scenario());
}
BOOST_AUTO_TEST_CASE(crashing_writer) {
  run_seeds("crashing_writer.yaml", seeds_per_scenario());
}
BOOST_AUTO_TEST_CASE(regions) {
  run_seeds("regions.yaml", seeds_per_scenario());
}

BOOST_AUTO_TEST_CASE(hostile_peers) {
  scenario sc = shipped("hostile_peers.yaml");
  for (uint64_t seed = 1; seed <= seeds_per_scenario(); ++seed) {
    run_report r = run_logged(sc, seed);
    BOOST_TEST(r.result == outcome::ok, "seed " << seed << "\n" << violations_text(r));
    BOOST_TEST(r.forks > 0u, "seed " << seed << ": the forking writer went unnoticed");
  }
}

}  // namespace
