// `make demo` (scripts/demo.sh) runs end to end: three nodes from config/examples/demo/, all
// replicas identical, a summary, exit 0; and it leaves neither processes nor files behind
// (its temp dir goes under a TMPDIR of our own, checked empty afterwards).
#define BOOST_TEST_MODULE deploy_demo
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <iterator>

#include "tests/deploy/deploy_support.hpp"

using namespace ddb::test;

namespace {

// Processes whose command line mentions `needle`.
std::vector<std::string> processes_with(const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(needle) != std::string::npos) found.push_back(pid);
  }
  return found;
}

}  // namespace

BOOST_AUTO_TEST_CASE(make_demo_runs_three_nodes_and_cleans_up) {
  temp_dir tmp("ddb-deploy-demo");
  run_options o = within(180s);
  o.env = {"TMPDIR=" + tmp.str()};
  run_result r = run({"bash", source_tree() + "/scripts/demo.sh", ddb_bin()}, o);
  BOOST_TEST_MESSAGE(r.out);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.describe() + "\nstdout:\n" + r.out);

  BOOST_CHECK(r.out.find("converged.") != std::string::npos);
  for (const char* feed : {"bulk  4000 blocks", "live  1000 blocks"}) {
    BOOST_TEST_CONTEXT(feed) {
      auto line = r.out.find(feed);
      BOOST_REQUIRE(line != std::string::npos);
      BOOST_CHECK(r.out.find("writer, follower-1 and follower-2 identical", line) !=
                  std::string::npos);
    }
  }
  BOOST_CHECK(r.out.find("blocks      5000 per replica") != std::string::npos);
  BOOST_CHECK(r.out.find("throughput") != std::string::npos);
  for (const char* node : {"[writer] stopped", "[follower-1] stopped", "[follower-2] stopped"})
    BOOST_CHECK_MESSAGE(r.out.find(node) != std::string::npos, node);

  // Nothing left behind.
  BOOST_CHECK(std::filesystem::is_empty(tmp.path()));
  BOOST_CHECK(processes_with(tmp.str()).empty());
}
