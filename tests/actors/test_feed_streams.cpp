#define BOOST_TEST_MODULE feed_streams
#include <boost/test/unit_test.hpp>

#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actors/feed_client.hpp"
#include "actors/feed_streams.hpp"
#include "storage/env.hpp"

using namespace ddb;

namespace ddb {
inline std::ostream& boost_test_print_type(std::ostream& os, errc c) {
  return os << to_string(c);
}
}  // namespace ddb

namespace {

byte_buffer buf(const std::string& s) {
  return byte_buffer(s.begin(), s.end());
}
std::string str(const byte_buffer& b) {
  return std::string(b.begin(), b.end());
}

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::vector<feed_actor> spawned;

  ~fixture() {
    for (auto& a : spawned) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  feed_client open() {
    auto c = feed_client::open(sys, make_memory_env(), feed_options{});
    BOOST_REQUIRE(c);
    spawned.push_back(c->actor());
    return std::move(*c);
  }

  feed_client open_with(int n) {
    auto c = open();
    block_list blocks;
    for (int i = 0; i < n; ++i) blocks.push_back(buf("b" + std::to_string(i)));
    if (n > 0) BOOST_REQUIRE(c.append(blocks));
    return c;
  }
};

// Reads until the stream ends (or `limit` blocks).
std::vector<std::string> drain(read_stream& s, size_t limit = 1000) {
  std::vector<std::string> out;
  while (out.size() < limit) {
    auto r = s.next();
    BOOST_REQUIRE_MESSAGE(r, "next: " << r.error().to_string());
    if (!*r) break;
    out.push_back(str(**r));
  }
  return out;
}

// Joins a writer thread even when a failed check leaves the test early.
struct joiner {
  std::thread& t;
  ~joiner() {
    if (t.joinable()) t.join();
  }
};

std::vector<std::string> names(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back("b" + std::to_string(i));
  return out;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(feed_streams_suite, fixture)

BOOST_AUTO_TEST_CASE(read_whole_feed_in_every_batch_size) {
  auto c = open_with(10);
  for (size_t batch : {0, 1, 3, 10, 64}) {
    read_stream_options o;
    o.batch = batch;
    read_stream s(c, o);
    BOOST_TEST(drain(s) == names(0, 10), "batch " << batch);
    auto after = s.next();  // stays ended
    BOOST_REQUIRE(after);
    BOOST_TEST(!*after);
  }
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(read_a_range) {
  auto c = open_with(10);
  read_stream_options o;
  o.start = 3;
  o.end = 7;
  o.batch = 2;
  read_stream s(c, o);
  BOOST_TEST(drain(s) == names(3, 7));
  read_stream_options empty;
  empty.start = 5;
  empty.end = 5;
  read_stream e(c, empty);
  BOOST_TEST(drain(e).empty());
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(snapshot_ends_at_the_length_when_started) {
  auto c = open_with(4);
  read_stream before_read(c, read_stream_options{});
  BOOST_REQUIRE(c.append(block_list{buf("b4")}));  // after creation: not in the snapshot
  BOOST_TEST(drain(before_read) == names(0, 4));
  read_stream s(c, read_stream_options{});
  auto first = s.next();
  BOOST_REQUIRE(first);
  BOOST_REQUIRE(*first);
  BOOST_REQUIRE(c.append(block_list{buf("b5"), buf("b6")}));
  std::vector<std::string> got{str(**first)};
  for (auto& x : drain(s)) got.push_back(x);
  BOOST_TEST(got == names(0, 5));
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(no_snapshot_follows_growth) {
  auto c = open_with(2);
  read_stream_options o;
  o.snapshot = false;
  o.batch = 1;
  read_stream s(c, o);
  auto got = drain(s, 2);
  BOOST_REQUIRE(c.append(block_list{buf("b2"), buf("b3")}));
  for (auto& x : drain(s)) got.push_back(x);
  BOOST_TEST(got == names(0, 4));
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(tail_reads_only_new_blocks) {
  auto c = open_with(3);
  read_stream_options o;
  o.tail = true;
  read_stream ended(c, o);
  BOOST_TEST(drain(ended).empty());  // not live: nothing after the tail

  o.live = true;
  o.timeout_ms = 2000;  // a bug fails the test instead of hanging it
  read_stream s(c, o);
  // Appended after the stream was created but before its first read: still after the tail.
  BOOST_REQUIRE(c.append(block_list{buf("b3")}));
  std::thread writer([&] {
    feed_client w(sys, c.actor());
    for (int i = 4; i < 6; ++i) (void)w.append(block_list{buf("b" + std::to_string(i))});
  });
  joiner join{writer};
  auto got = drain(s, 3);
  writer.join();
  BOOST_TEST(got == names(3, 6));
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(live_stream_yields_appends_in_order) {
  auto c = open_with(2);
  read_stream_options o;
  o.live = true;
  o.batch = 4;
  o.timeout_ms = 5000;
  read_stream s(c, o);
  constexpr int total = 60;
  std::thread writer([&] {
    feed_client w(sys, c.actor());
    for (int i = 2; i < total;) {
      block_list blocks;
      int n = 1 + i % 4;
      for (int k = 0; k < n && i < total; ++k, ++i) blocks.push_back(buf("b" + std::to_string(i)));
      (void)w.append(blocks);
    }
  });
  joiner join{writer};
  auto got = drain(s, total);
  writer.join();
  BOOST_TEST(got == names(0, total));
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(live_stream_times_out_per_block) {
  auto c = open_with(1);
  read_stream_options o;
  o.live = true;
  o.timeout_ms = 30;
  read_stream s(c, o);
  BOOST_TEST(drain(s, 1) == names(0, 1));
  auto r = s.next();
  BOOST_REQUIRE(!r);
  BOOST_CHECK_EQUAL(r.error().code(), errc::timeout);
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(no_wait_fails_on_missing_blocks) {
  auto c = open_with(4);
  BOOST_REQUIRE(c.clear(1, 2));
  read_stream_options o;
  o.wait = false;
  o.batch = 1;
  read_stream s(c, o);
  BOOST_TEST(drain(s, 1) == names(0, 1));
  auto r = s.next();
  BOOST_REQUIRE(!r);
  BOOST_CHECK_EQUAL(r.error().code(), errc::unavailable);
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(write_stream_chunks_by_max_block_size) {
  auto c = open();
  write_stream_options o;
  o.max_block_size = 4;
  write_stream w(c, o);
  BOOST_REQUIRE(w.write(byte_view(std::string_view("abcdefghij"))));  // 4 + 4 + 2
  BOOST_REQUIRE(w.write(byte_view(std::string_view("xy"))));
  BOOST_REQUIRE(w.write(byte_view(std::string_view(""))));  // one empty block
  BOOST_REQUIRE(w.end());
  auto all = c.get_batch(0, 5);
  BOOST_REQUIRE(all);
  std::vector<std::string> got;
  for (auto& b : *all) got.push_back(str(b));
  BOOST_TEST(got == (std::vector<std::string>{"abcd", "efgh", "ij", "xy", ""}));
  auto info = c.info();
  BOOST_REQUIRE(info);
  BOOST_TEST(info->length == 5u);
  BOOST_CHECK_EQUAL(w.write(byte_view(std::string_view("late"))).code(), errc::closed);
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(write_stream_appends_in_batches) {
  auto c = open();
  write_stream_options o;
  o.batch_blocks = 3;
  write_stream w(c, o);
  auto length = [&] {
    auto i = c.info();
    BOOST_REQUIRE(i);
    return i->length;
  };
  BOOST_REQUIRE(w.write(byte_view(std::string_view("1"))));
  BOOST_REQUIRE(w.write(byte_view(std::string_view("2"))));
  BOOST_TEST(length() == 0u);  // buffered
  BOOST_REQUIRE(w.write(byte_view(std::string_view("3"))));
  BOOST_TEST(length() == 3u);  // one append of three blocks
  auto sig = c.signature(0);
  BOOST_REQUIRE(sig);
  BOOST_TEST(sig->index == 2u);
  BOOST_REQUIRE(w.write(byte_view(std::string_view("4"))));
  BOOST_REQUIRE(w.flush());
  BOOST_TEST(length() == 4u);
  BOOST_REQUIRE(w.flush());  // nothing buffered: no empty append
  BOOST_TEST(length() == 4u);
  BOOST_REQUIRE(w.end());
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(write_stream_default_splits_at_8_mib) {
  auto c = open();
  write_stream w(c);
  byte_buffer big(max_block_size + 10, 0x42);
  BOOST_REQUIRE(w.write(byte_view(big)));
  BOOST_REQUIRE(w.end());
  auto a = c.get(0);
  auto b = c.get(1);
  BOOST_REQUIRE(a);
  BOOST_REQUIRE(b);
  BOOST_TEST(a->size() == max_block_size);
  BOOST_TEST(b->size() == 10u);
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(write_stream_reports_a_read_only_feed) {
  feed_options o;
  o.key = crypto::generate_key_pair().public_key;
  auto r = feed_client::open(sys, make_memory_env(), o);
  BOOST_REQUIRE(r);
  spawned.push_back(r->actor());
  write_stream w(*r);
  BOOST_REQUIRE(w.write(byte_view(std::string_view("x"))));
  BOOST_CHECK_EQUAL(w.end().code(), errc::not_writable);
  BOOST_REQUIRE(r->close());
}

BOOST_AUTO_TEST_SUITE_END()
