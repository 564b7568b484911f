// On-disk compatibility with the reference (ddatabase@10.0.4): byte-exact fixtures, feeds written
// by the reference and read/extended by us, feeds written by our CLI and read/extended by the
// reference. Sparse feeds and the writer lock: test_compat_sparse_lock.cpp.
#define BOOST_TEST_MODULE compat_files
#include "tests/interop/compat_support.hpp"

using namespace ddb;
using namespace ddb::test;
using namespace ddb::test::compat;

// ---------------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(fixtures)

BOOST_AUTO_TEST_CASE(single_appends_are_byte_exact) {
  const json j = fixture_json();
  temp_dir tmp("ddb-compat");
  const std::string dir = tmp / "feed";
  auto f = open_feed(dir, fixture_options(j));
  BOOST_CHECK_EQUAL(hex(f->key()), j["publicKey"].get<std::string>());
  BOOST_CHECK_EQUAL(hex(f->discovery_key()), j["discoveryKey"].get<std::string>());
  const auto sk = hex_array<64>(j["secretKey"].get<std::string>());

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
