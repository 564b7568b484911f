#define BOOST_TEST_MODULE wire_channels
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "wire/channels.hpp"
#include "wire/messages.hpp"

// simple-message-channels framing; pinned frames come from tests/unit/gen/wire_vectors.js.
namespace {

using namespace ddb;
using namespace ddb::wire;

byte_buffer hex(const std::string& s) {
  byte_buffer out;
  BOOST_REQUIRE(from_hex(s, out));
  return out;
}

struct event {
  bool keep_alive;
  uint64_t channel;
  uint8_t type;
  byte_buffer body;
  bool operator==(const event& o) const {
    return keep_alive == o.keep_alive && channel == o.channel && type == o.type && body == o.body;
  }
};

struct collector {
  std::vector<event> events;
  size_t zero_copy = 0;  // bodies that pointed into the fed chunk
  byte_view chunk;

  frame_decoder::handler handler() {
    return [this](const frame_event& e) {
      if (e.body.size && e.body.data >= chunk.data && e.body.data < chunk.data + chunk.size) {
        ++zero_copy;
      }
      events.push_back({e.keep_alive, e.channel, e.type, e.body.to_buffer()});
    };
  }
  status feed(frame_decoder& d, byte_view c) {
    chunk = c;
    return d.feed(c, handler());
  }
};

BOOST_AUTO_TEST_CASE(pinned_frames) {
  open_message open{byte_buffer(32, 1), std::nullopt};
  BOOST_CHECK_EQUAL(to_hex(encode_frame(0, 0, encode(open))),
                    "23000a20" + to_hex(byte_buffer(32, 1)));
  options_message opts{{"x"}, std::nullopt};
  BOOST_CHECK_EQUAL(to_hex(encode_frame(5, 1, encode(opts))), "04510a0178");
  BOOST_CHECK_EQUAL(to_hex(encode_frame(200, 15, hex("ac027061796c6f6164"))),
                    "0b8f19ac027061796c6f6164");
  BOOST_CHECK_EQUAL(to_hex(encode_frame(1, 2, {})), "0112");
  byte_buffer ka;
  append_keep_alive(ka);
  BOOST_CHECK_EQUAL(to_hex(ka), "00");
}

byte_buffer sample_stream(std::vector<event>& expected, std::mt19937_64& rng) {
  byte_buffer out;
  for (int i = 0; i < 200; ++i) {
    if (rng() % 7 == 0) {
      append_keep_alive(out);
      expected.push_back({true, 0, 0, {}});
      continue;
    }
    uint64_t channel = rng() % 3 == 0 ? rng() % 100000 : rng() % 4;
    uint8_t type = static_cast<uint8_t>(rng() % 16);
    size_t n = rng() % 5 == 0 ? rng() % 70000 : rng() % 40;
    byte_buffer body(n);
    for (auto& b : body) b = static_cast<uint8_t>(rng());
    append_frame(out, channel, type, body);
    expected.push_back({false, channel, type, body});
  }
  return out;
}

BOOST_AUTO_TEST_CASE(split_anywhere) {
  uint64_t seed = 0xc4a77e15;
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937_64 rng(seed);
  std::vector<event> expected;
  byte_buffer stream = sample_stream(expected, rng);
  for (int round = 0; round < 40; ++round) {
    frame_decoder d;
    collector c;
    size_t pos = 0;
    while (pos < stream.size()) {
      size_t max = round % 4 == 0 ? 3 : round % 4 == 1 ? 100 : 70000;
      size_t n = std::min<size_t>(1 + rng() % max, stream.size() - pos);
      byte_buffer piece(stream.begin() + pos, stream.begin() + pos + n);  // chunk dies after
      BOOST_REQUIRE(c.feed(d, piece));
      pos += n;
    }
    BOOST_REQUIRE(d.at_boundary());
    BOOST_REQUIRE_EQUAL(c.events.size(), expected.size());
    BOOST_REQUIRE(c.events == expected);
  }
}

BOOST_AUTO_TEST_CASE(single_chunk_is_zero_copy) {
  std::mt19937_64 rng(7);
  std::vector<event> expected;
  byte_buffer stream = sample_stream(expected, rng);
  frame_decoder d;
  collector c;
  BOOST_REQUIRE(c.feed(d, stream));
  BOOST_REQUIRE(c.events == expected);
  size_t non_empty = 0;
  for (const auto& e : expected) non_empty += !e.body.empty();
  BOOST_CHECK_EQUAL(c.zero_copy, non_empty);
}

BOOST_AUTO_TEST_CASE(split_frame_reports_missing) {
  byte_buffer f = encode_frame(3, 9, byte_buffer(1000, 0xab));
  frame_decoder d;
  collector c;
  BOOST_REQUIRE(c.feed(d, byte_view(f.data(), 10)));
  BOOST_CHECK(!d.at_boundary());
  BOOST_CHECK_EQUAL(d.missing(), f.size() - 10);
  BOOST_REQUIRE(c.feed(d, byte_view(f.data() + 10, f.size() - 10)));
  BOOST_REQUIRE_EQUAL(c.events.size(), 1u);
  BOOST_CHECK_EQUAL(c.events[0].channel, 3u);
  BOOST_CHECK_EQUAL(c.events[0].type, 9);
  BOOST_CHECK_EQUAL(c.zero_copy, 0u);
  BOOST_CHECK(d.at_boundary());
}

BOOST_AUTO_TEST_CASE(keep_alives_and_empty_bodies) {
  frame_decoder d;
  collector c;
  BOOST_REQUIRE(c.feed(d, hex("00000112")));
  BOOST_REQUIRE(c.feed(d, hex("01")));
  BOOST_REQUIRE(c.feed(d, hex("2a")));  // channel 2, type 10, empty body
  BOOST_REQUIRE_EQUAL(c.events.size(), 4u);
  BOOST_CHECK(c.events[0].keep_alive && c.events[1].keep_alive);
  BOOST_CHECK(!c.events[2].keep_alive && c.events[2].channel == 1 && c.events[2].type == 2);
  BOOST_CHECK(c.events[3].channel == 2 && c.events[3].type == 10 && c.events[3].body.empty());
}

BOOST_AUTO_TEST_CASE(size_limit) {
  // A body of exactly 8 MiB is accepted, one more byte is refused.
  byte_buffer ok_frame = encode_frame(0, 9, byte_buffer(max_frame_body, 1));
  frame_decoder d1;
  collector c1;
  BOOST_REQUIRE(c1.feed(d1, ok_frame));
  BOOST_CHECK_EQUAL(c1.events.size(), 1u);

  frame_decoder d2;
  collector c2;
  byte_buffer big;
  uint64_t len = max_frame_body + 2;  // header (1 byte) + body of max + 1
  while (len >= 0x80) {
    big.push_back(static_cast<uint8_t>(len | 0x80));
    len >>= 7;
  }
  big.push_back(static_cast<uint8_t>(len));
  big.push_back(0x09);
  auto s = c2.feed(d2, big);
  BOOST_REQUIRE(!s);
  BOOST_CHECK(s.code() == errc::protocol_error);
  BOOST_CHECK(d2.failed());
  BOOST_CHECK(!c2.feed(d2, hex("00")));  // stays failed
  BOOST_CHECK(c2.events.empty());

  // A huge length prefix is refused as soon as it is read, before any header byte.
  frame_decoder d3;
  collector c3;
  BOOST_CHECK(!c3.feed(d3, hex("ffffffff0f")));
  // A custom limit.
  frame_decoder d4(16);
  collector c4;
  BOOST_CHECK(c4.feed(d4, encode_frame(0, 1, byte_buffer(16, 0))));
  BOOST_CHECK(!c4.feed(d4, encode_frame(0, 1, byte_buffer(17, 0))));
}

BOOST_AUTO_TEST_CASE(malformed_headers) {
  collector c;
  frame_decoder d1;
  BOOST_CHECK(!c.feed(d1, hex("01ff01")));  // 2-byte header in a 1-byte frame
  frame_decoder d2;
  BOOST_CHECK(!c.feed(d2, hex("80808080808080808080")));  // 10-byte length with continuation
  frame_decoder d3;
  BOOST_CHECK(!c.feed(d3, hex("0bffffffffffffffffff7f")));  // header over 64 bits
  // Byte-at-a-time feeding hits the same errors.
  frame_decoder d4;
  byte_buffer bad = hex("01ff01");
  bool failed = false;
  for (uint8_t b : bad) failed |= !c.feed(d4, byte_view(&b, 1));
  BOOST_CHECK(failed);
}

}  // namespace
