#pragma once
// Shrinking a failing run: with the seed fixed, try smaller scenarios (fewer faults, fewer
// nodes, shorter runs and workloads) and keep each change that still fails the same way, until
// no change helps. The result is a minimal reproducer to save as YAML and replay with --seed.
#include <cstdint>
#include <ostream>

#include "sim/checkers.hpp"
#include "sim/scenario.hpp"

namespace ddb::sim {

// `progress` gets one line per accepted step. `max_runs` bounds the work.
scenario shrink(const scenario& failing, uint64_t seed, outcome expected, std::ostream& progress,
                int max_runs = 200);

}  // namespace ddb::sim
