#pragma once
// Running one seed of a scenario in a forked child process, so that an abort or a crash in the
// run is reported as outcome::crash instead of ending a sweep or a shrink.
#include <cstdint>
#include <string>

#include "sim/checkers.hpp"
#include "sim/scenario.hpp"

namespace ddb::sim {

struct isolated_result {
  outcome result = outcome::crash;
  std::string trace = "-";  // the run's trace hash (16 hex digits), "-" when it died
  std::string report;       // the run's JSON report (to_json), empty when it died
};

isolated_result run_isolated(const scenario& sc, uint64_t seed);

}  // namespace ddb::sim
