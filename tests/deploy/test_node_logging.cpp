// `node.log_level` at every level and the two line formats (docs/nodes.md): text lines start
// with an RFC 3339 UTC time and the level; --json lines carry "time" (RFC 3339) and "level" next
// to the "t" and "event" keys; lines below the level are not printed, `off` prints nothing; a
// SIGHUP that changes the level applies to the lines that follow.
#define BOOST_TEST_MODULE deploy_node_logging
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <regex>

#include "tests/deploy/deploy_support.hpp"

using namespace ddb::test;

namespace {

// A writer whose one static peer never answers (port 1): a dial_failed at every retry.
std::string yaml(const std::string& level) {
  return "node:\n  name: n\n  storage: data/n\n  log_level: " + level +
         "\n  status_interval_ms: 100\nfeeds:\n  - {name: main, mode: write}\n"
         "swarm:\n  static_peers: [127.0.0.1:1]\n  reconnect: {min_ms: 50, max_ms: 50}\n";
}

std::vector<std::string> levels_seen(const node_process& n) {
  std::vector<std::string> out;
  for (const json& e : n.events()) out.push_back(e.value("level", "?"));
  return out;
}

bool only(const std::vector<std::string>& seen, std::initializer_list<const char*> allowed) {
  for (const auto& l : seen) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || l == a;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(json_lines_carry_time_and_level_and_respect_the_level) {
  temp_dir dir("ddb-deploy-logging");
  node_process n("n", dir.str());
  n.configure(yaml("warn"));
  n.start();
  BOOST_REQUIRE_MESSAGE(eventually([&] { return n.saw("dial_failed"); }, 10s), n.describe());
  std::this_thread::sleep_for(500ms);  // several retries and status periods
  BOOST_CHECK(!n.saw("listening"));    // info: below warn
  BOOST_CHECK(!n.saw("status"));
  BOOST_CHECK_EQUAL(n.events("dial_failed").size(), 1u);  // the first failure is a warning
  const std::regex rfc3339(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)");
  for (const json& e : n.events()) {
    BOOST_CHECK_MESSAGE(std::regex_match(e.value("time", ""), rfc3339), e.dump());
    BOOST_CHECK(e.contains("t"));
    BOOST_CHECK(e.contains("event"));
  }
  BOOST_CHECK(only(levels_seen(n), {"warn"}));

  // debug: the repeated failures appear, at level debug; status lines at info.
  n.configure(yaml("debug"));
  n.signal(SIGHUP);
  BOOST_CHECK_MESSAGE(eventually([&] { return n.events("dial_failed").size() >= 3; }, 10s),
                      n.describe());
  BOOST_CHECK(eventually([&] { return n.saw("status"); }, 5s));
  BOOST_CHECK(n.saw("reloaded"));
  BOOST_CHECK_EQUAL(n.events("dial_failed").back().value("level", ""), "debug");
  BOOST_CHECK_EQUAL(n.events("status").back().value("level", ""), "info");
  BOOST_CHECK(only(levels_seen(n), {"warn", "info", "debug"}));

  // trace: every feed event too.
  n.configure(yaml("trace"));
  n.signal(SIGHUP);
  BOOST_CHECK(eventually([&] { return n.events("reloaded").size() == 2; }, 10s));

  // error: nothing but errors from now on (a broken file is one): the debug and info lines
  // (a dial failure every 50 ms, a status line every 100 ms) stop.
  n.configure(yaml("error"));
  n.signal(SIGHUP);
  BOOST_CHECK_MESSAGE(eventually(
                          [&] {
                            size_t before = n.events().size();
                            std::this_thread::sleep_for(600ms);
                            return n.events().size() == before;
                          },
                          15s),
                      n.describe());
  BOOST_CHECK_EQUAL(n.events("reloaded").size(), 2u);  // the third is an info line
  n.configure("node: [\n");
  n.signal(SIGHUP);
  BOOST_CHECK(eventually([&] { return n.saw("reload_failed"); }, 10s));
  BOOST_CHECK_EQUAL(n.events("reload_failed").back().value("level", ""), "error");
  BOOST_CHECK_EQUAL(n.stop(), 0);
  BOOST_CHECK(!n.saw("stopped"));  // info
}

BOOST_AUTO_TEST_CASE(text_lines_start_with_time_and_level_and_off_prints_nothing) {
  temp_dir dir("ddb-deploy-logging-text");
  auto run_text = [&](const std::string& level) {
    std::ofstream(dir / "t.yaml") << yaml(level);
    background_process p({ddb_bin(), "node", "--config", dir / "t.yaml"}, dir / ("t-" + level));
    std::this_thread::sleep_for(800ms);
    p.kill(SIGTERM);
    p.wait();
    BOOST_CHECK_EQUAL(p.exit_code(), 0);
    return p.out();
  };
  std::string info = run_text("info");
  const std::regex line(
      R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trace|debug|info|warn|error) \[n\] .+$)");
  std::istringstream lines(info);
  std::string l;
  int count = 0;
  while (std::getline(lines, l)) {
    BOOST_CHECK_MESSAGE(std::regex_match(l, line), l);
    ++count;
  }
  BOOST_CHECK_GE(count, 4);  // listening, feed, dial failed, status..., stopping, stopped
  BOOST_CHECK(info.find(" info [n] listening 127.0.0.1:") != std::string::npos);
  BOOST_CHECK(info.find(" warn [n] dial 127.0.0.1:1 failed") != std::string::npos);
  BOOST_CHECK(info.find(" info [n] stopped") != std::string::npos);
  BOOST_CHECK_EQUAL(run_text("off"), "");
}
