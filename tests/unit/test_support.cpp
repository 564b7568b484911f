// Tests of the test helpers in tests/support/: process capture and timeout,
// background children, temp dirs, and a round trip through the reference's
// ref_write.js / ref_read.js scripts.
#define BOOST_TEST_MODULE support
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/node.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace std::chrono_literals;
namespace t = ddb::test;

BOOST_AUTO_TEST_CASE(run_captures_stdout_stderr_and_status) {
  auto r = t::run({"sh", "-c", "echo hello; echo oops >&2; exit 3"});
  BOOST_TEST(r.out == "hello\n");
  BOOST_TEST(r.err == "oops\n");
  BOOST_TEST(r.exit_code == 3);
  BOOST_TEST(r.term_signal == 0);
  BOOST_TEST(!r.timed_out);
  BOOST_TEST(!r.ok());
}

BOOST_AUTO_TEST_CASE(run_feeds_stdin_and_env) {
  t::run_options o;
  o.stdin_text = std::string(200000, 'x') + "\n";  // more than a pipe buffer
  o.env = {"DDB_SUPPORT_TEST=42"};
  auto r = t::run({"sh", "-c", "wc -c; echo $DDB_SUPPORT_TEST"}, o);
  BOOST_TEST(r.ok());
  BOOST_TEST(r.out == "200001\n42\n");
}

BOOST_AUTO_TEST_CASE(run_reports_missing_program) {
  auto r = t::run({"/nonexistent/ddb-no-such-program"});
  BOOST_TEST(r.exit_code == 127);
}

BOOST_AUTO_TEST_CASE(run_kills_on_timeout) {
  t::run_options o;
  o.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  // The grandchild (sleep) holds the pipes too: the group kill must reach it.
  auto r = t::run({"sh", "-c", "echo started; sleep 30; echo never"}, o);
  auto took = std::chrono::steady_clock::now() - start;
  BOOST_TEST(r.timed_out);
  BOOST_TEST(r.term_signal == SIGKILL);
  BOOST_TEST(r.out == "started\n");
  BOOST_TEST((took < 10s));
}

BOOST_AUTO_TEST_CASE(background_process_output_and_kill) {
  t::temp_dir dir;
  t::background_process p({"sh", "-c", "echo listening 127.0.0.1:1234; exec sleep 30"},
                          dir / "child");
  auto line = p.wait_for_line("listening", 10s);
  BOOST_TEST(line == "listening 127.0.0.1:1234");
  BOOST_TEST(p.running());
  p.kill();
  p.wait();
  BOOST_TEST(!p.running());
  BOOST_TEST(p.term_signal() == SIGKILL);
}

BOOST_AUTO_TEST_CASE(background_process_exit_code) {
  t::temp_dir dir;
  t::background_process p({"sh", "-c", "echo bye >&2; exit 5"}, dir / "child");
  BOOST_TEST(p.wait() == 5);
  BOOST_TEST(p.err() == "bye\n");
  BOOST_TEST(p.wait_for_line("never", 100ms).empty());
}

BOOST_AUTO_TEST_CASE(temp_dir_is_removed) {
  std::filesystem::path kept;
  {
    t::temp_dir dir("ddb-support");
    kept = dir.path();
    std::ofstream(dir / "file") << "x";
    BOOST_TEST(std::filesystem::exists(dir / "file"));
  }
  if (std::getenv("DDB_KEEP_TMP") == nullptr) BOOST_TEST(!std::filesystem::exists(kept));
}

BOOST_AUTO_TEST_CASE(block_rule) {
  BOOST_TEST(t::ref_block(42) == "block-00000042");
  BOOST_TEST(t::ref_block(123456789, 0, "x") == "x123456789");
  auto b = t::ref_block(40, 300);
  BOOST_TEST(b.size() == 300u);
  BOOST_TEST(static_cast<unsigned char>(b[0]) == 280 % 251);
  BOOST_TEST(static_cast<unsigned char>(b[222]) == 0);
  BOOST_TEST(t::sha256_hex("abc") ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_CASE(reference_round_trip_100_blocks) {
  if (!t::reference_available()) {
    BOOST_TEST_MESSAGE("reference not installed (cd tests/interop && npm ci): skipped");
    return;
  }
  t::temp_dir dir;
  auto feed = dir / "feed";
  auto w = t::ref_json("ref_write.js", {feed, "--count", "100", "--batch", "7"});
  BOOST_TEST(w["length"] == 100);
  BOOST_TEST(w["key"].get<std::string>().size() == 64u);

  auto r = t::run_script("ref_read.js", {feed, "--expect-count", "100"});
  BOOST_TEST_REQUIRE(r.ok(), r.describe());
  BOOST_TEST(r.json["length"] == 100);
  BOOST_TEST(r.json["count"] == 100);
  BOOST_TEST(r.json["valid"] == 100);
  BOOST_TEST(r.json["invalid"] == 0);
  BOOST_TEST(r.json["signatureValid"] == true);
  BOOST_TEST(r.json["writable"] == true);
  BOOST_TEST(r.json["key"] == w["key"]);
  BOOST_TEST(r.json["byteLength"] == w["byteLength"]);
  BOOST_TEST(r.json["byteLength"] == 100 * 14);
  BOOST_TEST(r.json["sha256"] == t::ref_blocks_sha256(0, 100));

  // Sized blocks, a sub-range, and an append continuing the rule.
  auto sized = dir / "sized";
  t::ref_json("ref_write.js", {sized, "--count", "10", "--size", "1000"});
  auto a = t::ref_json("ref_append.js", {sized, "--gen", "5", "--size", "1000"});
  BOOST_TEST(a["length"] == 15);
  auto part = t::ref_json("ref_read.js", {sized, "--start", "5", "--end", "15"});
  BOOST_TEST(part["count"] == 10);
  BOOST_TEST(part["sha256"] == t::ref_blocks_sha256(5, 15, 1000));
  BOOST_TEST(part["valid"] == 15);

  // A missing feed is an error, reported as JSON.
  auto missing = t::run_script("ref_read.js", {dir / "nope"});
  BOOST_TEST(!missing.ok());
  BOOST_TEST(missing.proc.exit_code == 1);
  BOOST_TEST(missing.json.contains("error"));
  BOOST_TEST(!std::filesystem::exists(dir / "nope"));
}

BOOST_AUTO_TEST_CASE(fixture_abcdef_reads_back) {
  if (!t::reference_available()) return;
  t::temp_dir dir;
  auto copy = dir / "abcdef";
  std::filesystem::copy(t::fixtures_dir() + "/abcdef", copy);
  auto r = t::ref_json("ref_read.js", {copy, "--blocks"});
  BOOST_TEST(r["length"] == 6);
  BOOST_TEST(r["valid"] == 6);
  BOOST_TEST(r["signatureValid"] == true);
  BOOST_TEST(r["key"] == "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664");
  BOOST_TEST(r["sha256"] == t::sha256_hex("abcdef"));
  BOOST_TEST(r["blocks"][5] == "66");
}
