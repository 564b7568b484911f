#pragma once
// Shared by the on-disk compatibility suites (test_compat_files.cpp, test_compat_sparse_lock.cpp):
// fixture and file helpers, our CLI as a subprocess, and the checks of a feed written by the rule
// "block i of size s".
#include <boost/test/unit_test.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/feed_client.hpp"
#include "core/crypto.hpp"
#include "feed/feed.hpp"
#include "storage/env.hpp"
#include "tests/support/hex.hpp"
#include "tests/support/node.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace ddb {
inline std::ostream& boost_test_print_type(std::ostream& os, errc c) {
  return os << to_string(c);
}
}  // namespace ddb

namespace ddb::test::compat {

namespace fs = std::filesystem;
using nlohmann::json;

inline constexpr auto script_timeout = std::chrono::seconds(300);

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(f, "cannot read " << path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

inline json fixture_json() {
  return json::parse(slurp(fixtures_dir() + "/abcdef.json"));
}

inline std::string hex(byte_view b) {
  return to_hex(b);
}

inline std::string as_string(const byte_buffer& b) {
  return std::string(b.begin(), b.end());
}

// Compares two files byte for byte; reports the first differing offset.
inline void check_same_file(const std::string& ours, const std::string& theirs) {
  std::string a = slurp(ours), b = slurp(theirs);
  if (a == b) return;
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  BOOST_ERROR(fs::path(ours).filename().string()
              << ": differs from the reference at byte " << i << " (ours " << a.size()
              << " bytes, reference " << b.size() << " bytes)");
}

inline std::unique_ptr<feed> open_feed(const std::string& dir, feed_options opts = {}) {
  BOOST_REQUIRE(crypto::init());
  auto f = feed::open(make_file_env(dir), std::move(opts));
  BOOST_REQUIRE_MESSAGE(f, "open " << dir << ": " << f.error().to_string());
  return std::move(*f);
}

inline feed_options fixture_options(const json& j) {
  feed_options o;
  o.key = hex_array<32>(j["publicKey"].get<std::string>());
  o.secret_key = hex_array<64>(j["secretKey"].get<std::string>());
  return o;
}

inline void check_roots(const std::vector<tree_node>& roots, const json& want) {
  BOOST_REQUIRE_EQUAL(roots.size(), want.size());
  for (size_t r = 0; r < roots.size(); ++r) {
    BOOST_CHECK_EQUAL(roots[r].index, want[r]["index"].get<uint64_t>());
    BOOST_CHECK_EQUAL(roots[r].size, want[r]["size"].get<uint64_t>());
    BOOST_CHECK_EQUAL(hex(roots[r].hash), want[r]["hash"].get<std::string>());
  }
}

// The expected bytes of blocks [start, end) by the block rule.
inline uint64_t rule_bytes(uint64_t start, uint64_t end, size_t size) {
  uint64_t n = 0;
  for (uint64_t i = start; i < end; ++i) n += ref_block(i, size).size();
  return n;
}

// Opens `dir` with our engine and checks everything about a feed whose blocks all follow the
// block rule: length, byte length, every block, the latest signature, and a clean audit.
inline void check_rule_feed(const std::string& dir, uint64_t length, size_t size) {
  auto f = open_feed(dir);
  BOOST_REQUIRE_EQUAL(f->length(), length);
  BOOST_CHECK_EQUAL(f->byte_length(), rule_bytes(0, length, size));
  BOOST_CHECK(f->writable());  // the reference stores the secret key
  BOOST_CHECK_EQUAL(f->downloaded(), length);
  uint64_t bad = 0;
  for (uint64_t start = 0; start < length; start += 4096) {
    uint64_t end = std::min(length, start + 4096);
    std::vector<byte_buffer> blocks;
    auto st = f->get_batch(start, end, blocks);
    BOOST_REQUIRE_MESSAGE(st, "get_batch " << start << ": " << st.to_string());
    BOOST_REQUIRE_EQUAL(blocks.size(), end - start);
    for (uint64_t i = start; i < end; ++i) {
      if (as_string(blocks[i - start]) != ref_block(i, size)) {
        if (bad++ < 5) BOOST_ERROR("block " << i << " differs from the block rule");
      }
    }
  }
  BOOST_CHECK_EQUAL(bad, 0u);
  auto single = f->get(length - 1);
  BOOST_REQUIRE(single);
  BOOST_CHECK(as_string(*single) == ref_block(length - 1, size));
  auto sig = f->signature();
  BOOST_REQUIRE_MESSAGE(sig, sig.error().to_string());
  BOOST_CHECK_EQUAL(sig->index, length - 1);
  auto ok = f->verify(sig->index, sig->signature);
  BOOST_REQUIRE(ok);
  BOOST_CHECK(*ok);
  auto roots = f->root_hashes(length - 1);
  BOOST_REQUIRE(roots);
  BOOST_CHECK(crypto::verify_roots(*roots, length, sig->signature, f->key()));
  auto report = f->audit();
  BOOST_REQUIRE(report);
  BOOST_CHECK_EQUAL(report->valid, length);
  BOOST_CHECK_EQUAL(report->invalid, 0u);
  BOOST_CHECK(f->close());
}

// ref_read.js over a whole feed whose blocks follow the rule.
inline void check_ref_read(const std::string& dir, uint64_t length, size_t size,
                           const std::string& key_hex = {}) {
  auto r = ref_json("ref_read.js", {dir, "--expect-count", std::to_string(length)}, script_timeout);
  BOOST_TEST_MESSAGE("ref_read: " << r.dump());
  BOOST_CHECK_EQUAL(r["length"].get<uint64_t>(), length);
  BOOST_CHECK_EQUAL(r["byteLength"].get<uint64_t>(), rule_bytes(0, length, size));
  BOOST_CHECK_EQUAL(r["count"].get<uint64_t>(), length);
  BOOST_CHECK_EQUAL(r["valid"].get<uint64_t>(), length);
  BOOST_CHECK_EQUAL(r["invalid"].get<uint64_t>(), 0u);
  BOOST_CHECK(r["signatureValid"].get<bool>());
  BOOST_CHECK(r["writable"].get<bool>());
  BOOST_CHECK_EQUAL(r["sha256"].get<std::string>(), ref_blocks_sha256(0, length, size));
  if (!key_hex.empty()) BOOST_CHECK_EQUAL(r["key"].get<std::string>(), key_hex);
}

inline std::vector<byte_buffer> rule_blocks(uint64_t start, uint64_t end, size_t size) {
  std::vector<byte_buffer> out;
  for (uint64_t i = start; i < end; ++i) {
    std::string b = ref_block(i, size);
    out.emplace_back(b.begin(), b.end());
  }
  return out;
}

inline run_result ddb_cli(const std::vector<std::string>& args,
                          const std::string& stdin_text = {}) {
  std::vector<std::string> argv{ddb_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  run_options o;
  o.timeout = std::chrono::seconds(120);
  o.stdin_text = stdin_text;
  return run(argv, o);
}

inline json ddb_json(const std::vector<std::string>& args) {
  auto r = ddb_cli(args);
  BOOST_REQUIRE_MESSAGE(r.ok(), "ddatabase failed: " << r.describe());
  auto j = json::parse(r.out, nullptr, false);
  BOOST_REQUIRE_MESSAGE(j.is_object(), "not JSON: " << r.out);
  return j;
}

inline const char* const fixture_files[] = {"key",        "secret_key", "tree",
                                            "signatures", "bitfield",   "data"};

}  // namespace ddb::test::compat
