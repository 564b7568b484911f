// On-disk compatibility with the reference (ddatabase@10.0.4): byte-exact fixtures, feeds written
// by the reference and read/extended by us, feeds written by our CLI and read/extended by the
// reference, sparse (cleared) feeds both ways, and the single-writer lock between the two.
#define BOOST_TEST_MODULE compat_files
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
#include "log/feed.hpp"
#include "storage/env.hpp"
#include "tests/support/node.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ddb;
using namespace ddb::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace ddb {
inline std::ostream& boost_test_print_type(std::ostream& os, errc c) {
  return os << to_string(c);
}
}  // namespace ddb

namespace {

constexpr auto script_timeout = std::chrono::seconds(300);

#define SKIP_WITHOUT_REFERENCE()                                                            \
  do {                                                                                      \
    if (!reference_available()) {                                                           \
      BOOST_TEST_MESSAGE("reference not installed (cd tests/interop && npm ci): skipping"); \
      return;                                                                               \
    }                                                                                       \
  } while (0)

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(f, "cannot read " << path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

json fixture_json() {
  return json::parse(slurp(fixtures_dir() + "/abcdef.json"));
}

template <size_t N>
std::array<uint8_t, N> unhex_array(const std::string& hex) {
  byte_buffer b;
  BOOST_REQUIRE(from_hex(hex, b));
  BOOST_REQUIRE_EQUAL(b.size(), N);
  std::array<uint8_t, N> out{};
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

std::string hex(byte_view b) {
  return to_hex(b);
}

std::string as_string(const byte_buffer& b) {
  return std::string(b.begin(), b.end());
}

// Compares two files byte for byte; reports the first differing offset.
void check_same_file(const std::string& ours, const std::string& theirs) {
  std::string a = slurp(ours), b = slurp(theirs);
  if (a == b) return;
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  BOOST_ERROR(fs::path(ours).filename().string()
              << ": differs from the reference at byte " << i << " (ours " << a.size()
              << " bytes, reference " << b.size() << " bytes)");
}

std::unique_ptr<feed> open_feed(const std::string& dir, feed_options opts = {}) {
  BOOST_REQUIRE(crypto::init());
  auto f = feed::open(make_file_env(dir), std::move(opts));
  BOOST_REQUIRE_MESSAGE(f, "open " << dir << ": " << f.error().to_string());
  return std::move(*f);
}

feed_options fixture_options(const json& j) {
  feed_options o;
  o.key = unhex_array<32>(j["publicKey"].get<std::string>());
  o.secret_key = unhex_array<64>(j["secretKey"].get<std::string>());
  return o;
}

void check_roots(const std::vector<tree_node>& roots, const json& want) {
  BOOST_REQUIRE_EQUAL(roots.size(), want.size());
  for (size_t r = 0; r < roots.size(); ++r) {
    BOOST_CHECK_EQUAL(roots[r].index, want[r]["index"].get<uint64_t>());
    BOOST_CHECK_EQUAL(roots[r].size, want[r]["size"].get<uint64_t>());
    BOOST_CHECK_EQUAL(hex(roots[r].hash), want[r]["hash"].get<std::string>());
  }
}

// The expected bytes of blocks [start, end) by the block rule.
uint64_t rule_bytes(uint64_t start, uint64_t end, size_t size) {
  uint64_t n = 0;
  for (uint64_t i = start; i < end; ++i) n += ref_block(i, size).size();
  return n;
}

// Opens `dir` with our engine and checks everything about a feed whose blocks all follow the
// block rule: length, byte length, every block, the latest signature, and a clean audit.
void check_rule_feed(const std::string& dir, uint64_t length, size_t size) {
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
void check_ref_read(const std::string& dir, uint64_t length, size_t size,
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

std::vector<byte_buffer> rule_blocks(uint64_t start, uint64_t end, size_t size) {
  std::vector<byte_buffer> out;
  for (uint64_t i = start; i < end; ++i) {
    std::string b = ref_block(i, size);
    out.emplace_back(b.begin(), b.end());
  }
  return out;
}

run_result ddb_cli(const std::vector<std::string>& args, const std::string& stdin_text = {}) {
  std::vector<std::string> argv{ddb_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  run_options o;
  o.timeout = std::chrono::seconds(120);
  o.stdin_text = stdin_text;
  return run(argv, o);
}

json ddb_json(const std::vector<std::string>& args) {
  auto r = ddb_cli(args);
  BOOST_REQUIRE_MESSAGE(r.ok(), "ddatabase failed: " << r.describe());
  auto j = json::parse(r.out, nullptr, false);
  BOOST_REQUIRE_MESSAGE(j.is_object(), "not JSON: " << r.out);
  return j;
}

const char* const fixture_files[] = {"key", "secret_key", "tree", "signatures", "bitfield", "data"};

}  // namespace

// ---------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(fixtures)

BOOST_AUTO_TEST_CASE(single_appends_are_byte_exact) {
  const json j = fixture_json();
  temp_dir tmp("ddb-compat");
  const std::string dir = tmp / "feed";
  auto f = open_feed(dir, fixture_options(j));
  BOOST_CHECK_EQUAL(hex(f->key()), j["publicKey"].get<std::string>());
  BOOST_CHECK_EQUAL(hex(f->discovery_key()), j["discoveryKey"].get<std::string>());
  const auto sk = unhex_array<64>(j["secretKey"].get<std::string>());

  const auto& lengths = j["lengths"];
  BOOST_REQUIRE_EQUAL(lengths.size(), 6u);
  for (size_t n = 0; n < 6; ++n) {
    BOOST_TEST_CONTEXT("length " << n + 1) {
      const std::string block = j["blocks"][n].get<std::string>();
      auto first = f->append(std::vector<byte_view>{byte_view(block)});
      BOOST_REQUIRE_MESSAGE(first, first.error().to_string());
      BOOST_CHECK_EQUAL(*first, n);
      const json& want = lengths[n];
      BOOST_CHECK_EQUAL(f->length(), want["length"].get<uint64_t>());
      BOOST_CHECK_EQUAL(f->byte_length(), want["byteLength"].get<uint64_t>());
      check_roots(f->roots(), want["roots"]);
      BOOST_CHECK_EQUAL(hex(crypto::tree_hash(f->roots())), want["treeHash"].get<std::string>());
      BOOST_CHECK_EQUAL(hex(crypto::signable(f->roots(), f->length())),
                        want["signable"].get<std::string>());
      auto sig = f->signature(n);
      BOOST_REQUIRE_MESSAGE(sig, sig.error().to_string());
      BOOST_CHECK_EQUAL(sig->index, n);
      BOOST_CHECK_EQUAL(hex(sig->signature), want["signature"].get<std::string>());
      // Ed25519 is deterministic: signing the signable ourselves gives the same bytes.
      BOOST_CHECK_EQUAL(hex(crypto::sign(crypto::signable(f->roots(), f->length()), sk)),
                        want["signature"].get<std::string>());
    }
  }
  // Every earlier state is still answerable from the files.
  for (size_t n = 0; n < 6; ++n) {
    BOOST_TEST_CONTEXT("root_hashes(" << n << ")") {
      auto roots = f->root_hashes(n);
      BOOST_REQUIRE(roots);
      check_roots(*roots, lengths[n]["roots"]);
      auto sig = f->signature(n);
      BOOST_REQUIRE(sig);
      BOOST_CHECK_EQUAL(hex(sig->signature), lengths[n]["signature"].get<std::string>());
      auto ok = f->verify(n, sig->signature);
      BOOST_REQUIRE(ok);
      BOOST_CHECK(*ok);
    }
  }
  BOOST_REQUIRE(f->close());
  for (const char* name : fixture_files) {
    BOOST_TEST_CONTEXT(name) {
      check_same_file(tmp / (std::string("feed/") + name), fixtures_dir() + "/abcdef/" + name);
    }
  }
}

BOOST_AUTO_TEST_CASE(one_batch_signs_only_the_last_slot) {
  const json j = fixture_json();
  temp_dir tmp("ddb-compat");
  const std::string dir = tmp / "feed";
  auto f = open_feed(dir, fixture_options(j));
  std::vector<std::string> blocks = j["blocks"].get<std::vector<std::string>>();
  std::vector<byte_view> views(blocks.begin(), blocks.end());
  auto first = f->append(views);
  BOOST_REQUIRE(first);
  BOOST_CHECK_EQUAL(*first, 0u);
  BOOST_CHECK_EQUAL(f->length(), 6u);
  check_roots(f->roots(), j["lengths"][5]["roots"]);
  // Only slot 5 exists: signature(0) finds it.
  auto sig = f->signature(0);
  BOOST_REQUIRE(sig);
  BOOST_CHECK_EQUAL(sig->index, 5u);
  BOOST_CHECK_EQUAL(hex(sig->signature), j["lengths"][5]["signature"].get<std::string>());
  BOOST_REQUIRE(f->close());
  BOOST_CHECK_EQUAL(to_hex(byte_view(slurp(tmp / "feed/signatures"))),
                    j["batch"]["signatures"].get<std::string>());
  for (const char* name : {"tree", "data", "key", "secret_key"}) {
    BOOST_TEST_CONTEXT(name) {
      check_same_file(tmp / (std::string("feed/") + name), fixtures_dir() + "/abcdef/" + name);
    }
  }
  if (j["batch"].value("bitfieldEqualsSingle", false)) {
    check_same_file(tmp / "feed/bitfield", fixtures_dir() + "/abcdef/bitfield");
  }
}

BOOST_AUTO_TEST_CASE(compat_js_key_pair_signature) {
  const json j = fixture_json()["compat"];
  temp_dir tmp("ddb-compat");
  auto f = open_feed(tmp / "feed", fixture_options(j));
  std::vector<std::string> blocks = j["blocks"].get<std::vector<std::string>>();
  auto first = f->append(std::vector<byte_view>(blocks.begin(), blocks.end()));
  BOOST_REQUIRE(first);
  BOOST_CHECK_EQUAL(hex(crypto::signable(f->roots(), f->length())),
                    j["signable"].get<std::string>());
  auto sig = f->signature();
  BOOST_REQUIRE(sig);
  BOOST_CHECK_EQUAL(hex(sig->signature), j["signature"].get<std::string>());
  BOOST_CHECK(f->close());
}

BOOST_AUTO_TEST_CASE(we_read_the_fixture_directory) {
  const json j = fixture_json();
  temp_dir tmp("ddb-compat");
  fs::copy(fixtures_dir() + "/abcdef", tmp / "feed");
  auto f = open_feed(tmp / "feed");
  BOOST_CHECK_EQUAL(hex(f->key()), j["publicKey"].get<std::string>());
  BOOST_CHECK(f->writable());
  BOOST_REQUIRE_EQUAL(f->length(), 6u);
  BOOST_CHECK_EQUAL(f->byte_length(), 6u);
  std::vector<byte_buffer> blocks;
  BOOST_REQUIRE(f->get_batch(0, 6, blocks));
  for (size_t i = 0; i < 6; ++i) {
    BOOST_CHECK_EQUAL(as_string(blocks[i]), j["blocks"][i].get<std::string>());
  }
  for (uint64_t i = 0; i < 6; ++i) {
    auto sig = f->signature(i);
    BOOST_REQUIRE(sig);
    BOOST_CHECK_EQUAL(sig->index, i);
    auto ok = f->verify(i, sig->signature);
    BOOST_REQUIRE(ok);
    BOOST_CHECK(*ok);
  }
  auto report = f->audit();
  BOOST_REQUIRE(report);
  BOOST_CHECK_EQUAL(report->valid, 6u);
  BOOST_CHECK_EQUAL(report->invalid, 0u);
  BOOST_CHECK(f->close());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(reference_writes_we_read)

void reference_round_trip(uint64_t count, size_t size) {
  temp_dir tmp("ddb-compat");
  const std::string dir = tmp / "feed";
  std::vector<std::string> args{dir, "--count", std::to_string(count)};
  if (size > 0) args.insert(args.end(), {"--size", std::to_string(size)});
  auto w = ref_json("ref_write.js", args, script_timeout);
  BOOST_CHECK_EQUAL(w["length"].get<uint64_t>(), count);
  BOOST_CHECK_EQUAL(w["byteLength"].get<uint64_t>(), rule_bytes(0, count, size));
  const std::string key_hex = w["key"].get<std::string>();

  check_rule_feed(dir, count, size);
  {  // our engine extends the reference's feed (the secret key is on disk)
    auto f = open_feed(dir);
    BOOST_CHECK_EQUAL(hex(f->key()), key_hex);
    BOOST_CHECK_EQUAL(hex(f->discovery_key()), w["discoveryKey"].get<std::string>());
    BOOST_REQUIRE(f->writable());
    auto extra = rule_blocks(count, count + 60, size);
    auto first = f->append(extra);
    BOOST_REQUIRE_MESSAGE(first, first.error().to_string());
    BOOST_CHECK_EQUAL(*first, count);
    for (uint64_t i = count + 60; i < count + 100; ++i) {  // single appends too
      std::string b = ref_block(i, size);
      BOOST_REQUIRE(f->append(std::vector<byte_view>{byte_view(b)}));
    }
    BOOST_CHECK_EQUAL(f->length(), count + 100);
    BOOST_REQUIRE(f->close());
  }
  check_ref_read(dir, count + 100, size, key_hex);

  std::vector<std::string> gen{dir, "--gen", "50"};
  if (size > 0) gen.insert(gen.end(), {"--size", std::to_string(size)});
  auto a = ref_json("ref_append.js", gen, script_timeout);
  BOOST_CHECK_EQUAL(a["length"].get<uint64_t>(), count + 150);
  check_rule_feed(dir, count + 150, size);
  check_ref_read(dir, count + 150, size, key_hex);
}

BOOST_AUTO_TEST_CASE(small_blocks_20000) {
  SKIP_WITHOUT_REFERENCE();
  reference_round_trip(20000, 0);
}

BOOST_AUTO_TEST_CASE(kib_blocks_3000) {
  SKIP_WITHOUT_REFERENCE();
  reference_round_trip(3000, 1024);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(we_write_reference_reads)

BOOST_AUTO_TEST_CASE(cli_feed_5000) {
  SKIP_WITHOUT_REFERENCE();
  constexpr uint64_t count = 5000;
  temp_dir tmp("ddb-compat");
  const std::string dir = tmp / "feed";
  auto created = ddb_cli({"create", dir});
  BOOST_REQUIRE_MESSAGE(created.ok(), created.describe());
  std::string key_hex = created.out.substr(0, created.out.find('\n'));
  BOOST_REQUIRE_EQUAL(key_hex.size(), 64u);

  std::string input;
  for (uint64_t i = 0; i < count; ++i) input += ref_block(i) + "\n";
  auto appended = ddb_cli({"append", dir}, input);
  BOOST_REQUIRE_MESSAGE(appended.ok(), appended.describe());
  BOOST_CHECK_EQUAL(appended.out, std::to_string(count) + "\n");

  check_ref_read(dir, count, 0, key_hex);

  auto a = ref_json("ref_append.js", {dir, "--gen", "100"}, script_timeout);
  BOOST_CHECK_EQUAL(a["length"].get<uint64_t>(), count + 100);
  auto a2 = ref_json("ref_append.js", {dir, ref_block(count + 100), ref_block(count + 101)},
                     script_timeout);
  BOOST_CHECK_EQUAL(a2["length"].get<uint64_t>(), count + 102);
  const uint64_t total = count + 102;

  json info = ddb_json({"info", dir, "--json"});
  BOOST_TEST_MESSAGE("info: " << info.dump());
  BOOST_CHECK_EQUAL(info["key"].get<std::string>(), key_hex);
  BOOST_CHECK_EQUAL(info["length"].get<uint64_t>(), total);
  BOOST_CHECK_EQUAL(info["byteLength"].get<uint64_t>(), rule_bytes(0, total, 0));
  BOOST_CHECK_EQUAL(info["downloaded"].get<uint64_t>(), total);
  BOOST_CHECK(info["writable"].get<bool>());
  BOOST_CHECK(info["signatureValid"].get<bool>());

  json audit = ddb_json({"audit", dir, "--json"});
  BOOST_CHECK_EQUAL(audit["valid"].get<uint64_t>(), total);
  BOOST_CHECK_EQUAL(audit["invalid"].get<uint64_t>(), 0u);

  std::string expected;
  for (uint64_t i = 0; i < total; ++i) expected += ref_block(i) + "\n";
  auto cat = ddb_cli({"cat", dir});
  BOOST_REQUIRE_MESSAGE(cat.ok(), cat.describe());
  BOOST_CHECK(cat.out == expected);
  auto part = ddb_cli({"cat", dir, "--start", "4990", "--end", "5010"});
  BOOST_REQUIRE_MESSAGE(part.ok(), part.describe());
  std::string want_part;
  for (uint64_t i = 4990; i < 5010; ++i) want_part += ref_block(i) + "\n";
  BOOST_CHECK_EQUAL(part.out, want_part);

  // And we keep appending after the reference did; it still reads everything.
  auto more = ddb_cli({"append", dir, ref_block(total), ref_block(total + 1)});
  BOOST_REQUIRE_MESSAGE(more.ok(), more.describe());
  BOOST_CHECK_EQUAL(more.out, std::to_string(total + 2) + "\n");
  check_ref_read(dir, total + 2, 0, key_hex);
}

BOOST_AUTO_TEST_CASE(engine_feed_large_blocks) {
  SKIP_WITHOUT_REFERENCE();
  // Blocks of mixed sizes (1 byte .. 200 KiB) written in uneven batches by our engine.
  temp_dir tmp("ddb-compat");
  const std::string dir = tmp / "feed";
  std::vector<byte_buffer> all;
  {
    auto f = open_feed(dir);
    uint64_t i = 0;
    for (size_t batch : {1u, 2u, 3u, 7u, 1u, 16u, 33u, 5u}) {
      std::vector<byte_buffer> blocks;
      for (size_t k = 0; k < batch; ++k, ++i) {
        size_t size = 1 + (i * 7919) % (200 * 1024);
        std::string b = ref_block(i, size);
        blocks.emplace_back(b.begin(), b.end());
      }
      BOOST_REQUIRE(f->append(blocks));
      all.insert(all.end(), blocks.begin(), blocks.end());
    }
    BOOST_REQUIRE(f->close());
  }
  std::string concat;
  for (const auto& b : all) concat += as_string(b);
  auto r = ref_json("ref_read.js", {dir}, script_timeout);
  BOOST_CHECK_EQUAL(r["length"].get<uint64_t>(), all.size());
  BOOST_CHECK_EQUAL(r["byteLength"].get<uint64_t>(), concat.size());
  BOOST_CHECK_EQUAL(r["valid"].get<uint64_t>(), all.size());
  BOOST_CHECK_EQUAL(r["invalid"].get<uint64_t>(), 0u);
  BOOST_CHECK(r["signatureValid"].get<bool>());
  BOOST_CHECK_EQUAL(r["sha256"].get<std::string>(), sha256_hex(concat));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(sparse)

std::string has_string(feed& f) {
  std::string s;
  for (uint64_t i = 0; i < f.length(); ++i) s += f.has(i) ? '1' : '0';
  return s;
}

BOOST_AUTO_TEST_CASE(reference_clears_we_read) {
  SKIP_WITHOUT_REFERENCE();
  constexpr uint64_t count = 100;
  temp_dir tmp("ddb-compat");
  const std::string dir = tmp / "feed";
  ref_json("ref_write.js", {dir, "--count", std::to_string(count), "--batch", "7"});
  auto s = ref_json("ref_sparse.js", {dir, "--clear", "10", "40"});
  BOOST_CHECK_EQUAL(s["downloaded"].get<uint64_t>(), 70u);
  const std::string want_has = std::string(10, '1') + std::string(30, '0') + std::string(60, '1');
  BOOST_CHECK_EQUAL(s["has"].get<std::string>(), want_has);

  {
    auto f = open_feed(dir);
    BOOST_REQUIRE_EQUAL(f->length(), count);
    BOOST_CHECK_EQUAL(f->byte_length(), rule_bytes(0, count, 0));
    BOOST_CHECK_EQUAL(has_string(*f), want_has);
    BOOST_CHECK_EQUAL(f->downloaded(), 70u);
    BOOST_CHECK_EQUAL(f->downloaded(10, 40), 0u);
    BOOST_CHECK_EQUAL(f->downloaded(0, 20), 10u);
    BOOST_CHECK(f->has(0, 10));
    BOOST_CHECK(!f->has(5, 15));
    BOOST_CHECK(f->has(40, 100));
    auto missing = f->get(15);
    BOOST_REQUIRE(!missing);
    BOOST_CHECK_EQUAL(missing.error().code(), errc::unavailable);
    for (uint64_t i : {0u, 9u, 40u, 99u}) {
      auto b = f->get(i);
      BOOST_REQUIRE_MESSAGE(b, "get " << i << ": " << b.error().to_string());
      BOOST_CHECK_EQUAL(as_string(*b), ref_block(i));
    }
    auto sig = f->signature();
    BOOST_REQUIRE(sig);
    auto ok = f->verify(sig->index, sig->signature);
    BOOST_REQUIRE(ok);
    BOOST_CHECK(*ok);
    auto report = f->audit();
    BOOST_REQUIRE(report);
    BOOST_CHECK_EQUAL(report->valid, 70u);
    BOOST_CHECK_EQUAL(report->invalid, 0u);
    BOOST_CHECK_EQUAL(has_string(*f), want_has);  // audit leaves cleared blocks alone

    // We clear more; the reference sees both holes.
    BOOST_REQUIRE(f->clear(60, 70));
    BOOST_CHECK_EQUAL(f->downloaded(), 60u);
    BOOST_REQUIRE(f->close());
  }
  json info = ddb_json({"info", dir, "--json"});
  BOOST_CHECK_EQUAL(info["length"].get<uint64_t>(), count);
  BOOST_CHECK_EQUAL(info["downloaded"].get<uint64_t>(), 60u);

  const std::string want_has2 = std::string(10, '1') + std::string(30, '0') + std::string(20, '1') +
                                std::string(10, '0') + std::string(30, '1');
  auto s2 = ref_json("ref_sparse.js", {dir});
  BOOST_CHECK_EQUAL(s2["length"].get<uint64_t>(), count);
  BOOST_CHECK_EQUAL(s2["downloaded"].get<uint64_t>(), 60u);
  BOOST_CHECK_EQUAL(s2["has"].get<std::string>(), want_has2);
  auto r = ref_json("ref_read.js", {dir, "--start", "70"});
  BOOST_CHECK_EQUAL(r["count"].get<uint64_t>(), 30u);
  BOOST_CHECK_EQUAL(r["sha256"].get<std::string>(), ref_blocks_sha256(70, count));
  BOOST_CHECK_EQUAL(r["valid"].get<uint64_t>(), 60u);
  BOOST_CHECK_EQUAL(r["invalid"].get<uint64_t>(), 0u);
  BOOST_CHECK(r["signatureValid"].get<bool>());

  // Appending to a sparse feed works on both sides.
  auto more = ddb_cli({"append", dir, ref_block(count)});
  BOOST_REQUIRE_MESSAGE(more.ok(), more.describe());
  ref_json("ref_append.js", {dir, "--gen", "1"});
  auto s3 = ref_json("ref_sparse.js", {dir});
  BOOST_CHECK_EQUAL(s3["length"].get<uint64_t>(), count + 2);
  BOOST_CHECK_EQUAL(s3["has"].get<std::string>(), want_has2 + "11");
  auto r3 = ref_json("ref_read.js", {dir, "--start", "70"});
  BOOST_CHECK_EQUAL(r3["sha256"].get<std::string>(), ref_blocks_sha256(70, count + 2));
  BOOST_CHECK(r3["signatureValid"].get<bool>());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(lock)

BOOST_AUTO_TEST_CASE(our_writer_blocks_the_reference) {
  SKIP_WITHOUT_REFERENCE();
  temp_dir tmp("ddb-compat");
  const std::string dir = tmp / "feed";
  ref_json("ref_write.js", {dir, "--count", "10"});
  BOOST_REQUIRE(crypto::init());
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  {
    auto client = feed_client::open(sys, dir);
    BOOST_REQUIRE_MESSAGE(client, client.error().to_string());
    auto blocked = run_script("ref_append.js", {dir, "x"});
    BOOST_TEST_MESSAGE("ref_append while we hold the feed: " << blocked.proc.out);
    BOOST_CHECK(!blocked.ok());
    BOOST_CHECK_NE(blocked.proc.out.find("ELOCKED"), std::string::npos);
    // Our own CLI is refused as well, with one line on stderr.
    auto cli = ddb_cli({"append", dir, "x"});
    BOOST_CHECK_NE(cli.exit_code, 0);
    BOOST_CHECK_NE(cli.err.find("lock"), std::string::npos);
    // Readers that take no lock still work.
    json info = ddb_json({"info", dir, "--json"});
    BOOST_CHECK_EQUAL(info["length"].get<uint64_t>(), 10u);
    // The holder itself still appends.
    auto appended = client->append(byte_view(std::string_view(ref_block(10))));
    BOOST_REQUIRE(appended);
    BOOST_REQUIRE(client->close());
  }
  auto a = ref_json("ref_append.js", {dir, "--gen", "1"});
  BOOST_CHECK_EQUAL(a["length"].get<uint64_t>(), 12u);
  check_ref_read(dir, 12, 0);
}

BOOST_AUTO_TEST_CASE(reference_writer_blocks_us) {
  SKIP_WITHOUT_REFERENCE();
  temp_dir tmp("ddb-compat");
  const std::string dir = tmp / "feed";
  ref_json("ref_write.js", {dir, "--count", "10"});
  {
    background_process holder({node_binary(), interop_dir() + "/ref_hold.js", dir}, tmp / "hold");
    std::string line = holder.wait_for_line("writable", std::chrono::seconds(60));
    BOOST_REQUIRE_MESSAGE(!line.empty(), "ref_hold.js did not start: " << holder.err());

    BOOST_REQUIRE(crypto::init());
    auto f = feed::open(make_file_env(dir), feed_options{});
    BOOST_REQUIRE(!f);
    BOOST_CHECK_EQUAL(f.error().code(), errc::locked);
    auto cli = ddb_cli({"append", dir, "x"});
    BOOST_CHECK_NE(cli.exit_code, 0);
    BOOST_CHECK_NE(cli.err.find("lock"), std::string::npos);
    json info = ddb_json({"info", dir, "--json"});  // read-only: no lock needed
    BOOST_CHECK_EQUAL(info["length"].get<uint64_t>(), 10u);
    BOOST_CHECK(info["signatureValid"].get<bool>());
    holder.kill();
    holder.wait();
  }
  auto more = ddb_cli({"append", dir, ref_block(10)});
  BOOST_REQUIRE_MESSAGE(more.ok(), more.describe());
  BOOST_CHECK_EQUAL(more.out, "11\n");
  check_ref_read(dir, 11, 0);
}

BOOST_AUTO_TEST_SUITE_END()
