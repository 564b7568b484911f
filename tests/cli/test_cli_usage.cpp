// The command line's conventions (DESIGN.md "The CLI contract"): usage errors exit 2 with
// "ddatabase: " and the usage line, "did you mean", `help [CMD]`, `--version`.
#define BOOST_TEST_MODULE cli_usage
#include <regex>

#include "tests/cli/cli_support.hpp"

using namespace ddb::test;

namespace {

void expect_usage_error(const std::vector<std::string>& args, const std::string& usage) {
  auto r = cli(args);
  BOOST_TEST_INFO("ddatabase " << args[0] << ": " << r.describe());
  BOOST_CHECK_EQUAL(r.exit_code, 2);
  BOOST_CHECK_EQUAL(r.err.rfind("ddatabase: ", 0), 0u);
  BOOST_CHECK(r.err.find(usage) != std::string::npos);
}

}  // namespace

BOOST_AUTO_TEST_CASE(bad_ranges_and_arguments_are_usage_errors) {
  temp_dir tmp("ddb-cli-usage");
  std::string dir = tmp.str() + "/feed";
  make_feed(dir, 20);
  expect_usage_error({"cat", dir, "--start", "10", "--end", "5"}, "usage: ddatabase cat");
  expect_usage_error({"cat", dir, "--start", "-1"}, "usage: ddatabase cat");
  expect_usage_error(
      {"clone", std::string(64, 'a'), tmp.str() + "/c", "--peer", "127.0.0.1:1", "--start", "-1"},
      "usage: ddatabase clone");
  expect_usage_error({"clone", "abc", tmp.str() + "/c", "--peer", "127.0.0.1:1"},
                     "usage: ddatabase clone");
  expect_usage_error({"append", dir, "--file", "/tmp"}, "usage: ddatabase append");
  expect_usage_error({"sim", "x.yaml", "--seeds", "5..1"}, "usage: ddatabase sim");
  expect_usage_error({"serve", dir, "--namespace", "nope"}, "usage: ddatabase serve");
  BOOST_CHECK(!fs::exists(tmp.str() + "/c"));  // nothing ran
}

BOOST_AUTO_TEST_CASE(unknown_commands_and_options_suggest_the_closest) {
  auto r = cli({"clnoe", "x"});
  BOOST_CHECK_EQUAL(r.exit_code, 2);
  BOOST_CHECK_MESSAGE(
      r.err.find("ddatabase: unknown command 'clnoe' (did you mean 'clone'?)") != std::string::npos,
      r.err);
  BOOST_CHECK(r.err.find("usage: ddatabase COMMAND") != std::string::npos);
  r = cli({"cat", "/nonexistent", "--strat", "3"});
  BOOST_CHECK_EQUAL(r.exit_code, 2);
  BOOST_CHECK_MESSAGE(r.err.find("did you mean '--start'?") != std::string::npos, r.err);
  BOOST_CHECK(r.err.find("usage: ddatabase cat") != std::string::npos);
  r = cli({});
  BOOST_CHECK_EQUAL(r.exit_code, 2);
  BOOST_CHECK_EQUAL(r.err.rfind("ddatabase: ", 0), 0u);
}

BOOST_AUTO_TEST_CASE(help_lists_commands_and_a_commands_options) {
  auto r = cli({"help"});
  BOOST_CHECK_MESSAGE(r.ok(), r.describe());
  for (const char* cmd : {"create", "append", "cat", "info", "audit", "serve", "clone", "node"})
    BOOST_CHECK_MESSAGE(r.out.find(cmd) != std::string::npos, cmd);
  r = cli({"help", "cat"});
  BOOST_CHECK_MESSAGE(r.ok(), r.describe());
  BOOST_CHECK(r.out.find("--raw") != std::string::npos);
  BOOST_CHECK(r.out.find("--live") != std::string::npos);
  r = cli({"help", "clonee"});
  BOOST_CHECK_EQUAL(r.exit_code, 2);
  BOOST_CHECK(r.err.find("did you mean 'clone'?") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(version_names_the_project_version_and_commit) {
  auto r = cli({"--version"});
  BOOST_CHECK_MESSAGE(r.ok(), r.describe());
  BOOST_CHECK_MESSAGE(
      std::regex_search(r.out, std::regex(R"(^ddatabase \d+\.\d+\.\d+ \(commit [0-9a-f]{7,})")),
      r.out);
}

BOOST_AUTO_TEST_CASE(runtime_errors_exit_1_with_the_code_name) {
  temp_dir tmp("ddb-cli-usage");
  std::string dir = tmp.str() + "/feed";
  make_feed(dir, 3);
  auto r = cli({"append", dir, "x"}, {});
  BOOST_REQUIRE(r.ok());
  auto ro = cli({"clone", std::string(64, 'a'), dir, "--peer", "127.0.0.1:1"});
  BOOST_CHECK_EQUAL(ro.exit_code, 1);  // another key is stored there
  BOOST_CHECK_MESSAGE(ro.err.rfind("ddatabase: key_mismatch: ", 0) == 0, ro.err);
}
