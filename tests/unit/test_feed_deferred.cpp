// The engine's deferred writes (what the feed actor's storage actor relies on): prepared
// batches are the batches the synchronous engine writes, reads of puts not yet written come
// from their batch, and a failed append is rolled back.
#define BOOST_TEST_MODULE feed_deferred
#include <boost/test/unit_test.hpp>

#include "tests/unit/feed_test_util.hpp"

using namespace ddb;
using namespace ddb::test;

namespace {

// Stages blocks [0, n) of `w` into `f` as a peer's Data messages would.
void put_all(feed& w, feed& f, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) {
    auto p = w.proof(i, 0, false);
    BOOST_REQUIRE(p);
    auto value = w.get(i);
    BOOST_REQUIRE(value);
    put_item item;
    item.index = i;
    item.value = *value;
    item.nodes = p->nodes;
    item.signature = p->signature;
    bool stored = false;
    status s = f.put(item, stored);
    BOOST_REQUIRE_MESSAGE(s, s.to_string());
    BOOST_TEST(stored);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(puts_are_read_from_their_batch_until_it_is_written) {
  memory_backend wb, fb;
  auto w = open_feed(wb);
  const auto blocks = bufs({"zero", "one", "two", "three", "four"});
  BOOST_REQUIRE(w->append(blocks));
  feed_options o;
  o.key = w->key();
  auto f = open_feed(fb, o);
  f->defer_writes(true);
  const auto data_before = fb.bytes("data");
  put_all(*w, *f, 5);

  // Staged: counted by has(), not yet written, served from the staged batch.
  BOOST_TEST(f->has(0, 5));
  BOOST_TEST(f->unwritten(0, 5));
  BOOST_TEST(f->unwritten_count(1, 3) == 2u);
  BOOST_TEST(f->written_length() == 0u);
  BOOST_TEST(f->length() == 5u);
  BOOST_TEST(str(*f->get(3)) == "three");

  auto batch = f->prepare_puts();
  BOOST_REQUIRE(batch);
  BOOST_TEST(!f->quiet());
  BOOST_TEST(!f->prepare_puts());  // nothing else staged
  // Prepared, not written: nothing reached the files, reads still come from the batch.
  BOOST_TEST((fb.bytes("data") == data_before));
  BOOST_TEST(str(*f->get(4)) == "four");
  std::vector<byte_buffer> out;
  BOOST_REQUIRE(f->get_batch(0, 5, out));
  BOOST_TEST(str(out[0]) + str(out[4]) == "zerofour");
  auto proof = f->proof(2, 0, false);
  BOOST_REQUIRE(proof);
  BOOST_TEST(proof->signature.has_value());
  auto sig = f->signature();
  BOOST_REQUIRE(sig);
  BOOST_TEST(sig->index == 4u);

  BOOST_REQUIRE(f->files()->write(*batch));
  f->puts_written();
  BOOST_TEST(f->quiet());
  BOOST_TEST(!f->unwritten(0, 5));
  BOOST_TEST(f->written_length() == 5u);
  BOOST_TEST(str(*fb.bytes("data")) == "zeroonetwothreefour");
  BOOST_REQUIRE(f->close());

  auto again = open_feed(fb, o);
  BOOST_TEST(again->length() == 5u);
  for (uint64_t i = 0; i < 5; ++i) BOOST_TEST(str(*again->get(i)) == str(blocks[i]));
}

BOOST_AUTO_TEST_CASE(a_prepared_append_is_part_of_the_feed_once_written_or_rolled_back) {
  memory_backend b;
  auto f = open_feed(b);
  f->defer_writes(true);
  const auto ab = bufs({"a", "b"});
  auto p = f->prepare_append(std::vector<byte_view>(ab.begin(), ab.end()));
  BOOST_REQUIRE(p);
  BOOST_REQUIRE(p->batch);
  BOOST_TEST(f->length() == 0u);  // not part of the feed before it is written
  auto failed = f->finish_append(make_error(errc::no_space, "the disk is full"));
  BOOST_TEST(code_of(failed) == errc::no_space);
  BOOST_TEST(f->length() == 0u);
  BOOST_TEST(!f->has(0));

  const auto c = bufs({"c"});
  auto q = f->prepare_append(std::vector<byte_view>(c.begin(), c.end()));
  BOOST_REQUIRE(q);
  BOOST_REQUIRE(f->files()->write(*q->batch));
  auto first = f->finish_append(status::ok());
  BOOST_REQUIRE(first);
  BOOST_TEST(*first == 0u);
  BOOST_TEST(f->length() == 1u);
  BOOST_TEST(str(*f->get(0)) == "c");
  const auto key = f->key();
  BOOST_REQUIRE(f->close());
  feed_options o;
  o.key = key;
  auto again = open_feed(b, o);
  BOOST_TEST(again->length() == 1u);
  BOOST_TEST(str(*again->get(0)) == "c");
}
