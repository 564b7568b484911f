// diff_configs: what a running node applies when its YAML is reloaded.
#define BOOST_TEST_MODULE config_diff
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>

#include "config/config_diff.hpp"
#include "config/config_loader.hpp"

namespace {

using namespace ddb;

const std::string key_a(64, 'a');

node_config load(const std::string& yaml) {
  auto r = load_config_string(yaml, "<string>", "/base");
  BOOST_REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
  return std::move(r).value();
}

const std::string base =
    "node: {name: n, storage: data}\n"
    "feeds:\n"
    "  - {name: w, mode: write}\n"
    "  - {name: f, mode: follow, key: " +
    key_a +
    "}\n"
    "swarm:\n  static_peers: [127.0.0.1:5000]\n"
    "extensions:\n  - {name: e, builtin: echo}\n";

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

BOOST_AUTO_TEST_CASE(same_config_is_empty) {
  config_diff d = diff_configs(load(base), load(base));
  BOOST_CHECK(d.empty());
  BOOST_CHECK(d.restart_needed.empty());
  BOOST_CHECK_EQUAL(d.summary(), "no changes");
}

BOOST_AUTO_TEST_CASE(feeds_added_removed_and_replaced) {
  std::string next = base;
  next.replace(next.find("  - {name: w, mode: write}\n"), 27,
               "  - {name: x, mode: write}\n  - name: w\n    mode: write\n"
               "    append: {blocks: 5}\n");
  next.replace(next.find("  - {name: f"), next.find("swarm:") - next.find("  - {name: f"), "");
  config_diff d = diff_configs(load(base), load(next));
  BOOST_CHECK(!d.empty());
  BOOST_CHECK(has(d.feeds_removed, "f"));
  BOOST_CHECK(has(d.feeds_removed, "w"));  // replaced: closed, then opened with the plan
  BOOST_CHECK(has(d.feeds_replaced, "w"));
  BOOST_REQUIRE_EQUAL(d.feeds_added.size(), 2u);
  BOOST_CHECK_EQUAL(d.feeds_added[0].name, "w");
  BOOST_REQUIRE(d.feeds_added[0].append.has_value());
  BOOST_CHECK_EQUAL(d.feeds_added[0].append->blocks, 5u);
  BOOST_CHECK_EQUAL(d.feeds_added[1].name, "x");
  BOOST_CHECK(!d.static_peers_changed);
  BOOST_CHECK(!d.access_changed);
  BOOST_CHECK_EQUAL(d.summary(), "feeds +x -f ~w");
}

BOOST_AUTO_TEST_CASE(peers_access_extensions_and_level) {
  std::string next = base;
  next.replace(next.find("127.0.0.1:5000"), 14, "127.0.0.1:5001");
  next += "  - {name: e2, builtin: echo}\n";
  next.replace(next.find("name: n,"), 8, "name: n, log_level: debug,");
  next.replace(next.find("swarm:\n"), 7, "swarm:\n  allow: [" + key_a + "]\n");
  config_diff d = diff_configs(load(base), load(next));
  BOOST_CHECK(d.feeds_added.empty());
  BOOST_CHECK(d.feeds_removed.empty());
  BOOST_CHECK(d.static_peers_changed);
  BOOST_CHECK(d.access_changed);
  BOOST_CHECK(d.log_level_changed);
  BOOST_CHECK(d.extensions_removed.empty());
  BOOST_REQUIRE_EQUAL(d.extensions_added.size(), 1u);
  BOOST_CHECK_EQUAL(d.extensions_added[0].name, "e2");
  BOOST_CHECK_EQUAL(d.summary(), "static peers, allow lists, extensions, log level");
}

BOOST_AUTO_TEST_CASE(feed_allow_alone_is_an_access_change) {
  std::string next = base;
  next.replace(next.find("{name: w, mode: write}"), 22,
               "{name: w, mode: write, allow: [" + key_a + "]}");
  config_diff d = diff_configs(load(base), load(next));
  BOOST_CHECK(d.feeds_added.empty());
  BOOST_CHECK(d.feeds_removed.empty());
  BOOST_CHECK(d.access_changed);
}

BOOST_AUTO_TEST_CASE(changed_extension_is_reloaded_and_fixed_keys_need_a_restart) {
  std::string next = base;
  next.replace(next.find("{name: e, builtin: echo}"), 24,
               "{name: e, builtin: echo, config: {x: 1}}");
  next.replace(next.find("storage: data"), 13, "storage: data2, listen: 127.0.0.1:7000");
  config_diff d = diff_configs(load(base), load(next));
  BOOST_CHECK(has(d.extensions_removed, "e"));
  BOOST_REQUIRE_EQUAL(d.extensions_added.size(), 1u);
  BOOST_CHECK_EQUAL(d.extensions_added[0].config_json, "{\"x\":1}");
  BOOST_CHECK(has(d.restart_needed, "node.storage"));
  BOOST_CHECK(has(d.restart_needed, "node.listen"));
  BOOST_CHECK(!has(d.restart_needed, "node.name"));
  // The feeds' storage moved with node.storage: they are replaced too.
  BOOST_CHECK_EQUAL(d.feeds_replaced.size(), 2u);
}

BOOST_AUTO_TEST_CASE(limits_are_a_change_of_their_own) {
  std::string next = base + "limits: {max_queued_requests: 64}\n";
  config_diff d = diff_configs(load(base), load(next));
  BOOST_CHECK(!d.empty());
  BOOST_CHECK(d.limits_changed);
  BOOST_CHECK(d.feeds_added.empty());
  BOOST_CHECK(d.feeds_removed.empty());
  BOOST_CHECK(d.restart_needed.empty());
  BOOST_CHECK_EQUAL(d.summary(), "limits");
  BOOST_CHECK(!diff_configs(load(next), load(next)).limits_changed);
}
