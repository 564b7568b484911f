// `ddatabase append DIR` reading stdin: one block per line, cut exactly as std::getline cut it
// (the bytes before each '\n', a '\r' kept, empty lines as empty blocks, a last line without
// '\n' as a block, no block for 0 bytes), also for lines longer than one read of stdin (1 MiB)
// and lines that straddle reads; a line over the 8 MiB block limit fails the command; batches
// stay at most 4096 lines.
#define BOOST_TEST_MODULE cli_append
#include <random>

#include "tests/cli/cli_support.hpp"

using namespace ddb::test;

namespace {

// The blocks std::getline makes of `text` (what `append` did before it read stdin in chunks).
std::vector<std::string> getline_blocks(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Appends `text` to a new feed through stdin, then checks the feed holds getline's blocks, byte
// for byte: its length, and `cat` (each block followed by '\n'; no block holds a '\n').
void check_round_trip(const std::string& text, const std::string& what) {
  BOOST_TEST_CONTEXT(what << " (" << text.size() << " bytes)") {
    temp_dir tmp("ddb-cli-append");
    std::string dir = tmp.str() + "/feed";
    BOOST_REQUIRE(cli({"create", dir}).ok());
    run_options o;
    o.stdin_text = text;
    auto a = cli({"append", dir}, o);
    BOOST_REQUIRE_MESSAGE(a.ok(), a.describe());
    auto want = getline_blocks(text);
    BOOST_CHECK_EQUAL(a.out, std::to_string(want.size()) + "\n");
    BOOST_CHECK_EQUAL(info_json(dir)["length"].get<size_t>(), want.size());
    std::string joined;
    for (const auto& b : want) joined += b + "\n";
    auto c = cli({"cat", dir});
    BOOST_REQUIRE_MESSAGE(c.ok(), c.describe());
    BOOST_CHECK(c.out == joined);  // not CHECK_EQUAL: megabytes
    BOOST_CHECK_EQUAL(c.out.size(), joined.size());
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(small_inputs_cut_as_getline_cut_them) {
  check_round_trip("", "0 bytes");
  check_round_trip("\n", "one empty line");
  check_round_trip("\n\n\n", "three empty lines");
  check_round_trip("last line without newline", "no newline at all");
  check_round_trip("a\nb\n\nc\n\n\nd", "empty lines inside, last line without newline");
  check_round_trip("crlf\r\nlines\r\n\r\nend\r", "CRLF: the '\\r' stays in the block");
  check_round_trip(std::string("nul\0byte\nand\0\n", 15), "NUL bytes");
}

BOOST_AUTO_TEST_CASE(lines_longer_than_a_read_and_across_reads) {
  // A 2.5 MiB line (over two 1 MiB reads), then one without '\n' at the end.
  std::string big(5 << 19, 'x');
  for (size_t i = 0; i < big.size(); i += 4093) big[i] = static_cast<char>('a' + i % 26);
  check_round_trip("first\n" + big + "\nbetween\n\n" + big, "2.5 MiB lines");

  uint32_t seed = std::random_device{}();
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937 rng(seed);
  std::string text;  // ~3 MiB of lines from 0 to ~300 KiB: many end near a read boundary
  while (text.size() < (3u << 20)) {
    size_t len = rng() % 8 == 0 ? rng() % 300000 : rng() % 200;
    for (size_t i = 0; i < len; ++i) {
      char c = static_cast<char>(rng() % 256);
      text += c == '\n' ? '\r' : c;
    }
    text += '\n';
  }
  if (rng() % 2 == 0) text += "tail without newline";
  check_round_trip(text, "random lines, seed " + std::to_string(seed));
}

BOOST_AUTO_TEST_CASE(a_line_over_the_block_limit_fails) {
  temp_dir tmp("ddb-cli-append");
  std::string dir = tmp.str() + "/feed";
  BOOST_REQUIRE(cli({"create", dir}).ok());
  run_options o;
  o.stdin_text = "short\n" + std::string((8u << 20) + 1, 'y') + "\n";
  auto a = cli({"append", dir}, o);
  BOOST_CHECK_EQUAL(a.exit_code, 1);
  BOOST_CHECK_MESSAGE(a.err.find("block_too_large") != std::string::npos, a.describe());
  // A line of exactly 8 MiB is a block.
  o.stdin_text = std::string(8u << 20, 'z');
  auto ok = cli({"append", dir}, o);
  BOOST_CHECK_MESSAGE(ok.ok(), ok.describe());
}

// Batches stay at most 4096 lines (--progress prints the length after each one), however many
// lines one read of stdin holds.
BOOST_AUTO_TEST_CASE(progress_follows_batches_of_4096_lines) {
  temp_dir tmp("ddb-cli-append");
  std::string dir = tmp.str() + "/feed";
  BOOST_REQUIRE(cli({"create", dir}).ok());
  run_options o;
  for (int i = 0; i < 10000; ++i) o.stdin_text += "x\n";
  auto a = cli({"append", dir, "--progress"}, o);
  BOOST_REQUIRE_MESSAGE(a.ok(), a.describe());
  BOOST_CHECK_EQUAL(a.out, "4096\n8192\n10000\n10000\n");  // the last line: the final length
}
