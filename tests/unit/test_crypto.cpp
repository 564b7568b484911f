#define BOOST_TEST_MODULE crypto
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "core/types.hpp"
#include "tests/support/hex.hpp"

// Expected values are fixtures pinned from the reference package (@ddatabase/crypto,
// hypercore-crypto, merkle-tree-stream); regenerate with tests/unit/gen/crypto_vectors.js.
namespace {

using namespace ddb;

struct init_fixture {
  init_fixture() { BOOST_REQUIRE(crypto::init()); }
};
BOOST_TEST_GLOBAL_FIXTURE(init_fixture);

tree_node node(uint64_t index, uint64_t size, std::string_view hash_hex) {
  return tree_node{index, size, ddb::test::hex_array<32>(hash_hex)};
}

std::array<uint8_t, 32> fixed_seed() {
  std::array<uint8_t, 32> seed{};
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(i);
  return seed;
}

const char* const leaf_a = "ab27d45f509274ce0d08f4f09ba2d0e0d8df61a0c2a78932e81b5ef26ef398df";
const char* const leaf_b = "94c17054005942a002c7c39fbb9c6183518691fb401436f1a2f329b380230af8";
const char* const leaf_empty = "5187b7a8021bf4f2c004ea3a54cfece1754f11c7624d2363c7f4cf4fddd1441e";
const char* const parent_ab = "064321a8413be8c604599689e2c7a59367b031b598bceeeb16556a8f3252e0de";
const char* const root_3 = "8dfe81d576464773f848b9aba1c886fde57a49c283ab57f4a297d976d986651e";
const char* const root_9 = "d1b021632c7fab84544053379112ca7b165bb21283821816c5b6c89ff7f78e2d";
const char* const tree_af = "ad30329bc922203164dced80363aac0e8cc7d50e6a1a928c546576868604ec71";
const char* const public_key_hex =
    "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
const char* const discovery_ddatabase =
    "e78fd48e7c9524c33344d4cf14ee721f7d81d4d3aa57532eab4031b6648d3241";
const char* const discovery_hypercore =
    "daaf3d66c0c7b35b2a9ca711d5cac1154025f2a37f9dd714ee59a894edaa90a9";
const char* const sign_message =
    "f4517bfb67bff7f6894899da8029e625ffaae63592cee7f8d93a0c9b31b90404"
    "72f802a4433544594072951df192121248dfa7bb5ae10123d17c4241be4bbb0a";
const char* const sign_signable_af =
    "ff05f96cc9df47dca69258233839e2de9af1e468191224cb2d0431d5ed23a005"
    "3cffd638ac8de5f0af0201fe30667e1fa36921f8523e3e81fe0bc318be138803";

std::vector<tree_node> roots_af() {
  return {node(3, 4, root_3), node(9, 2, root_9)};
}

}  // namespace

BOOST_AUTO_TEST_CASE(init_is_idempotent) {
  BOOST_TEST(crypto::init());
  BOOST_TEST(crypto::init());
}

BOOST_AUTO_TEST_CASE(leaf_hashes) {
  BOOST_TEST(to_hex(crypto::leaf_hash(std::string_view("a"))) == leaf_a);
  BOOST_TEST(to_hex(crypto::leaf_hash(std::string_view("b"))) == leaf_b);
  BOOST_TEST(to_hex(crypto::leaf_hash(byte_view())) == leaf_empty);
}

BOOST_AUTO_TEST_CASE(parent_hash_orders_by_index) {
  tree_node a = node(0, 1, leaf_a);
  tree_node b = node(2, 1, leaf_b);
  BOOST_TEST(to_hex(crypto::parent_hash(a, b)) == parent_ab);
  BOOST_TEST(to_hex(crypto::parent_hash(b, a)) == parent_ab);
}

BOOST_AUTO_TEST_CASE(tree_hash_and_signable) {
  BOOST_TEST(to_hex(crypto::tree_hash(roots_af())) == tree_af);
  auto s = crypto::signable(roots_af(), 6);
  BOOST_TEST(to_hex(s) == std::string(tree_af) + "0000000000000006");
  auto big = crypto::signable(roots_af(), 0x0102030405060708ull);
  BOOST_TEST(to_hex(byte_view(big.data() + 32, 8)) == "0102030405060708");
}

