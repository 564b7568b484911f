// One seed, one run: the trace hash and every metric repeat exactly, in one process and across
// processes (the CLI); another seed gives another run.
#define BOOST_TEST_MODULE sim_determinism
#include <nlohmann/json.hpp>

#include "tests/sim/sim_support.hpp"
#include "tests/support/process.hpp"

namespace {

using namespace ddb::sim;
using namespace ddb::sim::test;

void same_run(const run_report& a, const run_report& b) {
  BOOST_TEST(a.trace == b.trace);
  BOOST_TEST(a.trace_events == b.trace_events);
  BOOST_TEST(a.activations == b.activations);
  BOOST_TEST(a.bytes == b.bytes);
  BOOST_TEST(a.chunks == b.chunks);
  BOOST_TEST(a.connections == b.connections);
  BOOST_TEST(a.writer_lengths == b.writer_lengths);
  BOOST_REQUIRE_EQUAL(a.followers.size(), b.followers.size());
  for (size_t i = 0; i < a.followers.size(); ++i) {
    BOOST_TEST(a.followers[i].converged_s == b.followers[i].converged_s);
    BOOST_TEST(a.followers[i].length == b.followers[i].length);
  }
}

BOOST_AUTO_TEST_CASE(same_seed_same_trace_in_one_process) {
  for (const char* file : {"smoke_10.yaml", "churny_swarm.yaml", "hostile_peers.yaml"}) {
    scenario sc = shipped(file);
    run_report a = run_logged(sc, 42);
    run_report b = run_logged(sc, 42);
    BOOST_TEST_CONTEXT(file) {
      same_run(a, b);
    }
    BOOST_TEST(a.trace_events > 100u);
  }
}

BOOST_AUTO_TEST_CASE(another_seed_another_trace) {
  scenario sc = shipped("churny_swarm.yaml");
  run_report a = run_logged(sc, 7);
  run_report b = run_logged(sc, 8);
  BOOST_TEST(a.trace != b.trace);
}

BOOST_AUTO_TEST_CASE(adding_a_node_leaves_the_writer_alone) {
  // Substreams per node: an extra idle node does not change what the writer appends.
  scenario sc = shipped("smoke.yaml");
  scenario more = sc;
  more.nodes += 1;
  run_report a = run_logged(sc, 5);
  run_report b = run_logged(more, 5);
  BOOST_TEST(a.writer_lengths == b.writer_lengths);
}

BOOST_AUTO_TEST_CASE(cli_replays_a_seed) {
  const char* bin = std::getenv("DDB_BIN");
  BOOST_REQUIRE(bin != nullptr);
  std::string file = (scenario_dir() / "partitioned_mesh.yaml").string();
  std::vector<nlohmann::json> runs;
  // The first run re-executes with huge pages where the machine has them (cli/huge_pages.cpp),
  // the second keeps normal pages and also measures the dispatch floor: the same run either way.
  for (int i = 0; i < 2; ++i) {
    ddb::test::run_options opts;
    opts.timeout = std::chrono::seconds(120);
    std::vector<std::string> argv{bin, "sim", file, "--seed", "1234", "--json"};
    if (i == 1) {
      opts.env.push_back("DDB_SIM_SMALL_PAGES=1");
      argv.push_back("--floor");
    }
    auto r = ddb::test::run(argv, opts);
    BOOST_REQUIRE_MESSAGE(r.ok(), r.describe() << "\n" << r.err);
    runs.push_back(nlohmann::json::parse(r.out));
  }
  BOOST_TEST(runs[0]["seed"] == 1234);
  BOOST_TEST(runs[0]["trace"] == runs[1]["trace"]);
  BOOST_TEST(runs[0]["trace"].get<std::string>().size() == 16u);
  BOOST_TEST(runs[0].contains("commit"));
  BOOST_TEST(!runs[0].contains("dispatch_floor_ns"));
  BOOST_TEST(runs[1]["dispatch_floor_ns"].get<double>() > 0);
  BOOST_TEST(runs[1]["floor_speedup"].get<double>() > 0);
  // In-process and CLI runs of one seed agree.
  run_report here = run_scenario(shipped("partitioned_mesh.yaml"), 1234);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(here.trace));
  BOOST_TEST(runs[0]["trace"].get<std::string>() == std::string(hex));
}

}  // namespace
