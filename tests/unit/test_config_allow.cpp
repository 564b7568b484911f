// `swarm.allow` / `swarm.allow_file` and the feeds' `allow` / `allow_file`: who may replicate.
#define BOOST_TEST_MODULE config_allow
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <string>

#include "config/config_loader.hpp"
#include "node/access_policy.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace ddb;

const std::string hex_a(64, 'a');
const std::string hex_b(64, 'b');
const std::string hex_c(64, 'c');

public_key key_of(char c) {
  public_key k{};
  k.fill(static_cast<uint8_t>(c == 'a' ? 0xaa : c == 'b' ? 0xbb : 0xcc));
  return k;
}

std::string write(const test::temp_dir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name) << text;
  return dir / name;
}

result<node_config> load(const test::temp_dir& dir, const std::string& yaml) {
  return load_config_file(write(dir, "node.yaml", yaml));
}

}  // namespace

BOOST_AUTO_TEST_CASE(default_is_open) {
  test::temp_dir dir("ddb-allow");
  auto c = load(dir, "node: {name: n}\nfeeds:\n  - {name: a, mode: write}\n");
  BOOST_REQUIRE_MESSAGE(c.has_value(), c.error().to_string());
  BOOST_CHECK(!c->swarm.allow.has_value());
  BOOST_CHECK(!c->feeds[0].allow.has_value());
}

BOOST_AUTO_TEST_CASE(lists_and_files_join) {
  test::temp_dir dir("ddb-allow");
  write(dir, "peers.txt",
        "# the operator's friends\n\n" + hex_b + "   # bob\n  " + hex_c + "\n" + hex_b + "\n");
  auto c = load(dir, "node: {name: n}\nfeeds:\n  - name: a\n    mode: write\n    allow: [" + hex_c +
                         "]\n  - {name: b, mode: write}\nswarm:\n  allow: [" + hex_a +
                         "]\n  allow_file: peers.txt\n");
  BOOST_REQUIRE_MESSAGE(c.has_value(), c.error().to_string());
  BOOST_REQUIRE(c->swarm.allow.has_value());
  BOOST_REQUIRE_EQUAL(c->swarm.allow->size(), 3u);  // duplicates dropped
  BOOST_CHECK((*c->swarm.allow)[0] == key_of('a'));
  BOOST_CHECK((*c->swarm.allow)[1] == key_of('b'));
  BOOST_CHECK((*c->swarm.allow)[2] == key_of('c'));
  BOOST_REQUIRE(c->feeds[0].allow.has_value());
  BOOST_CHECK(*c->feeds[0].allow == std::vector<public_key>{key_of('c')});
  BOOST_CHECK(!c->feeds[1].allow.has_value());
  // An empty list is a list: nobody.
  auto none = load(dir, "node: {name: n}\nswarm:\n  allow: []\n");
  BOOST_REQUIRE(none.has_value());
  BOOST_REQUIRE(none->swarm.allow.has_value());
  BOOST_CHECK(none->swarm.allow->empty());
}

BOOST_AUTO_TEST_CASE(errors_name_file_line_and_key) {
  test::temp_dir dir("ddb-allow");
  const std::string yaml = dir / "node.yaml";
  auto bad_hex =
      load(dir, "node: {name: n}\nswarm:\n  allow:\n    - " + std::string(64, 'g') + "\n");
  BOOST_REQUIRE(!bad_hex.has_value());
  BOOST_CHECK_EQUAL(bad_hex.error().message(),
                    yaml + ":4: swarm.allow[0]: not hex: \"" + std::string(64, 'g') + "\"");
  auto short_key = load(dir, "node: {name: n}\nswarm:\n  allow: [abcd]\n");
  BOOST_REQUIRE(!short_key.has_value());
  BOOST_CHECK_EQUAL(short_key.error().message(),
                    yaml + ":3: swarm.allow[0]: expected 64 hex characters (a 32-byte key), got 4");
  auto missing = load(dir, "node: {name: n}\nswarm:\n  allow_file: nope.txt\n");
  BOOST_REQUIRE(!missing.has_value());
  BOOST_CHECK_EQUAL(missing.error().message(), yaml + ":3: swarm.allow_file: " +
                                                   (dir / "nope.txt") + ": allow file not found");
  // Never a device or a pipe (it could be endless).
  auto device = load(dir, "node: {name: n}\nswarm:\n  allow_file: /dev/zero\n");
  BOOST_REQUIRE(!device.has_value());
  BOOST_CHECK_MESSAGE(
      device.error().message().find(yaml + ":3: swarm.allow_file: /dev/zero: ") == 0,
      device.error().message());
  // A bad line in the file: the file's own name and line.
  const std::string list = write(dir, "list.txt", hex_a + "\n# ok\n" + hex_b + "ff\n");
  auto in_file = load(dir,
                      "node: {name: n}\nfeeds:\n  - name: a\n    mode: write\n"
                      "    allow_file: list.txt\n");
  BOOST_REQUIRE(!in_file.has_value());
  BOOST_CHECK_EQUAL(
      in_file.error().message(),
      list + ":3: feeds[0].allow_file: expected 64 hex characters (a 32-byte key), got 66");
  auto not_list = load(dir, "node: {name: n}\nswarm:\n  allow: " + hex_a + "\n");
  BOOST_REQUIRE(!not_list.has_value());
  BOOST_CHECK(not_list.error().message().find(yaml + ":3: swarm.allow") == 0);
}

BOOST_AUTO_TEST_CASE(policy_restricts_node_then_feed) {
  access_policy p;
  hash_t open_feed{}, private_feed{};
  private_feed[0] = 1;
  BOOST_CHECK(p.open());
  BOOST_CHECK(p.admits(key_of('c')));
  p.set(std::vector<public_key>{key_of('a'), key_of('b')}, {{private_feed, {key_of('a')}}});
  BOOST_CHECK(!p.open());
  BOOST_CHECK(p.admits(key_of('a')));
  BOOST_CHECK(!p.admits(key_of('c')));
  BOOST_CHECK_EQUAL(p.refused_peers(), 1u);
  BOOST_CHECK(p.admits(open_feed, key_of('b')));
  BOOST_CHECK(!p.admits(private_feed, key_of('b')));
  BOOST_CHECK(p.admits(private_feed, key_of('a')));
  BOOST_CHECK(!p.allowed(private_feed, key_of('c')));  // not counted
  BOOST_CHECK_EQUAL(p.refused_channels(), 1u);
  // Feed lists alone: every peer connects, the feed stays private.
  p.set(std::nullopt, {{private_feed, {key_of('a')}}});
  BOOST_CHECK(p.admits(key_of('c')));
  BOOST_CHECK(!p.admits(private_feed, key_of('c')));
}
