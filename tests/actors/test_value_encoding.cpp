#define BOOST_TEST_MODULE value_encoding
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/encoded_feed.hpp"
#include "ddatabase/json_codec.hpp"
#include "storage/env.hpp"

using namespace ddb;

namespace ddb {
inline std::ostream& boost_test_print_type(std::ostream& os, errc c) {
  return os << to_string(c);
}
}  // namespace ddb

namespace {

// A user codec: a 2-D point as two little-endian int32s (exactly 8 bytes, or invalid).
struct point {
  int32_t x = 0;
  int32_t y = 0;
  bool operator==(const point& o) const { return x == o.x && y == o.y; }
};
std::ostream& operator<<(std::ostream& os, const point& p) {
  return os << "(" << p.x << "," << p.y << ")";
}
struct point_codec {
  using value_type = point;
  static std::vector<uint8_t> encode(const point& p) {
    std::vector<uint8_t> out(8);
    for (int i = 0; i < 4; ++i) {
      out[i] = static_cast<uint8_t>(static_cast<uint32_t>(p.x) >> (8 * i));
      out[4 + i] = static_cast<uint8_t>(static_cast<uint32_t>(p.y) >> (8 * i));
    }
    return out;
  }
  static std::optional<point> decode(const uint8_t* d, size_t n) {
    if (n != 8) return std::nullopt;
    uint32_t x = 0, y = 0;
    for (int i = 0; i < 4; ++i) {
      x |= uint32_t{d[i]} << (8 * i);
      y |= uint32_t{d[4 + i]} << (8 * i);
    }
    return point{static_cast<int32_t>(x), static_cast<int32_t>(y)};
  }
};

// Not codecs: the compile-time check must say no to each.
struct no_value_type {
  static std::vector<uint8_t> encode(const int&);
  static std::optional<int> decode(const uint8_t*, size_t);
};
struct decode_returns_plain {
  using value_type = int;
  static std::vector<uint8_t> encode(const int&);
  static int decode(const uint8_t*, size_t);
};
struct encode_returns_string {
  using value_type = int;
  static std::string encode(const int&);
  static std::optional<int> decode(const uint8_t*, size_t);
};

static_assert(codec::is_codec_v<codec::binary>);
static_assert(codec::is_codec_v<codec::utf8>);
static_assert(codec::is_codec_v<codec::json>);
static_assert(codec::is_codec_v<point_codec>);
static_assert(!codec::is_codec_v<no_value_type>);
static_assert(!codec::is_codec_v<decode_returns_plain>);
static_assert(!codec::is_codec_v<encode_returns_string>);
static_assert(!codec::is_codec_v<int>);

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
};

template <class C>
std::vector<uint8_t> bytes_of(const typename C::value_type& v) {
  return C::encode(v);
}

}  // namespace

