#define BOOST_TEST_MODULE wire_fuzz
#include <boost/test/unit_test.hpp>

#include <sodium.h>

#include <cstdlib>
#include <random>
#include <string>

#include "core/types.hpp"
#include "wire/bitfield_rle.hpp"
#include "wire/channels.hpp"
#include "wire/handshake.hpp"
#include "wire/messages.hpp"

// A seeded fuzz driver for the wire codecs: random and mutated inputs through the frame decoder,
// every message decoder, bitfield-rle and the handshake. Asserts no crash (run it under ASan/UBSan
// for memory errors), that decoded messages re-encode to a fixpoint, and that valid encodings
// round-trip. DDB_FUZZ_SEED and DDB_FUZZ_ITERATIONS override the defaults.
namespace {

using namespace ddb;
using namespace ddb::wire;
using rng_t = std::mt19937_64;

uint64_t env_u64(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 0) : fallback;
}

uint64_t seed() {
  static const uint64_t s = env_u64("DDB_FUZZ_SEED", 0xf022'5eed);
  return s;
}
uint64_t iterations() {
  return env_u64("DDB_FUZZ_ITERATIONS", 200000);
}

uint64_t any_u64(rng_t& r) {
  return r() >> (r() % 64);
}
byte_buffer any_bytes(rng_t& r, size_t max) {
  byte_buffer b(r() % (max + 1));
  for (auto& x : b) x = static_cast<uint8_t>(r() % 4 == 0 ? 0xff * (r() % 2) : r());
  return b;
}
template <class T>
std::optional<T> maybe(rng_t& r, T v) {
  return r() % 2 ? std::optional<T>(v) : std::nullopt;
}

message random_message(rng_t& r) {
  switch (r() % 13) {
    case 0:
      return open_message{any_bytes(r, 40), maybe(r, any_bytes(r, 40))};
    case 1: {
      options_message m;
      for (size_t i = r() % 4; i > 0; --i) {
        auto b = any_bytes(r, 12);
        m.extensions.emplace_back(b.begin(), b.end());
      }
      m.ack = maybe(r, r() % 2 == 0);
      return m;
    }
    case 2:
      return status_message{maybe(r, r() % 2 == 0), maybe(r, r() % 2 == 0)};
    case 3:
      return have_message{any_u64(r), maybe(r, any_u64(r)), maybe(r, any_bytes(r, 30)),
                          maybe(r, r() % 2 == 0)};
    case 4:
      return unhave_message{any_u64(r), maybe(r, any_u64(r))};
    case 5:
      return want_message{any_u64(r), maybe(r, any_u64(r))};
    case 6:
      return unwant_message{any_u64(r), maybe(r, any_u64(r))};
    case 7:
      return request_message{any_u64(r), maybe(r, any_u64(r)), maybe(r, r() % 2 == 0),
                             maybe(r, any_u64(r))};
    case 8:
      return cancel_message{any_u64(r), maybe(r, any_u64(r)), maybe(r, r() % 2 == 0)};
    case 9: {
      data_message m{any_u64(r), maybe(r, any_bytes(r, 100)), {}, maybe(r, any_bytes(r, 64))};
      for (size_t i = r() % 4; i > 0; --i) {
        tree_node n{any_u64(r), any_u64(r), {}};
        for (auto& x : n.hash) x = static_cast<uint8_t>(r());
        m.nodes.push_back(n);
      }
      return m;
    }
    case 10:
      return close_message{maybe(r, any_bytes(r, 32))};
    case 11:
      return extension_message{any_u64(r), any_bytes(r, 50)};
    default:
      return unknown_message{static_cast<uint8_t>(11 + r() % 4), any_bytes(r, 20)};
  }
}

void mutate(byte_buffer& b, rng_t& r) {
  for (size_t n = 1 + r() % 4; n > 0; --n) {
    size_t at = b.empty() ? 0 : r() % b.size();
    switch (r() % 6) {
      case 0:
        if (!b.empty()) b[at] ^= static_cast<uint8_t>(1 << (r() % 8));
        break;
      case 1:
        if (!b.empty()) b[at] = static_cast<uint8_t>(r());
        break;
      case 2:
        b.insert(b.begin() + at, static_cast<uint8_t>(r()));
        break;
      case 3:
        if (!b.empty()) b.erase(b.begin() + at);
        break;
      case 4:
        b.resize(at);
        break;
      default:
        if (!b.empty()) b[at] = r() % 2 ? 0x80 : 0xff;
        break;
    }
  }
}

// Decoding must either fail cleanly or give a message whose encoding is a fixpoint.
void check_decode(uint8_t type, const byte_buffer& body) {
  auto m = decode_message(type, body);
  if (!m) {
    BOOST_REQUIRE(m.error().code() == errc::protocol_error);
    return;
  }
  byte_buffer once = encode(*m);
  auto again = decode_message(type, once);
  BOOST_REQUIRE_MESSAGE(again, "re-decode failed: type " << int(type) << " " << to_hex(body));
  BOOST_REQUIRE(encode(*again) == once);
}

BOOST_AUTO_TEST_CASE(message_decoders) {
  BOOST_TEST_MESSAGE("seed " << seed());
  rng_t r(seed());
  for (uint64_t i = 0; i < iterations(); ++i) {
    message m = random_message(r);
    uint8_t type = type_of(m);
    byte_buffer body = encode(m);
    auto back = decode_message(type, body);
    BOOST_REQUIRE_MESSAGE(back,
                          "valid encoding rejected: type " << int(type) << " " << to_hex(body));
    BOOST_REQUIRE(encode(*back) == body);
    if (r() % 4 == 0) body = any_bytes(r, 80);
    mutate(body, r);
    check_decode(r() % 8 == 0 ? static_cast<uint8_t>(r() % 16) : type, body);
  }
}

BOOST_AUTO_TEST_CASE(frame_decoder_streams) {
  rng_t r(seed() + 1);
  BOOST_TEST_MESSAGE("seed " << seed() + 1);
  for (uint64_t i = 0; i < iterations() / 100; ++i) {
    byte_buffer stream;
    size_t frames = 0;
    for (size_t n = r() % 20; n > 0; --n, ++frames) {
      message m = random_message(r);
      append_frame(stream, r() % 1000, type_of(m), encode(m));
    }
    bool corrupt = r() % 2 == 0;
    if (corrupt) mutate(stream, r);
    frame_decoder d(r() % 4 == 0 ? 64 : max_frame_body);
    size_t seen = 0;
    status st;
    for (size_t pos = 0; pos < stream.size() && st;) {
      size_t n = std::min<size_t>(1 + r() % 50, stream.size() - pos);
      st = d.feed(byte_view(stream.data() + pos, n), [&](const frame_event& e) {
        ++seen;
        if (!e.keep_alive) check_decode(e.type, e.body.to_buffer());
      });
      pos += n;
    }
    if (!corrupt && st) BOOST_REQUIRE_EQUAL(seen, frames);
  }
}

BOOST_AUTO_TEST_CASE(bitfield_rle) {
  rng_t r(seed() + 2);
  BOOST_TEST_MESSAGE("seed " << seed() + 2);
  for (uint64_t i = 0; i < iterations() / 10; ++i) {
    byte_buffer bits = any_bytes(r, 200);
    byte_buffer enc = rle::encode(bits);
    auto dec = rle::decode(enc);
    BOOST_REQUIRE(dec);
    while (!bits.empty() && bits.back() == 0) bits.pop_back();
    BOOST_REQUIRE(*dec == bits);
    mutate(enc, r);
    auto junk = rle::decode(enc, size_t{1} << (r() % 4), 4096);
    if (junk) BOOST_REQUIRE(rle::decode(rle::encode(*junk), 1, 4096));
  }
}

BOOST_AUTO_TEST_CASE(handshake_garbage) {
  BOOST_REQUIRE(sodium_init() >= 0);
  rng_t r(seed() + 3);
  BOOST_TEST_MESSAGE("seed " << seed() + 3);
  random_source rng([&r](uint8_t* out, size_t n) {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(r());
  });
  for (uint64_t i = 0; i < iterations() / 200; ++i) {
    handshake_options oi;
    oi.initiator = true;
    oi.rng = rng;
    handshake_options orr = oi;
    orr.initiator = false;
    handshake a(oi);
    handshake b(orr);
    byte_buffer m1 = *a.start();
    BOOST_REQUIRE(b.start());
    if (r() % 2) mutate(m1, r);
    auto m2 = b.recv(m1);
    if (!m2 || m2->empty()) continue;
    byte_buffer reply = *m2;
    mutate(reply, r);
    auto m3 = a.recv(reply);
    if (m3 && a.is_complete()) BOOST_REQUIRE(b.recv(*m3) || true);
  }
}

}  // namespace
