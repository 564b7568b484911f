#define BOOST_TEST_MODULE wire_varint
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <random>

#include "core/types.hpp"
#include "wire/varint.hpp"

namespace {

using namespace ddb;
using namespace ddb::wire;

byte_buffer enc(uint64_t v) {
  byte_buffer out;
  append_varint(out, v);
  return out;
}

BOOST_AUTO_TEST_CASE(known_encodings) {
  BOOST_CHECK_EQUAL(to_hex(enc(0)), "00");
  BOOST_CHECK_EQUAL(to_hex(enc(1)), "01");
  BOOST_CHECK_EQUAL(to_hex(enc(127)), "7f");
  BOOST_CHECK_EQUAL(to_hex(enc(128)), "8001");
  BOOST_CHECK_EQUAL(to_hex(enc(300)), "ac02");
  BOOST_CHECK_EQUAL(to_hex(enc(16384)), "808001");
  BOOST_CHECK_EQUAL(to_hex(enc((uint64_t{1} << 53) - 1)), "ffffffffffffff0f");
  BOOST_CHECK_EQUAL(to_hex(enc(UINT64_MAX)), "ffffffffffffffffff01");
}

BOOST_AUTO_TEST_CASE(sizes) {
  BOOST_CHECK_EQUAL(varint_size(0), 1u);
  BOOST_CHECK_EQUAL(varint_size(127), 1u);
  BOOST_CHECK_EQUAL(varint_size(128), 2u);
  BOOST_CHECK_EQUAL(varint_size(UINT64_MAX), 10u);
  for (int bit = 0; bit < 64; ++bit) {
    uint64_t v = uint64_t{1} << bit;
    BOOST_CHECK_EQUAL(varint_size(v), enc(v).size());
    BOOST_CHECK_EQUAL(varint_size(v - 1), enc(v - 1).size());
  }
}

BOOST_AUTO_TEST_CASE(round_trip_random) {
  uint64_t seed = 0x5eed0001;
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 100000; ++i) {
    uint64_t v = rng() >> (rng() % 64);
    byte_buffer b = enc(v);
    auto d = decode_varint(b);
    BOOST_REQUIRE(d);
    BOOST_REQUIRE_EQUAL(d->value, v);
    BOOST_REQUIRE_EQUAL(d->size, b.size());
  }
}

BOOST_AUTO_TEST_CASE(reads_at_position_and_leaves_rest) {
  byte_buffer b = {0xac, 0x02, 0x05, 0xff};
  size_t pos = 0;
  uint64_t v = 0;
  BOOST_CHECK(read_varint(b, pos, v) == varint_status::ok);
  BOOST_CHECK_EQUAL(v, 300u);
  BOOST_CHECK_EQUAL(pos, 2u);
  BOOST_CHECK(read_varint(b, pos, v) == varint_status::ok);
  BOOST_CHECK_EQUAL(v, 5u);
  BOOST_CHECK(read_varint(b, pos, v) == varint_status::truncated);
  BOOST_CHECK_EQUAL(pos, 3u);  // unchanged on failure
  BOOST_CHECK_EQUAL(v, 5u);
}

BOOST_AUTO_TEST_CASE(malformed) {
  auto bad = [](byte_buffer b) {
    auto d = decode_varint(b);
    return !d && d.error().code() == errc::protocol_error;
  };
  BOOST_CHECK(bad({}));
  BOOST_CHECK(bad({0x80}));
  BOOST_CHECK(bad({0xff, 0xff}));
  // 10th byte carrying more than the 64th bit.
  BOOST_CHECK(bad({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}));
  // 11 bytes.
  BOOST_CHECK(bad({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}));
  // Padded but within 10 bytes is accepted (protobuf does).
  auto padded = decode_varint(byte_buffer{0x80, 0x00});
  BOOST_REQUIRE(padded);
  BOOST_CHECK_EQUAL(padded->value, 0u);
  BOOST_CHECK_EQUAL(padded->size, 2u);
  // Every truncation of a valid encoding fails.
  byte_buffer full = enc(UINT64_MAX);
  for (size_t n = 0; n < full.size(); ++n) {
    BOOST_CHECK(bad(byte_buffer(full.begin(), full.begin() + n)));
  }
}

}  // namespace
