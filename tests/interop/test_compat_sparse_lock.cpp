// On-disk compatibility with the reference (ddatabase@10.0.4), continued: sparse (cleared) feeds
// both ways, and the single-writer lock between the two implementations.
#define BOOST_TEST_MODULE compat_sparse_lock
#include "tests/interop/compat_support.hpp"

using namespace ddb;
using namespace ddb::test;
using namespace ddb::test::compat;

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
