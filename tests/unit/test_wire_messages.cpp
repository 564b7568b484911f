#define BOOST_TEST_MODULE wire_messages
#include <boost/test/unit_test.hpp>

#include <string>

#include "core/types.hpp"
#include "wire/bitfield_rle.hpp"
#include "wire/messages.hpp"

// Exact bytes pinned from the reference encoders (@ddatabase/simple-protocol messages.js,
// bitfield-rle); regenerate with tests/unit/gen/wire_vectors.js.
namespace {

using namespace ddb;
using namespace ddb::wire;

byte_buffer hex(const std::string& s) {
  byte_buffer out;
  BOOST_REQUIRE(from_hex(s, out));
  return out;
}
byte_buffer filled(size_t n, uint8_t v) {
  return byte_buffer(n, v);
}
hash_t hash_of(uint8_t v) {
  hash_t h{};
  h.fill(v);
  return h;
}

// Encodes `m`, checks the pinned hex, decodes the pinned bytes back and compares.
template <class T, class D>
void check_vector(const T& m, const std::string& expected_hex, D decode) {
  BOOST_CHECK_EQUAL(to_hex(encode(m)), expected_hex);
  auto back = decode(hex(expected_hex));
  BOOST_REQUIRE_MESSAGE(back, back.error().to_string());
  BOOST_CHECK(*back == m);
}

BOOST_AUTO_TEST_CASE(noise_payload_open_options_status) {
  check_vector(noise_payload{filled(24, 7)}, "0a18070707070707070707070707070707070707070707070707",
               decode_noise_payload);
  std::string dk1 = "0a20" + std::string(64, '0');
  for (size_t i = 4; i < dk1.size(); i += 2) dk1[i + 1] = '1';
  check_vector(open_message{filled(32, 1), std::nullopt}, dk1, decode_open);
  std::string cap = dk1 + "1220" + std::string(64, '0');
  for (size_t i = dk1.size() + 4; i < cap.size(); i += 2) cap[i + 1] = '2';
  check_vector(open_message{filled(32, 1), filled(32, 2)}, cap, decode_open);
  check_vector(options_message{}, "", decode_options);
  check_vector(options_message{{"a", "ext-b", "\xc3\xbcn\xc3\xaf"}, true},
               "0a01610a056578742d620a05c3bc6ec3af1001", decode_options);
  check_vector(status_message{}, "", decode_status);
  check_vector(status_message{false, true}, "08001001", decode_status);
}

BOOST_AUTO_TEST_CASE(have_family) {
  check_vector(have_message{0, std::nullopt, std::nullopt, std::nullopt}, "0800", decode_have);
  check_vector(have_message{300, 1 << 20, hex("0102"), true}, "08ac02108080401a0201022001",
               decode_have);
  check_vector(have_message{(uint64_t{1} << 53) - 1, uint64_t{1} << 40, {}, {}},
               "08ffffffffffffff0f10808080808020", decode_have);
  check_vector(unhave_message{5, 2}, "08051002", decode_unhave);
  check_vector(want_message{0, 1024}, "0800108008", decode_want);
  check_vector(want_message{128, std::nullopt}, "088001", decode_want);
  check_vector(unwant_message{1, 1}, "08011001", decode_unwant);
  // Defaults when absent.
  BOOST_CHECK_EQUAL(decode_have(hex("0800"))->length_or_default(), 1u);
  BOOST_CHECK_EQUAL(decode_unhave(hex("0800"))->length_or_default(), 1u);
}

BOOST_AUTO_TEST_CASE(request_cancel_data_close_extension) {
  check_vector(request_message{7, {}, {}, {}}, "0807", decode_request);
  check_vector(request_message{70000, 12, true, 3}, "08f0a204100c18012003", decode_request);
  check_vector(cancel_message{9, 0, false}, "080910001800", decode_cancel);
  check_vector(data_message{0, {}, {}, {}}, "0800", decode_data);
  data_message d;
  d.index = 5;
  d.value = byte_buffer{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'};
  d.nodes = {tree_node{10, 100, hash_of(0xaa)}, tree_node{3, uint64_t{1} << 33, hash_of(0xbb)}};
  d.signature = filled(64, 0xcc);
  check_vector(d,
               "0805120b68656c6c6f20776f726c641a26080a1220" + std::string(64, 'a') +
                   "18641a2a08031220" + std::string(64, 'b') + "1880808080202240" +
                   std::string(128, 'c'),
               decode_data);
  check_vector(close_message{}, "", decode_close);
  check_vector(close_message{filled(32, 9)}, "0a20" + to_hex(filled(32, 9)), decode_close);
  check_vector(extension_message{300, {'p', 'a', 'y', 'l', 'o', 'a', 'd'}}, "ac027061796c6f6164",
               decode_extension);
}

BOOST_AUTO_TEST_CASE(decode_message_dispatch) {
  auto m = decode_message(3, hex("08ac02108080401a0201022001"));
  BOOST_REQUIRE(m);
  BOOST_REQUIRE(std::holds_alternative<have_message>(*m));
  BOOST_CHECK_EQUAL(type_of(*m), 3);
  BOOST_CHECK_EQUAL(to_hex(encode(*m)), "08ac02108080401a0201022001");
  auto ext = decode_message(15, hex("0501"));
  BOOST_REQUIRE(ext);
  BOOST_CHECK_EQUAL(type_of(*ext), 15);
  auto unk = decode_message(12, hex("ffff"));
  BOOST_REQUIRE(unk);
  BOOST_CHECK_EQUAL(type_of(*unk), 12);
  BOOST_CHECK_EQUAL(to_hex(encode(*unk)), "ffff");
  BOOST_CHECK(!decode_message(16, {}));
  for (uint8_t t = 0; t <= 10; ++t) {
    auto empty = decode_message(t, {});
    // Options, Status and Close have no required field.
    BOOST_CHECK_EQUAL(static_cast<bool>(empty), t == 1 || t == 2 || t == 10);
    if (empty) BOOST_CHECK_EQUAL(type_of(*empty), t);
  }
}

BOOST_AUTO_TEST_CASE(unknown_fields_are_skipped) {
  // Have{start 1} with unknown fields of every supported wire type interleaved:
  // field 9 varint, field 10 fixed64, field 11 bytes, field 12 fixed32.
  byte_buffer b =
      hex("48ff01"
          "510102030405060708"
          "5a03616263"
          "6501020304"
          "0801");
  auto h = decode_have(b);
  BOOST_REQUIRE_MESSAGE(h, h.error().to_string());
  BOOST_CHECK_EQUAL(h->start, 1u);
  BOOST_CHECK(!h->length);
  // Repeated scalar: last one wins.
  auto r = decode_request(hex("08010802"));
  BOOST_REQUIRE(r);
  BOOST_CHECK_EQUAL(r->index, 2u);
}

void expect_malformed(uint8_t type, const std::string& h) {
  auto m = decode_message(type, hex(h));
  BOOST_CHECK_MESSAGE(!m, "type " << int(type) << " body " << h << " should fail");
  if (!m) BOOST_CHECK(m.error().code() == errc::protocol_error);
}

BOOST_AUTO_TEST_CASE(malformed_inputs_fail_cleanly) {
  expect_malformed(0, "");                             // missing discoveryKey
  expect_malformed(0, "1220" + std::string(64, '0'));  // capability only
  expect_malformed(0, "0a21" + std::string(64, '0'));  // length past the end
  expect_malformed(0, "0a");                           // truncated length
  expect_malformed(0, "0820");                         // discoveryKey with varint wire type
  expect_malformed(3, "10");                           // truncated varint value, missing start
  expect_malformed(3, "08ffffffffffffffffffff01");     // overlong varint
  expect_malformed(3,
                   "0801"
                   "1b");  // group start wire type
  expect_malformed(3,
                   "0801"
                   "0c");  // group end wire type
  expect_malformed(3,
                   "0801"
                   "0e");  // wire type 6
  expect_malformed(3,
                   "0801"
                   "07");  // field number 0
  expect_malformed(3,
                   "0801"
                   "51010203");  // fixed64 past the end
  expect_malformed(3,
                   "0801"
                   "6501");                       // fixed32 past the end
  expect_malformed(7, "1001");                    // Request without index
  expect_malformed(8, "");                        // Cancel without index
  expect_malformed(9, "1a00");                    // Data without index; node missing fields
  expect_malformed(9, "08001a0408011203");        // node hash past the end
  expect_malformed(9, "08001a0608011201aa1801");  // node hash not 32 bytes
  expect_malformed(9, "08001a2208011220" + std::string(64, 'a'));  // node without size
  expect_malformed(15, "");                                        // extension without id
  expect_malformed(15, "80");                                      // truncated id
  expect_malformed(4, "");
  expect_malformed(5, "");
  expect_malformed(6, "1001");
  // Every strict prefix of a valid Data message either decodes or fails cleanly.
  byte_buffer full = encode(data_message{5, byte_buffer(3, 1), {tree_node{1, 2, hash_of(3)}}, {}});
  for (size_t n = 0; n < full.size(); ++n) {
    auto m = decode_data(byte_view(full.data(), n));
    if (m) BOOST_CHECK(!(*m == *decode_data(full)));
  }
}

byte_buffer mixed_bitfield() {
  byte_buffer b(20, 0xff);
  for (uint8_t v : {1, 2, 3}) b.push_back(v);
  b.insert(b.end(), 40, 0);
  b.insert(b.end(), 3, 0xff);
  b.push_back(0xc2);
  b.push_back(0x80);
  b.insert(b.end(), 200, 0xff);
  b.insert(b.end(), 5, 0);
  return b;
}

BOOST_AUTO_TEST_CASE(bitfield_rle_vectors) {
  struct vec {
    byte_buffer in;
    std::string out;
  };
  byte_buffer long_in(70000, 0xff);
  long_in.push_back(0x10);
  long_in.insert(long_in.end(), 17, 0);
  long_in.push_back(0x01);
  vec vecs[] = {
      {{}, ""},
      {byte_buffer(100, 0), ""},
      {byte_buffer(100, 0xff), "9303"},
      {mixed_bitfield(), "5306010203a1010f04c280a306"},
      {hex("01020304"), "0801020304"},
      {hex("c3bf00c3bf000fc3bfc3bf"), "16c3bf00c3bf000fc3bfc3bf"},
      {long_in, "c38b110210450201"},
  };
  for (const auto& v : vecs) {
    BOOST_CHECK_EQUAL(to_hex(rle::encode(v.in)), v.out);
    auto back = rle::decode(hex(v.out));
    BOOST_REQUIRE(back);
    byte_buffer trimmed = v.in;
    while (!trimmed.empty() && trimmed.back() == 0) trimmed.pop_back();
    BOOST_CHECK(*back == trimmed);
  }
}

BOOST_AUTO_TEST_CASE(bitfield_rle_align_and_limits) {
  auto a4 = rle::decode(hex("0801020304"
                            "05"),
                        4);  // 4 literal bytes + run of 1 zero byte
  BOOST_REQUIRE(a4);
  BOOST_CHECK_EQUAL(a4->size(), 8u);
  auto a1 = rle::decode(hex("0401020b"), 4);  // 2 literal bytes, then 2 bytes of 0xff
  BOOST_REQUIRE(a1);
  BOOST_CHECK_EQUAL(to_hex(*a1), "0102ffff");
  BOOST_CHECK(!rle::decode(hex("0a0102")));  // literal past the end
  BOOST_CHECK(!rle::decode(hex("80")));      // truncated varint
  // A 10-byte header claiming 2^62 bytes is refused without allocating.
  BOOST_CHECK(!rle::decode(hex("ffffffffffffffffff01")));
  BOOST_CHECK(!rle::decode(hex("1307"), 1, 4));  // 4 + 1 bytes of ones over a limit of 4
  BOOST_CHECK(rle::decode(hex("13"), 1, 4));
  BOOST_CHECK(!rle::decode(hex("0b"), 8, 4));  // padding pushes past the limit
}

}  // namespace
