#define BOOST_TEST_MODULE wire_noise
#include <boost/test/unit_test.hpp>

#include <sodium.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/types.hpp"
#include "wire/noise.hpp"

// Noise_XX_25519_ChaChaPoly_BLAKE2b against the cacophony vectors in
// /work/shared/reference/vectors (DDB_NOISE_VECTORS overrides the path), plus state-machine checks.
namespace {

using namespace ddb;
using namespace ddb::wire::noise;

struct init_fixture {
  init_fixture() { BOOST_REQUIRE(sodium_init() >= 0); }
};
BOOST_TEST_GLOBAL_FIXTURE(init_fixture);

byte_buffer hex(const std::string& s) {
  byte_buffer out;
  BOOST_REQUIRE(from_hex(s, out));
  return out;
}

key32 hex32(const std::string& s) {
  byte_buffer b = hex(s);
  BOOST_REQUIRE_EQUAL(b.size(), 32u);
  key32 k{};
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}

nlohmann::json load_xx_vector() {
  const char* env = std::getenv("DDB_NOISE_VECTORS");
  std::string path =
      env ? env : "/work/shared/reference/vectors/noise-xx-25519-chachapoly-blake2b.json";
  std::ifstream in(path);
  BOOST_REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  nlohmann::json doc = nlohmann::json::parse(in);
  for (const auto& v : doc["vectors"]) {
    if (v["protocol_name"] == protocol_name) return v;
  }
  BOOST_FAIL("no Noise_XX_25519_ChaChaPoly_BLAKE2b vector");
  return {};
}

// An RNG that hands out one fixed 32-byte secret.
random_source fixed_rng(const key32& secret) {
  return random_source([secret](uint8_t* out, size_t n) {
    BOOST_REQUIRE_EQUAL(n, secret.size());
    std::copy(secret.begin(), secret.end(), out);
  });
}

handshake_options options_for(const nlohmann::json& v, bool initiator) {
  const char* who = initiator ? "init" : "resp";
  handshake_options o;
  o.initiator = initiator;
  o.prologue = hex(v[std::string(who) + "_prologue"]);
  o.static_keys = dh_key_pair_from_secret(hex32(v[std::string(who) + "_static"]));
  o.rng = fixed_rng(hex32(v[std::string(who) + "_ephemeral"]));
  return o;
}

BOOST_AUTO_TEST_CASE(cacophony_xx_vector) {
  nlohmann::json v = load_xx_vector();
  handshake_state init(options_for(v, true));
  handshake_state resp(options_for(v, false));
  const auto& msgs = v["messages"];
  BOOST_REQUIRE_GE(msgs.size(), 4u);

  for (size_t i = 0; i < handshake_state::pattern_count; ++i) {
    handshake_state& w = (i % 2 == 0) ? init : resp;
    handshake_state& r = (i % 2 == 0) ? resp : init;
    byte_buffer payload = hex(msgs[i]["payload"]);
    auto ct = w.write_message(payload);
    BOOST_REQUIRE(ct);
    BOOST_CHECK_EQUAL(to_hex(*ct), msgs[i]["ciphertext"].get<std::string>());
    auto pt = r.read_message(*ct);
    BOOST_REQUIRE(pt);
    BOOST_CHECK(*pt == payload);
  }
  BOOST_REQUIRE(init.is_complete() && resp.is_complete());
  BOOST_CHECK_EQUAL(to_hex(init.handshake_hash()), v["handshake_hash"].get<std::string>());
  BOOST_CHECK(init.handshake_hash() == resp.handshake_hash());
  BOOST_CHECK(init.split().tx == resp.split().rx);
  BOOST_CHECK(init.split().rx == resp.split().tx);
  BOOST_CHECK(*init.remote_static() == resp.local_static().public_key);
  BOOST_CHECK(*resp.remote_static() == init.local_static().public_key);

  // Transport messages alternate, continuing from the handshake (index 3 is the responder's).
  cipher_state tx[2] = {init.tx_cipher(), resp.tx_cipher()};
  cipher_state rx[2] = {resp.rx_cipher(), init.rx_cipher()};
  for (size_t i = handshake_state::pattern_count; i < msgs.size(); ++i) {
    size_t who = i % 2;  // 0: initiator sends
    byte_buffer payload = hex(msgs[i]["payload"]);
    byte_buffer ct;
    BOOST_REQUIRE(tx[who].encrypt_with_ad({}, payload, ct));
    BOOST_CHECK_EQUAL(to_hex(ct), msgs[i]["ciphertext"].get<std::string>());
    byte_buffer pt;
    BOOST_REQUIRE(rx[who].decrypt_with_ad({}, ct, pt));
    BOOST_CHECK(pt == payload);
  }
}

handshake_options random_options(bool initiator, uint8_t seed) {
  handshake_options o;
  o.initiator = initiator;
  key32 s{};
  s.fill(seed);
  o.static_keys = dh_key_pair_from_seed(s);
  return o;
}

BOOST_AUTO_TEST_CASE(empty_prologue_round_trip_and_turns) {
  handshake_state init(random_options(true, 1));
  handshake_state resp(random_options(false, 2));
  BOOST_CHECK(init.is_my_turn());
  BOOST_CHECK(!resp.is_my_turn());
  BOOST_CHECK(!resp.write_message({}));  // out of turn: error, state intact
  BOOST_CHECK(!resp.failed());
  auto m1 = init.write_message(std::string_view("hello"));
  BOOST_REQUIRE(m1);
  BOOST_CHECK_EQUAL(m1->size(), 32u + 5u);  // e + plaintext payload
  BOOST_REQUIRE(resp.read_message(*m1));
  auto m2 = resp.write_message(std::string_view("x"));
  BOOST_REQUIRE(m2);
  BOOST_CHECK_EQUAL(m2->size(), 32u + 48u + 1u + 16u);
  BOOST_REQUIRE(init.read_message(*m2));
  auto m3 = init.write_message({});
  BOOST_REQUIRE(m3);
  BOOST_CHECK_EQUAL(m3->size(), 48u + 16u);
  BOOST_CHECK(init.is_complete());
  BOOST_CHECK(!resp.is_complete());
  BOOST_REQUIRE(resp.read_message(*m3));
  BOOST_CHECK(resp.is_complete());
  BOOST_CHECK(init.split().tx == resp.split().rx);
  BOOST_CHECK(init.split().tx != init.split().rx);
  BOOST_CHECK(!init.write_message({}));
}

BOOST_AUTO_TEST_CASE(tampered_message_fails_for_good) {
  handshake_state init(random_options(true, 3));
  handshake_state resp(random_options(false, 4));
  auto m1 = init.write_message({});
  BOOST_REQUIRE(m1 && resp.read_message(*m1));
  auto m2 = resp.write_message({});
  BOOST_REQUIRE(m2);
  byte_buffer bad = *m2;
  bad[40] ^= 1;  // inside the encrypted static key
  auto r = init.read_message(bad);
  BOOST_REQUIRE(!r);
  BOOST_CHECK(r.error().code() == errc::protocol_error);
  BOOST_CHECK(init.failed());
  BOOST_CHECK(!init.read_message(*m2));  // failed state persists
}

BOOST_AUTO_TEST_CASE(short_and_low_order_messages_fail) {
  handshake_state resp(random_options(false, 5));
  byte_buffer short_msg(31, 0);
  BOOST_CHECK(!resp.read_message(short_msg));
  handshake_state resp2(random_options(false, 6));
  byte_buffer zero_key(32, 0);  // e = 0: ee in message 2 would be all zeros
  BOOST_REQUIRE(resp2.read_message(zero_key));
  BOOST_CHECK(!resp2.write_message({}));
  BOOST_CHECK(resp2.failed());
}

BOOST_AUTO_TEST_CASE(hmac_matches_rfc2104_shape) {
  // HMAC with a key longer than the block size hashes the key first.
  byte_buffer long_key(200, 0xaa);
  hash64 k = hash({long_key});
  BOOST_CHECK(hmac(long_key, {std::string_view("data")}) == hmac(k, {std::string_view("data")}));
  BOOST_CHECK(hmac(std::string_view("key"), {std::string_view("da"), std::string_view("ta")}) ==
              hmac(std::string_view("key"), {std::string_view("data")}));
}

}  // namespace
