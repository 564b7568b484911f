// Crash consistency of `ddatabase append`: a child appends (stdin lines, or --file with
// --block-size) with --progress and is SIGKILLed at a random moment; afterwards the feed must hold
// at least every block the child reported, with the right contents, a clean audit and a valid
// latest signature, and must accept further appends. The loop runs on one directory, so later
// iterations crash a feed that already holds the survivors of earlier crashes.
//
// The seed is printed; DDB_TEST_SEED=<n> replays a run.
#define BOOST_TEST_MODULE crash_append
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "feed/feed.hpp"
#include "storage/env.hpp"
#include "tests/support/node.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ddb;
using namespace ddb::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

uint64_t test_seed() {
  static const uint64_t seed = [] {
    const char* s = std::getenv("DDB_TEST_SEED");
    if (s != nullptr && *s != '\0') return static_cast<uint64_t>(std::strtoull(s, nullptr, 10));
    return static_cast<uint64_t>(std::random_device{}()) << 32 | std::random_device{}();
  }();
  return seed;
}

run_result ddb_cli(const std::vector<std::string>& args) {
  std::vector<std::string> argv{ddb_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  run_options o;
  o.timeout = 120s;
  return run(argv, o);
}

json ddb_json(const std::vector<std::string>& args) {
  auto r = ddb_cli(args);
  BOOST_REQUIRE_MESSAGE(r.ok(), "ddatabase " << args.front() << " failed: " << r.describe());
  auto j = json::parse(r.out, nullptr, false);
  BOOST_REQUIRE_MESSAGE(j.is_object(), "not JSON: " << r.out);
  return j;
}

// The last complete line of `out` parsed as a length (nullopt if there is none).
std::optional<uint64_t> last_reported(const std::string& out) {
  auto end = out.rfind('\n');
  if (end == std::string::npos || end == 0) return std::nullopt;
  auto start = out.rfind('\n', end - 1);
  start = start == std::string::npos ? 0 : start + 1;
  return std::stoull(out.substr(start, end - start));
}

// What the feed must hold: blocks by a rule of their index, except a few written explicitly.
struct expected_feed {
  size_t block_size = 0;  // 0: "line-<i>" (stdin lines); else ref_block(i, block_size)
  std::map<uint64_t, std::string> explicit_blocks;
  uint64_t length = 0;
  uint64_t byte_length = 0;

  std::string rule(uint64_t i) const {
    return block_size == 0 ? "line-" + std::to_string(i) : ref_block(i, block_size);
  }
  std::string block(uint64_t i) const {
    auto it = explicit_blocks.find(i);
    return it != explicit_blocks.end() ? it->second : rule(i);
  }
  // Blocks [length, n) came from the rule.
  void grow_by_rule(uint64_t n) {
    for (uint64_t i = length; i < n; ++i) byte_length += rule(i).size();
    length = std::max(length, n);
  }
  void push(const std::string& b) {
    explicit_blocks[length++] = b;
    byte_length += b.size();
  }
};

// The child's input for blocks [start, start + count) by the rule.
void write_input(const std::string& path, const expected_feed& m, uint64_t start, uint64_t count) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  BOOST_REQUIRE(f);
  std::string buf;
  buf.reserve(1 << 20);
  for (uint64_t i = start; i < start + count; ++i) {
    buf += m.rule(i);
    if (m.block_size == 0) buf += '\n';
    if (buf.size() >= (1 << 20) - 8192) {
      f.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
  }
  f.write(buf.data(), static_cast<std::streamsize>(buf.size()));
  BOOST_REQUIRE(f.good());
}

// Checks the directory with our engine: length, byte length, the new blocks [from, length) in
// full, a random sample of older ones, and the latest signature (it must cover the last block).
void check_engine(const std::string& dir, const expected_feed& m, uint64_t from,
                  std::mt19937_64& rng) {
  BOOST_REQUIRE(crypto::init());
  feed_options opts;
  opts.create_if_missing = false;
  opts.writer_lock = false;
  auto opened = feed::open(make_file_env(dir), opts);
  BOOST_REQUIRE_MESSAGE(opened, "open: " << opened.error().to_string());
  auto& f = **opened;
  BOOST_REQUIRE_EQUAL(f.length(), m.length);
  BOOST_CHECK_EQUAL(f.byte_length(), m.byte_length);
  BOOST_CHECK_EQUAL(f.downloaded(), m.length);
  uint64_t bad = 0;
  for (uint64_t start = from; start < m.length; start += 65536) {
    uint64_t end = std::min(m.length, start + 65536);
    std::vector<byte_buffer> blocks;
    auto st = f.get_batch(start, end, blocks);
    BOOST_REQUIRE_MESSAGE(st, "get_batch [" << start << ", " << end << "): " << st.to_string());
    for (uint64_t i = start; i < end; ++i) {
      const auto& b = blocks[i - start];
      if (std::string(b.begin(), b.end()) != m.block(i) && bad++ < 5) {
        BOOST_ERROR("block " << i << " has the wrong contents");
      }
    }
  }
  for (int k = 0; k < 32 && from > 0; ++k) {
    uint64_t i = rng() % from;
    auto b = f.get(i);
    BOOST_REQUIRE_MESSAGE(b, "get " << i << ": " << b.error().to_string());
    if (std::string(b->begin(), b->end()) != m.block(i)) {
      ++bad;
      BOOST_ERROR("old block " << i << " has the wrong contents");
    }
  }
  BOOST_CHECK_EQUAL(bad, 0u);
  if (m.length > 0) {
    auto sig = f.signature();
    BOOST_REQUIRE_MESSAGE(sig, "signature: " << sig.error().to_string());
    BOOST_CHECK_EQUAL(sig->index, m.length - 1);
    auto ok = f.verify(sig->index, sig->signature);
    BOOST_REQUIRE(ok);
    BOOST_CHECK(*ok);
  }
  BOOST_CHECK(f.close());
}

struct crash_stats {
  int iterations = 0;
  int killed = 0;           // the child was still running when SIGKILL came
  int before_output = 0;    // killed before it reported anything
  uint64_t max_lost = 0;    // reported by the child but missing afterwards (must stay 0)
  uint64_t max_beyond = 0;  // durable beyond the last report (a batch written, not yet printed)
  uint64_t blocks = 0;
};

void crash_loop(const std::string& name, size_t block_size, int iterations, int max_delay_ms,
                uint64_t input_blocks) {
  const uint64_t seed = test_seed() ^ std::hash<std::string>{}(name);
  BOOST_TEST_MESSAGE(name << ": DDB_TEST_SEED=" << test_seed() << " (" << iterations
                          << " iterations)");
  std::mt19937_64 rng(seed);
  temp_dir tmp("ddb-crash");
  const std::string dir = tmp / "feed";
  const std::string input = tmp / "input";
  auto created = ddb_cli({"create", dir});
  BOOST_REQUIRE_MESSAGE(created.ok(), created.describe());

  expected_feed m;
  m.block_size = block_size;
  crash_stats stats;
  const auto started = std::chrono::steady_clock::now();
  for (int it = 0; it < iterations; ++it) {
    BOOST_TEST_CONTEXT(name << " seed " << test_seed() << " iteration " << it) {
      const uint64_t base = m.length;
      const uint64_t count = input_blocks;
      write_input(input, m, base, count);
      std::string cmd = "exec \"$0\" append \"$1\" --progress";
      cmd += block_size == 0 ? " < \"$2\""
                             : " --file \"$2\" --block-size " + std::to_string(block_size);
      background_process child({"sh", "-c", cmd, ddb_bin(), dir, input}, tmp / "child");
      // Kill after a random delay, or right after the k-th progress line.
      if (rng() % 3 != 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % (max_delay_ms - 4)));
      } else {
        const size_t lines = 1 + rng() % 4;
        child.wait_for_output(
            [&](const std::string& out) {
              return static_cast<size_t>(std::count(out.begin(), out.end(), '\n')) >= lines;
            },
            10s);
      }
      const bool was_running = child.running();
      child.kill(SIGKILL);
      child.wait();
      const std::string out = child.out();
      const auto reported = last_reported(out);
      ++stats.iterations;
      if (was_running && child.term_signal() == SIGKILL) {
        ++stats.killed;
        if (!reported) ++stats.before_output;
      } else {
        BOOST_CHECK_MESSAGE(child.exit_code() == 0, "child failed: " << child.err());
        BOOST_CHECK_EQUAL(reported.value_or(0), base + count);
        input_blocks *= 2;  // a faster machine: keep the next child busy until the kill
      }
      const uint64_t floor = reported.value_or(base);
      BOOST_CHECK_GE(floor, base);

      // The CLI's view.
      json info = ddb_json({"info", dir, "--json"});
      const uint64_t length = info["length"].get<uint64_t>();
      BOOST_CHECK_GE(length, floor);
      BOOST_REQUIRE_LE(length, base + count);
      if (length < floor) stats.max_lost = std::max(stats.max_lost, floor - length);
      if (length > floor) stats.max_beyond = std::max(stats.max_beyond, length - floor);
      m.grow_by_rule(length);
      BOOST_CHECK_EQUAL(info["byteLength"].get<uint64_t>(), m.byte_length);
      BOOST_CHECK_EQUAL(info["downloaded"].get<uint64_t>(), length);
      BOOST_CHECK_EQUAL(info["signatureValid"].get<bool>(), length > 0);
      BOOST_CHECK(info["writable"].get<bool>());

      check_engine(dir, m, base, rng);

      json audit = ddb_json({"audit", dir, "--json"});
      BOOST_CHECK_EQUAL(audit["valid"].get<uint64_t>(), length);
      BOOST_CHECK_EQUAL(audit["invalid"].get<uint64_t>(), 0u);

      // The feed keeps working after the crash.
      const std::string x = "x-" + std::to_string(it), y = "y-" + std::to_string(it);
      auto more = ddb_cli({"append", dir, x, y});
      BOOST_REQUIRE_MESSAGE(more.ok(), more.describe());
      BOOST_CHECK_EQUAL(more.out, std::to_string(length + 2) + "\n");
      m.push(x);
      m.push(y);
      check_engine(dir, m, length, rng);
    }
  }
  stats.blocks = m.length;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  BOOST_TEST_MESSAGE(name << ": iterations=" << stats.iterations << " killed_mid_run="
                          << stats.killed << " killed_before_first_report=" << stats.before_output
                          << " max_blocks_lost=" << stats.max_lost
                          << " max_blocks_beyond_last_report=" << stats.max_beyond
                          << " final_length=" << stats.blocks << " time=" << ms << "ms");
  BOOST_CHECK_EQUAL(stats.max_lost, 0u);
  // The input is long enough that nearly every child is still writing when it is killed.
  BOOST_CHECK_GE(stats.killed * 4, stats.iterations * 3);
}

}  // namespace

BOOST_AUTO_TEST_CASE(kill_during_stdin_append) {
  crash_loop("stdin", 0, 30, 200, 400000);
}

BOOST_AUTO_TEST_CASE(kill_during_file_append) {
  crash_loop("file", 1000, 15, 120, 40000);
}
