#define BOOST_TEST_MODULE bitfield_journal
#include <boost/test/unit_test.hpp>

#include "storage/bitfield_journal.hpp"
#include "storage/fault_env.hpp"
#include "tests/unit/feed_test_util.hpp"

using namespace ddb;
using namespace ddb::test;

namespace {

// The feed before the batch: old_length blocks; the batch appends up to new_length. The root of
// [0, 16384) lives in bitfield page 0 but covers page 1, whose data bits the batch also sets:
// the batch writes pages 0 and 1 in one write, so a torn write could mix them.
constexpr uint64_t old_length = 12000;
constexpr uint64_t new_length = 16384;

std::string block(uint64_t i) {
  return "block-" + std::to_string(i);
}

std::vector<byte_buffer> blocks(uint64_t from, uint64_t to) {
  std::vector<byte_buffer> out;
  for (uint64_t i = from; i < to; ++i) out.push_back(buf(block(i)));
  return out;
}

// The feed opens with exactly `length` blocks, every one readable, no data bit beyond it, and
// the newest signature covering it; then it takes another append.
void check_feed(std::unique_ptr<env> e, uint64_t length, bool writer = true) {
  feed_options o;
  o.create_if_missing = false;
  o.writer_lock = writer;
  auto opened = feed::open(std::move(e), o);
  BOOST_REQUIRE_MESSAGE(opened, opened.error().to_string());
  auto& f = **opened;
  BOOST_REQUIRE_EQUAL(f.length(), length);
  BOOST_TEST(f.downloaded(0, 1 << 20) == length);
  for (uint64_t i = 0; i < length; i += 997) {
    auto g = f.get(i);
    BOOST_REQUIRE_MESSAGE(g, "get " << i << ": " << g.error().to_string());
    BOOST_TEST(str(*g) == block(i));
  }
  auto last = f.get(length - 1);
  BOOST_REQUIRE(last);
  BOOST_TEST(str(*last) == block(length - 1));
  auto sig = f.signature();
  BOOST_REQUIRE_MESSAGE(sig, sig.error().to_string());
  BOOST_TEST(sig->index == length - 1);
  auto ok = f.verify(sig->index, sig->signature);
  BOOST_REQUIRE(ok);
  BOOST_TEST(*ok);
  if (writer) {
    auto more = f.append(bufs({"after"}));
    BOOST_REQUIRE_MESSAGE(more, more.error().to_string());
    BOOST_TEST(*more == length);
  }
  BOOST_REQUIRE(f.close());
}

// Builds the old feed, then runs the batch with the first write to `file` torn after `keep`
// bytes. With `killed`, no later write to that file lands either, and then the process "dies":
// every handle is closed and nothing written is undone (a SIGKILL keeps what reached the page
// cache).
std::shared_ptr<fault_injector> torn_batch(std::unique_ptr<env> base, const std::string& file,
                                           int64_t keep, bool killed = true) {
  fault_config quiet;
  quiet.track_unsynced = false;
  auto inj = make_fault_injector(std::move(base), quiet);
  auto opened = feed::open(make_fault_env(inj), {});
  BOOST_REQUIRE(opened);
  auto f = std::move(*opened);
  BOOST_REQUIRE(f->append(blocks(0, old_length)));

  fault_config cfg = quiet;
  cfg.fail_file = file;
  cfg.fail_at_write = 1;
  cfg.torn = true;
  cfg.torn_bytes = keep;
  cfg.fail_all_after = killed;
  inj->configure(cfg);
  BOOST_TEST(!f->append(blocks(old_length, new_length)));
  inj->configure(quiet);
  BOOST_REQUIRE(inj->simulate_crash());
  f.reset();  // its handles are dead: nothing more reaches the files
  return inj;
}

}  // namespace

BOOST_AUTO_TEST_CASE(record_bytes) {
  journal::undo_record undo;
  undo.file_size = 0x1234;
  undo.pages.emplace_back(7, byte_buffer{1, 2, 3, 4});
  const byte_buffer rec = journal::encode(undo, 4);
  // u64be body length 20 ‖ u64be file size ‖ u64be page 7 ‖ 01020304 ‖ BLAKE2b-256 of all that.
  BOOST_TEST(to_hex(rec) ==
             "00000000000000140000000000001234000000000000000701020304"
             "445f6f8311013b2b2c91596e687d82205c896c6bdb0b9bb88f4510a0d173f7e1");
  auto back = journal::decode(rec, 4);
  BOOST_REQUIRE(back);
  BOOST_TEST((*back == undo));
}

