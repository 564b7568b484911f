#define BOOST_TEST_MODULE session
#include <boost/test/unit_test.hpp>

#include <sodium.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "protocol/session.hpp"
#include "wire/channels.hpp"
#include "wire/messages.hpp"
#include "wire/varint.hpp"

// Two replication sessions back to back in memory, bytes split at seeded random points.
namespace {

using namespace ddb;
using namespace ddb::replication;

struct init_fixture {
  init_fixture() { BOOST_REQUIRE(sodium_init() >= 0); }
};
BOOST_TEST_GLOBAL_FIXTURE(init_fixture);

uint64_t test_seed() {
  static const uint64_t seed = [] {
    uint64_t s = 20261125;
    if (const char* env = std::getenv("DDB_TEST_SEED")) s = std::stoull(env);
    std::cout << "session test seed " << s << " (set DDB_TEST_SEED to replay)" << std::endl;
    return s;
  }();
  return seed;
}

random_source seeded_rng(uint64_t seed) {
  auto gen = std::make_shared<std::mt19937_64>(seed);
  return random_source([gen](uint8_t* out, size_t n) {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>((*gen)());
  });
}

session_options make_options(bool initiator, uint64_t seed, bool encrypted = true,
                             bool noise = true, std::string ns = "ddatabase") {
  session_options o;
  o.initiator = initiator;
  o.encrypted = encrypted;
  o.noise = noise;
  o.ns = std::move(ns);
  o.rng = seeded_rng(seed);
  wire::noise::key32 secret{};
  o.rng.fill(secret.data(), secret.size());
  o.static_keys = wire::noise::dh_key_pair_from_secret(secret);
  o.rng.fill(o.nonce.data(), o.nonce.size());
  return o;
}

struct side {
  explicit side(session_options o) : s(std::move(o)) {}
  session s;
  std::vector<event> events;

  template <class T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& e : events) {
      if (auto* p = std::get_if<T>(&e)) out.push_back(*p);
    }
    return out;
  }
};

// The two ends of one connection.
struct duplex {
  duplex(session_options a_opts, session_options b_opts, uint64_t seed)
      : a(std::move(a_opts)), b(std::move(b_opts)), gen(seed) {
    a.s.start();
    b.s.start();
    pump();
  }

  // Moves bytes both ways, in random pieces, until both are quiet.
  void pump() {
    for (int round = 0; round < 100; ++round) {
      bool moved = move(a, b) | move(b, a);
      collect(a);
      collect(b);
      if (!moved) return;
    }
    BOOST_FAIL("sessions never went quiet");
  }

  bool move(side& from, side& to) {
    byte_buffer bytes = from.s.take_output();
    if (bytes.empty()) return false;
    size_t pos = 0;
    while (pos < bytes.size()) {
      size_t left = bytes.size() - pos;
      size_t n = std::min<size_t>(left, 1 + gen() % (gen() % 2 ? 7 : 4096));
      byte_buffer piece(bytes.begin() + pos, bytes.begin() + pos + n);
      if (gen() % 2)
        to.s.recv(std::move(piece));
      else
        to.s.recv(byte_view(piece));
      pos += n;
    }
    return true;
  }

  static void collect(side& x) {
    for (auto& e : x.s.take_events()) x.events.push_back(std::move(e));
  }

  side a, b;
  std::mt19937_64 gen;
};

hash_t dkey_of(const public_key& key) {
  return crypto::discovery_key(key);
}

public_key test_key(uint8_t fill) {
  public_key k{};
  k.fill(fill);
  return k;
}

