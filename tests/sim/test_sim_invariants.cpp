// The simulator catches planted bugs: a follower that skips signature verification, and a
// storage that acknowledges sync without syncing. The same scenarios without the bug pass, so
// it is the bug that trips the invariant. A failing run shrinks to a smaller reproducer.
#define BOOST_TEST_MODULE sim_invariants
#include <sstream>

#include "sim/shrink.hpp"
#include "tests/sim/sim_support.hpp"

namespace {

using namespace ddb::sim;
using namespace ddb::sim::test;

bool tripped(const run_report& r, const std::string& invariant) {
  for (const auto& v : r.violations) {
    if (v.invariant == invariant) return true;
  }
  return false;
}

// Over seeds 1..3: the honest scenario passes, and the one with the planted bug fails as a
// correctness violation of `invariant`.
void planted_bug_is_caught(const scenario& honest, const scenario& buggy,
                           const std::string& invariant) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    run_report h = run_logged(honest, seed);
    BOOST_TEST(h.result == outcome::ok, "seed " << seed << "\n" << violations_text(h));
    run_report b = run_logged(buggy, seed);
    BOOST_TEST((b.result == outcome::correctness && tripped(b, invariant)),
               "seed " << seed << ": " << to_string(b.result) << "\n"
                       << violations_text(b));
  }
}

// A follower that accepts any signature, next to peers that forge data and signatures.
const char* forged_yaml = R"(
name: planted-skip-verify
nodes: 4
topology: mesh
duration: 20s
converge_within: 8s
feeds:
  - {name: main, writer: 0, followers: [1]}
workload:
  - {feed: main, rate: 20, until: 8s}
adversaries:
  - {node: 2, kind: bad_data, feed: main}
  - {node: 3, kind: bad_data, feed: main}
)";

BOOST_AUTO_TEST_CASE(a_follower_that_skips_verification_is_caught) {
  scenario honest = parsed(forged_yaml);
  scenario buggy = honest;
  buggy.planted.skip_verify = {1};
  planted_bug_is_caught(honest, buggy, "verified");
}

// A writer that acknowledges appends after a sync its storage only pretends to do, then loses
// power.
const char* lying_yaml = R"(
name: planted-lying-sync
nodes: 2
topology: mesh
duration: 20s
converge_within: 8s
feeds:
  - {name: main, writer: 0, followers: [1]}
workload:
  - {feed: main, rate: 20, until: 8s}
faults:
  - {kind: storage, at: 5s, node: 0, fault: drop_unsynced}
)";

BOOST_AUTO_TEST_CASE(a_storage_that_lies_about_sync_is_caught) {
  scenario honest = parsed(lying_yaml);
  scenario buggy = honest;
  buggy.planted.lying_sync = {0};
  planted_bug_is_caught(honest, buggy, "durable");
}

BOOST_AUTO_TEST_CASE(a_violation_names_seed_time_and_events) {
  scenario buggy = parsed(lying_yaml);
  buggy.planted.lying_sync = {0};
  run_report b = run_logged(buggy, 2);
  BOOST_REQUIRE(!b.violations.empty());
  std::string text = to_text(b);
  BOOST_TEST(text.find("seed 2") != std::string::npos);
  BOOST_TEST(text.find("VIOLATION") != std::string::npos);
  BOOST_TEST(!b.violations[0].recent.empty());  // the events leading to it
  BOOST_TEST(text.find("power loss") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_failing_run_shrinks_to_a_smaller_reproducer) {
  // The planted bug plus noise the shrinker should strip: idle followers, faults, a slow link.
  scenario big = parsed(forged_yaml);
  big.nodes = 7;
  big.feeds[0].followers = {1, 4, 5, 6};
  big.planted.skip_verify = {1};
  fault_spec reset;
  reset.kind = fault_kind::reset;
  reset.at = std::chrono::seconds(2);
  fault_spec iso;
  iso.kind = fault_kind::isolate;
  iso.node = 6;
  iso.at = std::chrono::seconds(3);
  big.faults = {reset, iso};
  BOOST_REQUIRE(static_cast<bool>(validate(big)));
  uint64_t seed = 1;
  run_report first = run_logged(big, seed);
  while (first.result != outcome::correctness && seed < 5) first = run_logged(big, ++seed);
  BOOST_REQUIRE(first.result == outcome::correctness);

  std::ostringstream progress;
  auto in_process = [](const scenario& s, uint64_t sd) { return run_scenario(s, sd).result; };
  shrink_result r = shrink(big, seed, first.result, progress, in_process, 60);
  BOOST_TEST_MESSAGE(progress.str());
  BOOST_TEST(r.steps > 0);
  BOOST_TEST(r.smallest.nodes < big.nodes);
  BOOST_TEST(r.smallest.faults.size() < big.faults.size());
  // The reproducer still fails the same way, also after a trip through YAML.
  scenario again = parsed(to_yaml(r.smallest));
  BOOST_TEST(run_logged(again, seed).result == outcome::correctness);
  // The planted follower and an adversary survive (the bug needs both).
  BOOST_TEST(again.planted.skip_verify.size() == 1u);
  BOOST_TEST(again.adversaries.size() >= 1u);
}

}  // namespace