BOOST_AUTO_TEST_CASE(discovery_keys) {
  public_key pk = ddb::test::hex_array<32>(public_key_hex);
  BOOST_TEST(to_hex(crypto::discovery_key(pk)) == discovery_ddatabase);
  BOOST_TEST(to_hex(crypto::discovery_key(pk, "ddatabase")) == discovery_ddatabase);
  BOOST_TEST(to_hex(crypto::discovery_key(pk, "hypercore")) == discovery_hypercore);
}

BOOST_AUTO_TEST_CASE(key_pair_from_seed_matches_reference) {
  crypto::key_pair kp = crypto::key_pair_from_seed(fixed_seed());
  BOOST_TEST(to_hex(kp.public_key) == public_key_hex);
  BOOST_TEST(to_hex(kp.secret_key) == to_hex(fixed_seed()) + public_key_hex);
  BOOST_TEST(to_hex(crypto::public_key_of(kp.secret_key)) == to_hex(kp.public_key));
}

BOOST_AUTO_TEST_CASE(signatures_match_reference) {
  crypto::key_pair kp = crypto::key_pair_from_seed(fixed_seed());
  signature_t sig = crypto::sign(std::string_view("hello ddatabase"), kp.secret_key);
  BOOST_TEST(to_hex(sig) == sign_message);
  BOOST_TEST(crypto::verify(std::string_view("hello ddatabase"), sig, kp.public_key));
  BOOST_TEST(!crypto::verify(std::string_view("hello ddatabasf"), sig, kp.public_key));
  sig[10] ^= 1;
  BOOST_TEST(!crypto::verify(std::string_view("hello ddatabase"), sig, kp.public_key));

  auto signable = crypto::signable(roots_af(), 6);
  BOOST_TEST(to_hex(crypto::sign(signable, kp.secret_key)) == sign_signable_af);
}

BOOST_AUTO_TEST_CASE(verify_roots_and_compat) {
  crypto::key_pair kp = crypto::key_pair_from_seed(fixed_seed());
  signature_t sig = ddb::test::hex_array<64>(sign_signable_af);
  BOOST_TEST(crypto::verify_roots(roots_af(), 6, sig, kp.public_key));
  BOOST_TEST(!crypto::verify_roots(roots_af(), 5, sig, kp.public_key));
  // hypercore 8 era: the signature covers the 32-byte tree hash alone.
  signature_t old_sig = crypto::sign(crypto::tree_hash(roots_af()), kp.secret_key);
  BOOST_TEST(crypto::verify_roots(roots_af(), 6, old_sig, kp.public_key));
  BOOST_TEST(crypto::verify_roots(roots_af(), 1234, old_sig, kp.public_key));
  crypto::key_pair other = crypto::generate_key_pair();
  BOOST_TEST(!crypto::verify_roots(roots_af(), 6, sig, other.public_key));
}

BOOST_AUTO_TEST_CASE(verify_hook_is_used) {
  crypto::key_pair kp = crypto::key_pair_from_seed(fixed_seed());
  std::vector<size_t> sizes;
  crypto::verify_fn hook = [&](byte_view m, const signature_t&, const public_key&) {
    sizes.push_back(m.size);
    return false;
  };
  signature_t sig = ddb::test::hex_array<64>(sign_signable_af);
  BOOST_TEST(!crypto::verify_roots(roots_af(), 6, sig, kp.public_key, hook));
  BOOST_TEST(sizes == (std::vector<size_t>{40, 32}), boost::test_tools::per_element());
  crypto::verify_fn yes = [](byte_view, const signature_t&, const public_key&) { return true; };
  BOOST_TEST(crypto::verify_roots(roots_af(), 6, signature_t{}, kp.public_key, yes));
}

BOOST_AUTO_TEST_CASE(random_and_generated_keys) {
  random_source rng;
  BOOST_TEST(rng.is_system());
  std::array<uint8_t, 32> a = rng.bytes<32>(), b = rng.bytes<32>();
  BOOST_TEST(to_hex(a) != to_hex(b));
  crypto::key_pair kp = crypto::generate_key_pair();
  BOOST_TEST(to_hex(crypto::public_key_of(kp.secret_key)) == to_hex(kp.public_key));
  signature_t sig = crypto::sign(std::string_view("x"), kp.secret_key);
  BOOST_TEST(crypto::verify(std::string_view("x"), sig, kp.public_key));
}