BOOST_AUTO_TEST_CASE(handshake_channels_frames_close) {
  uint64_t seed = test_seed();
  duplex d(make_options(true, seed + 1), make_options(false, seed + 2), seed);
  BOOST_REQUIRE(d.a.s.ready() && d.b.s.ready());
  auto ha = d.a.all<handshake_event>();
  auto hb = d.b.all<handshake_event>();
  BOOST_REQUIRE_EQUAL(ha.size(), 1u);
  BOOST_REQUIRE_EQUAL(hb.size(), 1u);
  BOOST_TEST(ha[0].remote_static == make_options(false, seed + 2).static_keys.public_key);
  BOOST_TEST(hb[0].remote_static == make_options(true, seed + 1).static_keys.public_key);

  public_key key = test_key(7);
  hash_t dk = dkey_of(key);
  auto la = d.a.s.open_channel(dk, key);
  BOOST_REQUIRE(la);
  BOOST_TEST(*la == 1u);
  d.pump();
  auto opens = d.b.all<remote_open_event>();
  BOOST_REQUIRE_EQUAL(opens.size(), 1u);
  BOOST_TEST(opens[0].channel == 1u);
  BOOST_TEST(opens[0].discovery_key == dk);
  BOOST_TEST(opens[0].capability.has_value());
  BOOST_TEST(d.b.s.verify_remote_open(opens[0].channel, key));
  BOOST_TEST(!d.b.s.verify_remote_open(opens[0].channel, test_key(8)));  // wrong feed key
  BOOST_TEST(d.b.s.channel_count() == 1u);

  BOOST_REQUIRE(d.b.s.open_channel(dk, key));
  d.pump();
  BOOST_REQUIRE_EQUAL(d.a.all<remote_open_event>().size(), 1u);
  BOOST_TEST(d.a.s.verify_remote_open(dk, key));

  // Frames both ways, in order, of many sizes.
  std::mt19937_64 gen(seed);
  std::vector<std::pair<uint8_t, byte_buffer>> sent_a, sent_b;
  for (int i = 0; i < 60; ++i) {
    wire::data_message m;
    m.index = static_cast<uint64_t>(i);
    m.value = byte_buffer(gen() % (i % 10 == 0 ? 200000 : 300), static_cast<uint8_t>(i));
    byte_buffer body = wire::encode(m);
    BOOST_REQUIRE(d.a.s.send(dk, 9, body));
    sent_a.emplace_back(9, body);
    byte_buffer want = wire::encode(wire::want_message{static_cast<uint64_t>(i) * 8192, 8192});
    BOOST_REQUIRE(d.b.s.send(dk, 5, want));
    sent_b.emplace_back(5, want);
    if (i % 7 == 0) d.a.s.send_keep_alive();
  }
  d.pump();
  auto fb = d.b.all<frame_event>();
  auto fa = d.a.all<frame_event>();
  BOOST_REQUIRE_EQUAL(fb.size(), sent_a.size());
  BOOST_REQUIRE_EQUAL(fa.size(), sent_b.size());
  for (size_t i = 0; i < fb.size(); ++i) {
    BOOST_TEST(fb[i].type == sent_a[i].first);
    BOOST_TEST(fb[i].discovery_key == dk);
    BOOST_TEST((fb[i].body == sent_a[i].second));
    BOOST_TEST(fa[i].type == sent_b[i].first);
    BOOST_TEST((fa[i].body == sent_b[i].second));
  }
  BOOST_TEST(d.b.all<keep_alive_event>().size() == 9u);

  // Close from a: b sees it and closes its side; a then sees b's Close.
  BOOST_REQUIRE(d.a.s.close_channel(dk));
  BOOST_TEST(d.a.s.channel_count() == 0u);
  d.pump();
  BOOST_TEST(d.b.all<remote_close_event>().size() == 1u);
  BOOST_TEST(d.a.all<remote_close_event>().size() == 1u);
  BOOST_TEST(d.a.s.channel_count() == 0u);
  BOOST_TEST(d.b.s.channel_count() == 0u);
  BOOST_TEST(!d.a.s.failed());
  BOOST_TEST(!d.b.s.failed());
}

BOOST_AUTO_TEST_CASE(local_ids_smallest_free) {
  uint64_t seed = test_seed() + 10;
  duplex d(make_options(true, seed + 1), make_options(false, seed + 2), seed);
  hash_t k1 = dkey_of(test_key(1)), k2 = dkey_of(test_key(2)), k3 = dkey_of(test_key(3));
  BOOST_TEST(*d.a.s.open_channel(k1, test_key(1)) == 1u);
  BOOST_TEST(*d.a.s.open_channel(k2, test_key(2)) == 2u);
  BOOST_TEST(*d.a.s.open_channel(k1, test_key(1)) == 1u);  // already open
  BOOST_REQUIRE(d.a.s.close_channel(k1));
  BOOST_TEST(*d.a.s.open_channel(k3, test_key(3)) == 1u);
  d.pump();
  BOOST_TEST(d.b.all<remote_open_event>().size() == 3u);
  BOOST_TEST(d.b.all<remote_close_event>().size() == 1u);
  BOOST_TEST(!d.b.s.failed());
}

BOOST_AUTO_TEST_CASE(refusing_an_open_by_discovery_key) {
  uint64_t seed = test_seed() + 20;
  duplex d(make_options(true, seed + 1), make_options(false, seed + 2), seed);
  public_key key = test_key(9);
  hash_t dk = dkey_of(key);
  BOOST_REQUIRE(d.a.s.open_channel(dk, key));
  d.pump();
  BOOST_REQUIRE(d.b.s.close_channel(dk));  // b never opened: Close{discoveryKey}
  BOOST_TEST(d.b.s.channel_count() == 0u);
  BOOST_REQUIRE(d.a.s.send(dk, 5, wire::encode(wire::want_message{0, 8192})));
  d.pump();
  BOOST_TEST(d.a.all<remote_close_event>().size() == 1u);
  BOOST_TEST(d.a.s.channel_count() == 0u);
  BOOST_TEST(d.b.all<frame_event>().empty());  // dropped after the refusal
  BOOST_TEST(d.b.all<remote_close_event>().size() == 1u);
  BOOST_TEST(!d.a.s.failed());
  BOOST_TEST(!d.b.s.failed());
}

