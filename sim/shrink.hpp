#pragma once
// Shrinking a failing run: with the seed fixed, try smaller scenarios (fewer faults, adversaries,
// nodes, followers and feeds; a shorter and lighter workload; a shorter run) and keep each change
// that still fails the same way, until no change helps or the run budget is spent. The result is
// a minimal reproducer to save as YAML (to_yaml) and replay with --seed.
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/checkers.hpp"
#include "sim/scenario.hpp"

namespace ddb::sim {

// Runs one candidate; the default forks a child per run (sim/isolate.hpp).
using shrink_runner = std::function<outcome(const scenario&, uint64_t seed)>;

struct shrink_result {
  scenario smallest;
  int runs = 0;   // candidate runs made
  int steps = 0;  // changes kept
};

// `progress` gets one line per kept change. `max_runs` bounds the work.
shrink_result shrink(const scenario& failing, uint64_t seed, outcome expected,
                     std::ostream& progress, const shrink_runner& run = {}, int max_runs = 200);

// One candidate change: a description and the smaller scenario (already validated).
struct shrink_candidate {
  std::string what;
  scenario s;
};
// Every single-step reduction of `s`, the ones expected to remove most first.
std::vector<shrink_candidate> shrink_candidates(const scenario& s);

// Removes node `k` and renumbers the nodes after it; false when `k` writes a feed.
bool drop_node(scenario& s, int k);

}  // namespace ddb::sim
