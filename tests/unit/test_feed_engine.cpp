#define BOOST_TEST_MODULE feed_engine
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "core/flat_tree.hpp"
#include "tests/unit/feed_test_util.hpp"

using namespace ddb;
using namespace ddb::test;

BOOST_AUTO_TEST_CASE_TEMPLATE(create_has_keys_and_is_empty, B, backends) {
  B b;
  auto f = open_feed(b);
  BOOST_TEST(f->length() == 0u);
  BOOST_TEST(f->byte_length() == 0u);
  BOOST_TEST(f->writable());
  BOOST_TEST(f->readable());
  BOOST_TEST(f->key() != public_key{});
  BOOST_TEST(f->discovery_key() == crypto::discovery_key(f->key(), "ddatabase"));
  BOOST_TEST(f->discovery_key() != crypto::discovery_key(f->key(), "hypercore"));
  BOOST_CHECK_EQUAL(code_of(f->get(0)), errc::bad_index);
  BOOST_CHECK_EQUAL(code_of(f->signature()), errc::bad_index);
  BOOST_TEST(f->downloaded() == 0u);
  auto stored_key = b.bytes("key");
  BOOST_REQUIRE(stored_key);
  BOOST_TEST(*stored_key == byte_buffer(f->key().begin(), f->key().end()));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(append_single_and_batch_return_first_index, B, backends) {
  B b;
  auto f = open_feed(b);
  auto a = f->append(bufs({"hello"}));
  BOOST_REQUIRE(a);
  BOOST_TEST(*a == 0u);
  auto c = f->append(bufs({"a", "bc", "", "def"}));
  BOOST_REQUIRE(c);
  BOOST_TEST(*c == 1u);
  auto d = f->append(bufs({"world"}));
  BOOST_REQUIRE(d);
  BOOST_TEST(*d == 5u);
  auto empty = f->append(std::vector<byte_buffer>{});
  BOOST_REQUIRE(empty);
  BOOST_TEST(*empty == 6u);
  BOOST_TEST(f->length() == 6u);
  BOOST_TEST(f->byte_length() == 16u);

  const char* want[] = {"hello", "a", "bc", "", "def", "world"};
  for (uint64_t i = 0; i < 6; ++i) {
    auto g = f->get(i);
    BOOST_REQUIRE_MESSAGE(g, g.error().to_string());
    BOOST_TEST(str(*g) == want[i]);
  }
  std::vector<byte_buffer> out;
  BOOST_REQUIRE(f->get_batch(1, 5, out));
  BOOST_REQUIRE(out.size() == 4u);
  BOOST_TEST(str(out[0]) == "a");
  BOOST_TEST(str(out[2]) == "");
  BOOST_TEST(str(out[3]) == "def");
  BOOST_REQUIRE(f->get_batch(3, 3, out));
  BOOST_TEST(out.empty());
  BOOST_CHECK_EQUAL(code_of(f->get_batch(4, 7, out)), errc::bad_index);
  BOOST_CHECK_EQUAL(code_of(f->get(6)), errc::bad_index);
  // The head is the latest block.
  auto head = f->get(f->length() - 1);
  BOOST_REQUIRE(head);
  BOOST_TEST(str(*head) == "world");
  auto data = b.bytes("data");
  BOOST_REQUIRE(data);
  BOOST_TEST(str(*data) == "helloabcdefworld");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(has_and_downloaded, B, backends) {
  B b;
  auto f = open_feed(b);
  BOOST_REQUIRE(f->append(bufs({"0", "1", "2", "3", "4"})));
  BOOST_TEST(f->has(0));
  BOOST_TEST(f->has(4));
  BOOST_TEST(!f->has(5));
  BOOST_TEST(f->has(0, 5));
  BOOST_TEST(!f->has(0, 6));
  BOOST_TEST(f->downloaded(0, 5) == 5u);
  BOOST_TEST(f->downloaded(1, 3) == 2u);
  BOOST_TEST(f->downloaded() == 5u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(seek_maps_bytes_to_blocks, B, backends) {
  B b;
  auto f = open_feed(b);
  // Block sizes 3, 0, 5, 1, 4 -> starts 0, 3, 3, 8, 9; byte length 13.
  BOOST_REQUIRE(f->append(bufs({"abc", "", "defgh"})));
  BOOST_REQUIRE(f->append(bufs({"i"})));
  BOOST_REQUIRE(f->append(bufs({"jklm"})));
  struct expect {
    uint64_t byte, index, offset;
  };
  const expect cases[] = {{0, 0, 0}, {1, 0, 1}, {2, 0, 2}, {3, 2, 0},  {4, 2, 1},
                          {7, 2, 4}, {8, 3, 0}, {9, 4, 0}, {12, 4, 3}, {13, 5, 0}};
  for (const expect& e : cases) {
    auto s = f->seek(e.byte);
    BOOST_REQUIRE_MESSAGE(s, "seek " << e.byte << ": " << s.error().to_string());
    BOOST_TEST(s->index == e.index, "seek " << e.byte);
    BOOST_TEST(s->offset == e.offset, "seek " << e.byte);
  }
  BOOST_CHECK_EQUAL(code_of(f->seek(14)), errc::bad_index);
  BOOST_CHECK_EQUAL(code_of(f->seek(1000)), errc::bad_index);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(signatures_cover_batches, B, backends) {
  B b;
  auto f = open_feed(b);
  BOOST_REQUIRE(f->append(bufs({"a"})));            // signs 0
  BOOST_REQUIRE(f->append(bufs({"b", "c", "d"})));  // signs 3 only
  BOOST_REQUIRE(f->append(bufs({"e", "f"})));       // signs 5 only
  const uint64_t want[] = {0, 3, 3, 3, 5, 5};
  for (uint64_t i = 0; i < 6; ++i) {
    auto s = f->signature(i);
    BOOST_REQUIRE(s);
    BOOST_TEST(s->index == want[i], "signature(" << i << ")");
    auto v = f->verify(s->index, s->signature);
    BOOST_REQUIRE(v);
    BOOST_TEST(*v);
  }
  auto latest = f->signature();
  BOOST_REQUIRE(latest);
  BOOST_TEST(latest->index == 5u);
  BOOST_CHECK_EQUAL(code_of(f->signature(6)), errc::bad_index);

  // A signature only verifies for the length it signed, and not once tampered with.
  auto s3 = f->signature(3);
  BOOST_REQUIRE(s3);
  auto wrong_len = f->verify(2, s3->signature);
  BOOST_REQUIRE(wrong_len);
  BOOST_TEST(!*wrong_len);
  signature_t bad = s3->signature;
  bad[10] ^= 0x01;
  auto tampered = f->verify(3, bad);
  BOOST_REQUIRE(tampered);
  BOOST_TEST(!*tampered);
  BOOST_CHECK_EQUAL(code_of(f->verify(6, s3->signature)), errc::bad_index);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(root_hashes_are_full_roots, B, backends) {
  B b;
  auto f = open_feed(b);
  BOOST_REQUIRE(f->append(bufs({"a", "bb", "ccc", "dddd", "eeeee"})));
  for (uint64_t i = 0; i < 5; ++i) {
    auto roots = f->root_hashes(i);
    BOOST_REQUIRE(roots);
    auto want = flat_tree::full_roots(2 * i + 2);
    BOOST_REQUIRE(roots->size() == want.size());
    uint64_t bytes = 0;
    for (size_t k = 0; k < want.size(); ++k) {
      BOOST_TEST((*roots)[k].index == want[k]);
      bytes += (*roots)[k].size;
    }
    BOOST_TEST(bytes == (i + 1) * (i + 2) / 2);  // 1 + 2 + ... + (i + 1)
  }
  auto all = f->root_hashes(4);
  BOOST_REQUIRE(all);
  BOOST_TEST(*all == f->roots());
  // The roots of a tree of length i + 1 are what signature(i) signed.
  auto s = f->signature(4);
  BOOST_REQUIRE(s);
  BOOST_TEST(crypto::verify_roots(*all, 5, s->signature, f->key()));
  BOOST_CHECK_EQUAL(code_of(f->root_hashes(5)), errc::bad_index);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(reopen_keeps_everything, B, backends) {
  B b;
  public_key key;
  hash_t dkey;
  {
    auto f = open_feed(b);
    key = f->key();
    dkey = f->discovery_key();
    BOOST_REQUIRE(f->append(bufs({"one", "two"})));
    BOOST_REQUIRE(f->append(bufs({"three"})));
    BOOST_REQUIRE(f->close());
    BOOST_TEST(f->closed());
    BOOST_TEST(!f->writable());
    BOOST_TEST(!f->readable());
  }
  auto f = open_feed(b);
  BOOST_TEST(f->key() == key);
  BOOST_TEST(f->discovery_key() == dkey);
  BOOST_TEST(f->writable());
  BOOST_TEST(f->length() == 3u);
  BOOST_TEST(f->byte_length() == 11u);
  BOOST_TEST(f->downloaded() == 3u);
  auto g = f->get(2);
  BOOST_REQUIRE(g);
  BOOST_TEST(str(*g) == "three");
  auto s = f->signature();
  BOOST_REQUIRE(s);
  BOOST_TEST(s->index == 2u);
  auto v = f->verify(s->index, s->signature);
  BOOST_REQUIRE(v);
  BOOST_TEST(*v);
  auto s0 = f->signature(0);
  BOOST_REQUIRE(s0);
  BOOST_TEST(s0->index == 1u);
  // Appending after a reopen continues the same tree.
  auto a = f->append(bufs({"four"}));
  BOOST_REQUIRE(a);
  BOOST_TEST(*a == 3u);
  auto s3 = f->signature(3);
  BOOST_REQUIRE(s3);
  auto v3 = f->verify(3, s3->signature);
  BOOST_REQUIRE(v3);
  BOOST_TEST(*v3);
  auto seek = f->seek(11);
  BOOST_REQUIRE(seek);
  BOOST_TEST(seek->index == 3u);
  BOOST_TEST(seek->offset == 0u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(operations_after_close_fail_closed, B, backends) {
  B b;
  auto f = open_feed(b);
  BOOST_REQUIRE(f->append(bufs({"x", "y"})));
  BOOST_REQUIRE(f->close());
  BOOST_REQUIRE(f->close());  // idempotent
  std::vector<byte_buffer> out;
  BOOST_CHECK_EQUAL(code_of(f->append(bufs({"z"}))), errc::closed);
  BOOST_CHECK_EQUAL(code_of(f->get(0)), errc::closed);
  BOOST_CHECK_EQUAL(code_of(f->get_batch(0, 2, out)), errc::closed);
  BOOST_CHECK_EQUAL(code_of(f->seek(0)), errc::closed);
  BOOST_CHECK_EQUAL(code_of(f->signature(0)), errc::closed);
  BOOST_CHECK_EQUAL(code_of(f->verify(1, signature_t{})), errc::closed);
  BOOST_CHECK_EQUAL(code_of(f->root_hashes(0)), errc::closed);
  BOOST_CHECK_EQUAL(code_of(f->audit()), errc::closed);
  BOOST_CHECK_EQUAL(code_of(f->clear(0, 1)), errc::closed);
  // Nothing was written by the refused append.
  auto g = open_feed(b);
  BOOST_TEST(g->length() == 2u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(destroy_storage_removes_files, B, backends) {
  B b;
  auto f = open_feed(b);
  BOOST_REQUIRE(f->append(bufs({"x"})));
  BOOST_TEST(b.any_file());
  BOOST_REQUIRE(f->destroy_storage());
  BOOST_TEST(f->closed());
  for (const char* n : feed_file_names) BOOST_TEST(!b.bytes(n), n << " still exists");
  BOOST_CHECK_EQUAL(code_of(f->get(0)), errc::closed);
  // The place is empty again: a new feed can be created there.
  auto g = open_feed(b);
  BOOST_TEST(g->length() == 0u);
  BOOST_TEST(g->key() != f->key());
}

BOOST_AUTO_TEST_CASE(destroy_storage_removes_the_directory) {
  file_backend b;
  auto f = open_feed(b);
  BOOST_REQUIRE(f->append(bufs({"x"})));
  BOOST_REQUIRE(f->destroy_storage());
  BOOST_TEST(!std::filesystem::exists(b.path()));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(writer_lock_excludes_a_second_writer, B, backends) {
  B b;
  auto f = open_feed(b);
  BOOST_REQUIRE(f->append(bufs({"x"})));
  BOOST_CHECK_EQUAL(open_error(b, {}), errc::locked);
  // The refused open left the first writer intact.
  auto a = f->append(bufs({"y"}));
  BOOST_REQUIRE(a);
  BOOST_TEST(*a == 1u);
  BOOST_REQUIRE(f->close());
  // Released by close.
  auto g = open_feed(b);
  BOOST_TEST(g->length() == 2u);
  // Without the lock, a reader can open beside a writer.
  feed_options no_lock;
  no_lock.writer_lock = false;
  auto r = open_feed(b, no_lock);
  BOOST_TEST(r->length() == 2u);
}