BOOST_AUTO_TEST_CASE(capability_namespaces) {
  uint64_t seed = test_seed() + 30;
  public_key key = test_key(4);
  hash_t dk = dkey_of(key);
  duplex same(make_options(true, seed + 1, true, true, "hypercore"),
              make_options(false, seed + 2, true, true, "hypercore"), seed);
  BOOST_REQUIRE(same.a.s.open_channel(dk, key));
  same.pump();
  BOOST_TEST(same.b.s.verify_remote_open(dk, key));
  duplex mixed(make_options(true, seed + 1, true, true, "hypercore"), make_options(false, seed + 2),
               seed);
  BOOST_REQUIRE(mixed.a.s.open_channel(dk, key));
  mixed.pump();
  BOOST_TEST(!mixed.b.s.verify_remote_open(dk, key));
}

BOOST_AUTO_TEST_CASE(unencrypted_without_noise) {
  uint64_t seed = test_seed() + 40;
  duplex d(make_options(true, seed + 1, false, false), make_options(false, seed + 2, false, false),
           seed);
  BOOST_REQUIRE(d.a.s.ready());
  BOOST_REQUIRE_EQUAL(d.a.all<handshake_event>().size(), 1u);
  BOOST_TEST(d.a.all<handshake_event>()[0].remote_static == public_key{});
  public_key key = test_key(5);
  hash_t dk = dkey_of(key);
  BOOST_REQUIRE(d.a.s.open_channel(dk, key));
  // Plaintext: the Open frame is readable as is, with no capability.
  byte_buffer raw = d.a.s.take_output();
  bool seen = false;
  wire::frame_decoder dec;
  BOOST_REQUIRE(dec.feed(raw, [&](const wire::frame_event& f) {
    BOOST_TEST(f.channel == 1u);
    BOOST_TEST(f.type == 0u);
    auto m = wire::decode_open(f.body);
    BOOST_REQUIRE(m);
    BOOST_TEST(!m->capability.has_value());
    seen = true;
  }));
  BOOST_TEST(seen);
  BOOST_REQUIRE(d.b.s.recv(byte_view(raw)));
  d.pump();
  BOOST_TEST(d.b.s.verify_remote_open(dk, test_key(6)));  // no capabilities without Noise
}

BOOST_AUTO_TEST_CASE(noise_without_encryption) {
  uint64_t seed = test_seed() + 50;
  duplex d(make_options(true, seed + 1, false, true), make_options(false, seed + 2, false, true),
           seed);
  BOOST_REQUIRE(d.a.s.ready() && d.b.s.ready());
  public_key key = test_key(6);
  hash_t dk = dkey_of(key);
  BOOST_REQUIRE(d.a.s.open_channel(dk, key));
  byte_buffer raw = d.a.s.take_output();
  wire::frame_decoder dec;
  bool cap = false;
  BOOST_REQUIRE(dec.feed(raw, [&](const wire::frame_event& f) {
    auto m = wire::decode_open(f.body);
    cap = m && m->capability.has_value();
  }));
  BOOST_TEST(cap);
  BOOST_REQUIRE(d.b.s.recv(byte_view(raw)));
  BOOST_TEST(d.b.s.verify_remote_open(dk, key));
  BOOST_TEST(!d.b.s.verify_remote_open(dk, test_key(1)));
}

// --- hostile input -------------------------------------------------------------------------

// A plaintext responder (no Noise): crafted bytes reach the frame layer unchanged.
std::unique_ptr<session> plain_session() {
  auto s = std::make_unique<session>(make_options(false, 1, false, false));
  s->start();
  s->take_events();
  return s;
}

byte_buffer frame(uint64_t channel, uint8_t type, const byte_buffer& body) {
  return wire::encode_frame(channel, type, body);
}

byte_buffer open_frame(uint64_t channel, const hash_t& dk) {
  wire::open_message m;
  m.discovery_key.assign(dk.begin(), dk.end());
  return frame(channel, 0, wire::encode(m));
}

void expect_protocol_error(session& s, const byte_buffer& bytes, const std::string& what) {
  status st = s.recv(byte_view(bytes));
  BOOST_TEST_INFO(what);
  BOOST_TEST(!st.is_ok());
  BOOST_TEST_INFO(what);
  BOOST_TEST((st.code() == errc::protocol_error));
  BOOST_TEST(s.failed());
  auto events = s.take_events();
  BOOST_TEST_INFO(what);
  BOOST_TEST((!events.empty() && std::holds_alternative<error_event>(events.back())));
  // Failed for good, and further input is refused without a crash.
  BOOST_TEST(!s.recv(byte_view(bytes)).is_ok());
  BOOST_TEST(!s.open_channel(hash_t{}, public_key{}));
}

