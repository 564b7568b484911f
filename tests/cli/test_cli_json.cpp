// The machine forms of `serve`, `append` and `cat` (--json): serve's bound address as one JSON
// line, append's lengths as {"length": N}, cat's blocks as {"index","byteLength","hex"} that
// carry the bytes exactly.
#define BOOST_TEST_MODULE cli_json
#include <csignal>
#include <random>
#include <sstream>

#include "tests/cli/cli_support.hpp"

using namespace ddb::test;

namespace {

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> all;
  std::istringstream lines(out);
  std::string l;
  while (std::getline(lines, l)) {
    auto j = nlohmann::json::parse(l, nullptr, false);
    BOOST_CHECK_MESSAGE(j.is_object(), "not a JSON object: " + l);
    if (j.is_object()) all.push_back(std::move(j));
  }
  return all;
}

std::string unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(append_and_cat_json) {
  temp_dir tmp("ddb-cli-json");
  const std::string dir = tmp / "feed";
  BOOST_REQUIRE(cli({"create", dir}).ok());
  auto one = cli({"append", dir, "hello", "world", "--json"});
  BOOST_REQUIRE_MESSAGE(one.ok(), one.describe());
  BOOST_CHECK_EQUAL(one.out, "{\"length\":2}\n");

  std::mt19937 rng(7);
  std::string bytes(3000, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  std::ofstream(tmp / "blob", std::ios::binary) << bytes;
  auto two =
      cli({"append", dir, "--file", tmp / "blob", "--block-size", "1024", "--json", "--progress"});
  BOOST_REQUIRE_MESSAGE(two.ok(), two.describe());
  auto lengths = json_lines(two.out);
  BOOST_REQUIRE(!lengths.empty());
  BOOST_CHECK_EQUAL(lengths.back().value("length", 0), 5);  // 2 + ceil(3000 / 1024)

  auto cat = cli({"cat", dir, "--json"});
  BOOST_REQUIRE_MESSAGE(cat.ok(), cat.describe());
  auto blocks = json_lines(cat.out);
  BOOST_REQUIRE_EQUAL(blocks.size(), 5u);
  BOOST_CHECK_EQUAL(unhex(blocks[0].value("hex", "")), "hello");
  BOOST_CHECK_EQUAL(blocks[1].value("byteLength", 0), 5);
  std::string round_trip;
  for (size_t i = 2; i < blocks.size(); ++i) {
    BOOST_CHECK_EQUAL(blocks[i].value("index", 0u), i);
    round_trip += unhex(blocks[i].value("hex", ""));
  }
  BOOST_CHECK(round_trip == bytes);
  auto from = cli({"cat", dir, "--json", "--start", "3", "--end", "4"});
  BOOST_REQUIRE(from.ok());
  auto only = json_lines(from.out);
  BOOST_REQUIRE_EQUAL(only.size(), 1u);
  BOOST_CHECK_EQUAL(only[0].value("index", 0), 3);
  // --json and --raw are two different forms.
  BOOST_CHECK_EQUAL(cli({"cat", dir, "--json", "--raw"}).exit_code, 2);
}

BOOST_AUTO_TEST_CASE(serve_json_prints_its_bound_address) {
  temp_dir tmp("ddb-cli-json");
  const std::string dir = tmp / "feed";
  make_feed(dir, 10);
  background_process serve({ddb_bin(), "serve", dir, "--listen", "127.0.0.1:0", "--json"},
                           tmp / "serve");
  std::string line = serve.wait_for_line("\"listening\"", 30s);
  auto j = nlohmann::json::parse(line, nullptr, false);
  BOOST_REQUIRE_MESSAGE(j.is_object(), "serve --json printed: " + serve.out() + serve.err());
  const std::string address = j.value("address", "");
  BOOST_CHECK_EQUAL(address.rfind("127.0.0.1:", 0), 0u);
  BOOST_CHECK_NE(address, "127.0.0.1:0");
  BOOST_REQUIRE_EQUAL(j["feeds"].size(), 1u);
  BOOST_CHECK_EQUAL(j["feeds"][0].value("length", 0), 10);
  BOOST_CHECK_EQUAL(j["feeds"][0].value("key", ""), info_json(dir).value("key", "?"));
  // The address is real: a clone from it gets the feed.
  auto clone = cli({"clone", j["feeds"][0].value("key", ""), tmp / "copy", "--peer", address});
  BOOST_CHECK_MESSAGE(clone.ok(), clone.describe());
  BOOST_CHECK_EQUAL(info_json(tmp / "copy").value("downloaded", 0), 10);
  stop_with(serve, SIGTERM);
}
