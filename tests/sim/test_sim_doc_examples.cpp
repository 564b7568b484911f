// The `$ ddatabase sim ...` commands of docs/simulator.md run as written, from a scratch folder
// (the shipped scenarios' paths made absolute), and exit 0. Commands on scenarios that the doc
// only imagines (failing.yaml, repro.yaml: the shrinking transcript) are left out; a pipe, if a
// command had one, would not be run either.
#define BOOST_TEST_MODULE sim_doc_examples
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/sim/sim_support.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace ddb::sim::test;

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

BOOST_AUTO_TEST_CASE(every_shipped_scenario_example_runs) {
  const char* bin = std::getenv("DDB_BIN");
  BOOST_REQUIRE(bin != nullptr);
  auto doc = scenario_dir().parent_path().parent_path() / "docs" / "simulator.md";
  std::ifstream in(doc);
  BOOST_REQUIRE_MESSAGE(in, doc);
  ddb::test::temp_dir tmp("ddb-sim-doc");
  std::string line;
  int ran = 0;
  while (std::getline(in, line)) {
    if (line.rfind("$ ddatabase sim ", 0) != 0) continue;
    auto argv = words(line.substr(2));
    if (argv[2].rfind("sim/scenarios/", 0) != 0) continue;  // an imagined scenario
    BOOST_REQUIRE_MESSAGE(line.find('|') == std::string::npos, "a pipe: " << line);
    argv[0] = bin;
    argv[2] = (scenario_dir() / argv[2].substr(14)).string();
    ddb::test::run_options opts;
    opts.timeout = std::chrono::seconds(300);
    opts.cwd = tmp.str();
    opts.env.push_back("DDB_SIM_SMALL_PAGES=1");
    auto r = ddb::test::run(argv, opts);
    BOOST_TEST(r.exit_code == 0, line << ": " << r.describe());
    BOOST_TEST(!r.out.empty(), line);
    ++ran;
  }
  BOOST_TEST(ran >= 8);
}

}  // namespace