BOOST_AUTO_TEST_CASE(hostile_frames) {
  hash_t dk = dkey_of(test_key(1));
  {
    auto s = plain_session();
    byte_buffer b;
    wire::append_varint(b, wire::max_frame_body + 2);
    b.push_back(0x15);
    expect_protocol_error(*s, b, "oversize frame");
  }
  {
    auto s = plain_session();
    expect_protocol_error(*s, byte_buffer(11, 0xff), "bad length varint");
  }
  {
    auto s = plain_session();
    expect_protocol_error(*s, frame(7, 5, wire::encode(wire::want_message{0, 1})),
                          "unknown channel");
  }
  {
    auto s = plain_session();
    byte_buffer b = frame(1, 5, wire::encode(wire::want_message{0, 1}));
    byte_buffer o = open_frame(1, dk);
    b.insert(b.end(), o.begin(), o.end());
    expect_protocol_error(*s, b, "message before its Open");
  }
  {
    auto s = plain_session();
    byte_buffer b = open_frame(1, dk);
    byte_buffer bad = frame(1, 5, byte_buffer{0xff});
    b.insert(b.end(), bad.begin(), bad.end());
    expect_protocol_error(*s, b, "malformed Want");
  }
  {
    auto s = plain_session();
    wire::open_message m;
    m.discovery_key = byte_buffer(31, 1);
    expect_protocol_error(*s, frame(1, 0, wire::encode(m)), "short discovery key");
  }
  {
    auto s = plain_session();
    byte_buffer b = open_frame(1, dk);
    byte_buffer again = open_frame(2, dk);
    b.insert(b.end(), again.begin(), again.end());
    expect_protocol_error(*s, b, "discovery key opened twice");
  }
  {
    auto s = plain_session();
    byte_buffer b = open_frame(1, dk);
    byte_buffer again = open_frame(1, dkey_of(test_key(2)));
    b.insert(b.end(), again.begin(), again.end());
    expect_protocol_error(*s, b, "channel opened twice");
  }
}

BOOST_AUTO_TEST_CASE(tolerated_frames) {
  auto s = plain_session();
  hash_t dk = dkey_of(test_key(1));
  byte_buffer b = frame(0, 1, wire::encode(wire::options_message{{"ext"}, std::nullopt}));
  auto add = [&](const byte_buffer& x) { b.insert(b.end(), x.begin(), x.end()); };
  add(frame(0, 15, byte_buffer{0, 1, 2}));  // connection-level extension
  add(frame(3, 10, byte_buffer{}));         // Close of an unknown channel
  add(open_frame(1, dk));
  add(frame(1, 12, byte_buffer{1, 2, 3}));  // type without schema
  add(byte_buffer{0});                      // keep-alive
  add(frame(1, 5, wire::encode(wire::want_message{0, 8192})));
  BOOST_REQUIRE(s->recv(byte_view(b)));
  auto events = s->take_events();
  BOOST_REQUIRE_EQUAL(events.size(), 3u);
  BOOST_TEST(std::holds_alternative<remote_open_event>(events[0]));
  BOOST_TEST(std::holds_alternative<keep_alive_event>(events[1]));
  BOOST_TEST(std::holds_alternative<frame_event>(events[2]));
}

BOOST_AUTO_TEST_CASE(random_bytes_never_crash) {
  uint64_t seed = test_seed() + 60;
  std::mt19937_64 gen(seed);
  int failed = 0;
  const int trials = 300;
  for (int t = 0; t < trials; ++t) {
    // After a real handshake: random bytes decrypt to random frames.
    duplex d(make_options(true, seed + 2 * t), make_options(false, seed + 2 * t + 1), gen());
    byte_buffer junk(1 + gen() % 3000);
    for (auto& x : junk) x = static_cast<uint8_t>(gen());
    d.b.s.recv(byte_view(junk));
    if (d.b.s.failed()) ++failed;
    // Before the handshake: garbage for the responder.
    session r(make_options(false, seed + t));
    r.start();
    r.recv(byte_view(junk));
  }
  std::cout << "random bytes: " << failed << "/" << trials << " ended the session" << std::endl;
  // The rest announced a long frame (a random length prefix) that is still incomplete.
  BOOST_TEST(failed > trials / 3);
}

BOOST_AUTO_TEST_CASE(garbage_handshake_fails) {
  session r(make_options(false, 3));
  r.start();
  byte_buffer junk(200, 0x41);
  junk[0] = 100;  // a 100-byte "handshake message" that is not one
  BOOST_TEST(!r.recv(byte_view(junk)).is_ok());
  BOOST_TEST(r.failed());
  BOOST_TEST(!r.ready());
}

}  // namespace
