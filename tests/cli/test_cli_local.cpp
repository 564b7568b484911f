// Local commands: only create (and clone) make a feed; output is flushed before an error;
// cat --raw round-trips bytes; cat --end past the length prints what exists, then fails;
// cat --live follows another process's appends and stops on SIGINT/SIGTERM.
#define BOOST_TEST_MODULE cli_local
#include <csignal>
#include <random>

#include "tests/cli/cli_support.hpp"

using namespace ddb::test;

BOOST_AUTO_TEST_CASE(commands_other_than_create_never_create_a_feed) {
  temp_dir tmp("ddb-cli-local");
  std::string typo = tmp.str() + "/typo";
  for (const auto& args : std::vector<std::vector<std::string>>{{"audit", typo, "--json"},
                                                                {"append", typo, "x"},
                                                                {"info", typo, "--json"},
                                                                {"cat", typo},
                                                                {"serve", typo}}) {
    auto r = cli(args);
    BOOST_TEST_INFO(args[0] << ": " << r.describe());
    BOOST_CHECK_EQUAL(r.exit_code, 1);
    BOOST_CHECK_EQUAL(r.err.rfind("ddatabase: not_found: ", 0), 0u);
    BOOST_CHECK(!fs::exists(typo));
  }
  // An existing folder without a feed stays empty.
  fs::create_directory(typo);
  auto r = cli({"audit", typo});
  BOOST_CHECK_EQUAL(r.exit_code, 1);
  BOOST_CHECK(fs::is_empty(typo));
}

BOOST_AUTO_TEST_CASE(cat_raw_round_trips_random_bytes) {
  uint32_t seed = std::random_device{}();
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937 rng(seed);
  temp_dir tmp("ddb-cli-local");
  std::string dir = tmp.str() + "/feed", file = tmp.str() + "/input";
  std::string bytes(100000 + rng() % 50000, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng());  // newlines and NULs included
  std::ofstream(file, std::ios::binary) << bytes;
  BOOST_REQUIRE(cli({"create", dir}).ok());
  std::string block_size = std::to_string(1 + rng() % 5000);
  auto a = cli({"append", dir, "--file", file, "--block-size", block_size});
  BOOST_REQUIRE_MESSAGE(a.ok(), a.describe());
  auto r = cli({"cat", dir, "--raw"});
  BOOST_REQUIRE_MESSAGE(r.ok(), r.describe());
  BOOST_CHECK_MESSAGE(r.out == bytes, "seed " << seed << " block size " << block_size);
  auto plain = cli({"cat", dir});  // without --raw each block is followed by a newline
  BOOST_CHECK_EQUAL(plain.out.size(), bytes.size() + std::stoul(a.out));
}

BOOST_AUTO_TEST_CASE(cat_end_past_the_length_prints_every_block_then_fails) {
  temp_dir tmp("ddb-cli-local");
  std::string dir = tmp.str() + "/feed";
  make_feed(dir, 2500);  // more than one read batch (1024)
  auto r = cli({"cat", dir, "--end", "2501"});
  BOOST_CHECK_EQUAL(r.exit_code, 1);
  BOOST_CHECK_EQUAL(count_lines(r.out), 2500u);
  BOOST_CHECK(r.out.find(block_line(2499) + "\n") != std::string::npos);
  BOOST_CHECK_MESSAGE(
      r.err.find("ddatabase: bad_index: --end 2501 is past the feed's length 2500") !=
          std::string::npos,
      r.err);
  r = cli({"cat", dir, "--start", "2000", "--end", "2500"});
  BOOST_CHECK_MESSAGE(r.ok(), r.describe());
  BOOST_CHECK_EQUAL(count_lines(r.out), 500u);
  r = cli({"cat", dir, "--start", "2501"});
  BOOST_CHECK_EQUAL(r.exit_code, 1);
  BOOST_CHECK(r.out.empty());
}

void cat_live_follows_and_stops(int sig) {
  temp_dir tmp("ddb-cli-local");
  std::string dir = tmp.str() + "/feed";
  make_feed(dir, 3);
  background_process cat({ddb_bin(), "cat", dir, "--live"}, tmp.str() + "/cat");
  auto lines = [](size_t n) {
    return [n](const std::string& out) { return count_lines(out) >= n; };
  };
  BOOST_REQUIRE_MESSAGE(cat.wait_for_output(lines(3), 30s), cat.err());
  for (int round = 0; round < 3; ++round) {  // another process appends while cat waits
    auto a = cli({"append", dir, "more-" + std::to_string(round)});
    BOOST_REQUIRE_MESSAGE(a.ok(), a.describe());
    BOOST_CHECK_MESSAGE(cat.wait_for_output(lines(4 + round), 10s),
                        "round " << round << ": " << cat.out());
  }
  BOOST_CHECK(cat.out().find("more-2\n") != std::string::npos);
  auto took = stop_with(cat, sig);
  BOOST_CHECK_EQUAL(cat.exit_code(), 128 + sig);
  BOOST_CHECK_MESSAGE(took < 2500ms, "stopping took " << took.count() << " ms");
}

BOOST_AUTO_TEST_CASE(cat_live_follows_another_process_and_stops_on_sigterm) {
  cat_live_follows_and_stops(SIGTERM);
}

BOOST_AUTO_TEST_CASE(cat_live_stops_on_sigint) {
  cat_live_follows_and_stops(SIGINT);
}
