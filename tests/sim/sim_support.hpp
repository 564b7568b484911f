#pragma once
// Shared by the simulator suites: the shipped scenarios and a report printer.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "sim/driver.hpp"
#include "sim/scenario.hpp"

namespace ddb::sim {
// Printable in Boost.Test messages.
inline std::ostream& operator<<(std::ostream& o, outcome x) {
  return o << to_string(x);
}
}  // namespace ddb::sim

namespace ddb::sim::test {

inline std::filesystem::path scenario_dir() {
  const char* src = std::getenv("DDB_SOURCE_DIR");
  std::filesystem::path root = src ? std::filesystem::path(src)
                                   : std::filesystem::path(__FILE__).parent_path() / ".." / "..";
  return (root / "sim" / "scenarios").lexically_normal();
}

inline scenario shipped(const std::string& file) {
  auto s = load_scenario((scenario_dir() / file).string());
  BOOST_REQUIRE_MESSAGE(s.has_value(), file << ": " << (s ? "" : s.error().to_string()));
  return *s;
}

inline scenario parsed(const std::string& yaml) {
  auto s = parse_scenario(yaml);
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().to_string()));
  return *s;
}

// The seed and trace of every run go to the log, so a failure can be replayed with
// `ddatabase sim SCENARIO --seed N`.
inline run_report run_logged(const scenario& sc, uint64_t seed) {
  run_report r = run_scenario(sc, seed);
  BOOST_TEST_MESSAGE("scenario " << sc.name << " seed " << seed << ": " << to_string(r.result)
                                 << " trace " << std::hex << r.trace << std::dec << " ("
                                 << r.sim_seconds << " s simulated in " << r.wall_seconds << " s)");
  return r;
}

inline std::string violations_text(const run_report& r) {
  std::string out;
  for (const auto& v : r.violations) out += v.invariant + ": " + v.detail + "\n";
  return out + r.crash;
}

}  // namespace ddb::sim::test