BOOST_AUTO_TEST_CASE(only_a_whole_record_decodes) {
  journal::undo_record undo;
  undo.file_size = 32 + 10 * 16;
  for (uint64_t p : {0, 1, 9}) {
    undo.pages.emplace_back(p, byte_buffer(16, static_cast<uint8_t>(p + 1)));
  }
  const byte_buffer rec = journal::encode(undo, 16);
  for (size_t n = 0; n < rec.size(); ++n) {
    BOOST_TEST(!journal::decode(byte_view(rec.data(), n), 16), "a record cut at " << n);
  }
  for (size_t i = 0; i < rec.size() * 8; i += 7) {
    byte_buffer bad = rec;
    bad[i / 8] ^= static_cast<uint8_t>(0x80 >> (i % 8));
    BOOST_TEST(!journal::decode(bad, 16), "bit " << i << " flipped");
  }
  BOOST_TEST(!journal::decode(rec, 15), "another page size");
  byte_buffer longer = rec;  // an older, longer record's tail after a failed truncate
  longer.insert(longer.end(), 100, 0xee);
  auto back = journal::decode(longer, 16);
  BOOST_REQUIRE(back);
  BOOST_TEST((*back == undo));
}

BOOST_AUTO_TEST_CASE(torn_bitfield_write_opens_before_the_batch) {
  // Every tear of the two-page write (the crash CI once caught: page 0 new, page 1 old).
  for (int64_t keep = 0; keep < 2 * 3584; keep += 211) {
    BOOST_TEST_CONTEXT("bitfield torn after " << keep << " bytes") {
      auto inj = torn_batch(make_memory_env(), "bitfield", keep);
      check_feed(make_fault_env(inj), old_length);
    }
  }
}

BOOST_AUTO_TEST_CASE(torn_journal_write_opens_before_the_batch) {
  const int64_t record = 8 + 8 + 2 * (8 + 3584) + 32;
  for (int64_t keep = 0; keep < record; keep += 157) {
    BOOST_TEST_CONTEXT("journal torn after " << keep << " bytes") {
      auto inj = torn_batch(make_memory_env(), journal::file_name, keep);
      check_feed(make_fault_env(inj), old_length);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_reader_sees_the_feed_before_the_batch_and_the_writer_restores_it) {
  memory_backend b;
  auto inj = torn_batch(b.make(), "bitfield", 3584 + 100);
  const auto journal_bytes = b.bytes(journal::file_name);
  BOOST_REQUIRE(journal_bytes);
  BOOST_TEST(!journal_bytes->empty());
  const auto bitfield_bytes = b.bytes("bitfield");
  check_feed(make_fault_env(inj), old_length, false);
  BOOST_TEST((b.bytes("bitfield") == bitfield_bytes), "a reader writes nothing");
  check_feed(make_fault_env(inj), old_length, true);
  BOOST_TEST(b.bytes(journal::file_name)->empty(), "the writer empties the journal");
}

BOOST_AUTO_TEST_CASE(a_failed_write_puts_the_pages_back_at_once) {
  memory_backend ref;  // the bitfield of the old feed (it does not depend on the key)
  {
    auto f = open_feed(ref);
    BOOST_REQUIRE(f->append(blocks(0, old_length)));
    BOOST_REQUIRE(f->close());
  }
  const auto before = ref.bytes("bitfield");
  BOOST_REQUIRE(before);
  for (int64_t keep : {int64_t(100), int64_t(3584 + 480)}) {
    memory_backend b;
    auto inj = torn_batch(b.make(), "bitfield", keep, false);
    BOOST_TEST((b.bytes("bitfield") == before), "torn after " << keep);
    BOOST_TEST(b.bytes(journal::file_name)->empty());
  }
}

BOOST_AUTO_TEST_CASE(torn_bitfield_write_in_real_files) {
  file_backend b;
  for (int64_t keep : {int64_t(0), int64_t(3584 + 480), int64_t(2 * 3584 - 1)}) {
    BOOST_TEST_CONTEXT("bitfield torn after " << keep << " bytes") {
      std::filesystem::remove_all(b.path());
      auto inj = torn_batch(b.make(), "bitfield", keep);
      check_feed(make_fault_env(inj), old_length);
    }
  }
  auto e = b.make();
  BOOST_REQUIRE(e->destroy());
  BOOST_TEST(!std::filesystem::exists(b.path()), "destroy removes the journal too");
}