BOOST_AUTO_TEST_CASE(codecs_round_trip_and_refuse_what_is_not_theirs) {
  const std::string text = "h\xc3\xa9llo \xf0\x9f\x99\x82";  // é and an emoji, well-formed
  auto t = codec::utf8::decode(bytes_of<codec::utf8>(text).data(), text.size());
  BOOST_REQUIRE(t);
  BOOST_TEST(*t == text);
  for (std::string bad : {std::string("\xc3"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
                          std::string("\xf4\x90\x80\x80"), std::string("a\xff")}) {
    const auto* d = reinterpret_cast<const uint8_t*>(bad.data());
    BOOST_TEST(!codec::utf8::decode(d, bad.size()), "utf-8 accepted " << bad.size() << " bytes");
    BOOST_TEST(!codec::json::decode(d, bad.size()));
  }
  nlohmann::json doc = {{"name", "ddatabase"}, {"blocks", 3}, {"tags", {"a", "b"}}};
  auto enc = codec::json::encode(doc);
  BOOST_TEST(std::string(enc.begin(), enc.end()) ==
             R"({"blocks":3,"name":"ddatabase","tags":["a","b"]})");
  auto back = codec::json::decode(enc.data(), enc.size());
  BOOST_REQUIRE(back);
  BOOST_TEST(*back == doc);
  const std::string not_json = "{\"a\":";
  BOOST_TEST(
      !codec::json::decode(reinterpret_cast<const uint8_t*>(not_json.data()), not_json.size()));
  std::vector<uint8_t> raw = {0, 255, 10, 13};
  BOOST_TEST(*codec::binary::decode(raw.data(), raw.size()) == raw);
  point p{-7, 1 << 30};
  auto pe = point_codec::encode(p);
  BOOST_TEST(pe.size() == 8u);
  BOOST_TEST(*point_codec::decode(pe.data(), pe.size()) == p);
  BOOST_TEST(!point_codec::decode(pe.data(), 7));
}

BOOST_FIXTURE_TEST_CASE(a_json_feed_appends_and_reads_values, fixture) {
  feed_client raw = open();
  encoded_feed<codec::json> log(raw);
  auto first = log.append({{"event", "start"}, {"n", 0}});
  BOOST_REQUIRE(first);
  BOOST_TEST(*first == 0u);
  auto more = log.append_batch(std::vector<nlohmann::json>{{{"n", 1}}, {{"n", 2}}, "three"});
  BOOST_REQUIRE(more);
  BOOST_TEST(*more == 1u);  // the index of the batch's first value

  auto v0 = log.get(0);
  BOOST_REQUIRE(v0);
  BOOST_TEST((*v0)["event"] == "start");
  auto batch = log.get_batch(1, 4);
  BOOST_REQUIRE(batch);
  BOOST_REQUIRE(batch->size() == 3u);
  BOOST_TEST((*batch)[1]["n"] == 2);
  BOOST_TEST((*batch)[2] == "three");
  auto head = log.head();
  BOOST_REQUIRE(head);
  BOOST_TEST(*head == "three");

  // The bytes on disk are the JSON text; another encoding per call reads them as such.
  auto as_text = log.get<codec::utf8>(0);
  BOOST_REQUIRE(as_text);
  BOOST_TEST(*as_text == R"({"event":"start","n":0})");
  auto as_bytes = raw.get(3);
  BOOST_REQUIRE(as_bytes);
  BOOST_TEST(std::string(as_bytes->begin(), as_bytes->end()) == "\"three\"");
}

BOOST_FIXTURE_TEST_CASE(a_block_that_does_not_decode_is_bad_encoding, fixture) {
  feed_client raw = open();
  BOOST_REQUIRE(raw.append(block_list{byte_buffer{'{', '"', 'a'}, byte_buffer{0xff, 0xfe}}));
  encoded_feed<codec::json> log(raw);
  auto v = log.get(0);
  BOOST_REQUIRE(!v);
  BOOST_TEST(v.error().code() == errc::bad_encoding);
  BOOST_TEST(v.error().message().find("block 0") != std::string::npos);
  auto batch = log.get_batch(0, 2);
  BOOST_REQUIRE(!batch);
  BOOST_TEST(batch.error().code() == errc::bad_encoding);
  auto text = log.get<codec::utf8>(1);
  BOOST_REQUIRE(!text);
  BOOST_TEST(text.error().code() == errc::bad_encoding);
  BOOST_TEST(text.error().message().find("block 1") != std::string::npos);
  // The same bytes are fine as binary, and a missing block is still bad_index, not bad_encoding.
  BOOST_TEST(log.get<codec::binary>(1).has_value());
  auto missing = log.get(9, get_options{false, 0});
  BOOST_REQUIRE(!missing);
  BOOST_TEST(missing.error().code() != errc::bad_encoding);
}

BOOST_FIXTURE_TEST_CASE(a_user_codec_reads_and_streams, fixture) {
  feed_client raw = open();
  encoded_feed<point_codec> points(raw);
  std::vector<point> in;
  for (int i = 0; i < 100; ++i) in.push_back(point{i, -i * 3});
  BOOST_REQUIRE(points.append_batch(in));
  auto p = points.get(42);
  BOOST_REQUIRE(p);
  BOOST_TEST(*p == (point{42, -126}));

  read_stream_options o;
  o.start = 10;
  o.end = 20;
  o.batch = 4;
  encoded_read_stream<point_codec> s(raw, o);
  std::vector<point> got;
  while (true) {
    auto next = s.next();
    BOOST_REQUIRE(next);
    if (!*next) break;
    got.push_back(**next);
  }
  BOOST_REQUIRE(got.size() == 10u);
  for (int i = 0; i < 10; ++i) BOOST_TEST(got[i] == in[10 + i]);

  // A stream fails at the first block that is not a point, naming it.
  BOOST_REQUIRE(raw.append(block_list{byte_buffer{1, 2, 3}}));
  read_stream_options all;
  all.start = 98;
  encoded_read_stream<point_codec> s2(raw, all);
  BOOST_TEST((*s2.next()).has_value());
  BOOST_TEST((*s2.next()).has_value());
  auto bad = s2.next();
  BOOST_REQUIRE(!bad);
  BOOST_TEST(bad.error().code() == errc::bad_encoding);
  BOOST_TEST(bad.error().message().find("block 100") != std::string::npos);
}
