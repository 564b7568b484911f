#define BOOST_TEST_MODULE proof_verify
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "core/flat_tree.hpp"
#include "core/merkle.hpp"
#include "core/proof_verify.hpp"
#include "tests/support/hex.hpp"

namespace ddb {
std::ostream& operator<<(std::ostream& os, errc code) {
  return os << to_string(code);
}
std::ostream& operator<<(std::ostream& os, const tree_node& n) {
  return os << "{" << n.index << ", " << n.size << ", " << to_hex(n.hash) << "}";
}
}  // namespace ddb

namespace {

using namespace ddb;
namespace ft = ddb::flat_tree;

struct init_fixture {
  init_fixture() { BOOST_REQUIRE(crypto::init()); }
};
BOOST_TEST_GLOBAL_FIXTURE(init_fixture);

std::string block_value(uint64_t i) {
  return "block-" + std::to_string(i * 7919 % 1000);
}

// A writer's complete tree of `n` blocks, and what a sender would put in a Data message.
struct test_tree {
  crypto::key_pair keys;
  std::map<uint64_t, tree_node> nodes;
  uint64_t blocks = 0;

  explicit test_tree(uint64_t n) {
    std::array<uint8_t, 32> seed{};
    seed[0] = 42;
    keys = crypto::key_pair_from_seed(seed);
    merkle_builder b;
    std::vector<tree_node> out;
    for (uint64_t i = 0; i < n; ++i) {
      out.clear();
      b.append(std::string_view(block_value(i)), out);
      for (const tree_node& node : out) nodes[node.index] = node;
    }
    blocks = n;
  }

  std::vector<tree_node> roots(uint64_t length) const {
    std::vector<tree_node> out;
    for (uint64_t i : ft::full_roots(2 * length)) out.push_back(nodes.at(i));
    return out;
  }
  signature_t signature(uint64_t length) const {
    return crypto::sign(crypto::signable(roots(length), length), keys.secret_key);
  }
  // Siblings up to a trusted node or a root of `length`, then the other roots, leaving out what
  // the receiver already has (`have`), as the reference sender does with a digest.
  std::vector<tree_node> proof(uint64_t block, uint64_t length,
                               const std::set<uint64_t>& have = {}) const {
    std::vector<uint64_t> roots = ft::full_roots(2 * length);
    std::set<uint64_t> root_set(roots.begin(), roots.end());
    std::vector<tree_node> out;
    uint64_t i = 2 * block;
    while (!root_set.count(i)) {
      if (have.count(i)) return out;
      uint64_t sib = ft::sibling(i);
      if (!have.count(sib)) out.push_back(nodes.at(sib));
      i = ft::parent(i);
    }
    if (have.count(i)) return out;
    for (uint64_t r : roots) {
      if (r != i && !have.count(r)) out.push_back(nodes.at(r));
    }
    return out;
  }
  trusted_lookup lookup(const std::set<uint64_t>& have) const {
    return [this, have](uint64_t index) -> std::optional<tree_node> {
      if (!have.count(index)) return std::nullopt;
      return nodes.at(index);
    };
  }
};

trusted_lookup nothing_trusted() {
  return {};
}

std::vector<uint64_t> indexes_of(const std::vector<tree_node>& nodes) {
  std::vector<uint64_t> out;
  for (const tree_node& n : nodes) out.push_back(n.index);
  return out;
}

void check_failure(const result<verified_data>& r, errc expected) {
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code() == expected, r.error().to_string());
}

struct pinned_node {
  uint64_t index;
  uint64_t size;
  const char* hash;
};

// Proofs the reference sends (feed.proof) for an 11-block feed of "block-0".."block-10" written
// with the key pair of seed 00 01 .. 1f. Regenerate with tests/unit/gen/proof_vectors.js.
const char* const reference_key =
    "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
const char* const reference_signature_11 =
    "8f4a4373c29a45c0f5d479aecae2480137ab7a28207d15685cf1f6d51c1a04b8"
    "b57321026c625e0c178858353a72c1f401adb15bd737ef05b92ab211f9c6a50e";
struct reference_proof {
  uint64_t block;
  bool has_value;
  std::vector<pinned_node> nodes;
};
const reference_proof reference_proofs[] = {
    {0,
     true,
     {
         {2, 7, "789186f0440b3670a892eaf788f46be0bd5970cbc222175ceda2a9e6b5e3e33d"},
         {5, 14, "6cad34f5a0f169a9e2c638ca12bf33ad269ad3311ebf2966a4d21b8ccf3b7a4a"},
         {11, 28, "983398ff5981d992b32107b53772f6973ed8a6ccfa52064673d7b271ba8e5714"},
         {17, 14, "5d99f33fbe55fa0ad042dab37de41563316316ed30ef627e7f5e2f0b8e2dde6b"},
         {20, 8, "b02567ad909f822f84db228e632c399b8817429ea14342a8a4f684da8a1d97b6"},
     }},
    {3,
     true,
     {
         {4, 7, "cc75af4e09b55b3d878a7846587e9e4c4967efd2f1888058e21e77098216ca9b"},
         {1, 14, "7ed241af1b1cdc59f961b2ee4113e858cd9800b4daa3fb0ada4f303fd6efb6a7"},
         {11, 28, "983398ff5981d992b32107b53772f6973ed8a6ccfa52064673d7b271ba8e5714"},
         {17, 14, "5d99f33fbe55fa0ad042dab37de41563316316ed30ef627e7f5e2f0b8e2dde6b"},
         {20, 8, "b02567ad909f822f84db228e632c399b8817429ea14342a8a4f684da8a1d97b6"},
     }},
    {7,
     true,
     {
         {12, 7, "d9b4c7bd5d9c3815a343b6b3f55087521869623c882c930bbb9219e1a580bbd3"},
         {9, 14, "1fa4a63d532cfea97cbc0c0a8307d0ed871a510499e4c1dc809c680c43782aa2"},
         {3, 28, "6a86802040eb3b3bc456e9fcb67ea50217b7b13a48ca0d3f7638df0407cce5ca"},
         {17, 14, "5d99f33fbe55fa0ad042dab37de41563316316ed30ef627e7f5e2f0b8e2dde6b"},
         {20, 8, "b02567ad909f822f84db228e632c399b8817429ea14342a8a4f684da8a1d97b6"},
     }},
    {10,
     true,
     {
         {7, 56, "01340f3923ff28402fa9c204ad95b62c5e6b55e1f24cd6fe998d702e728375e4"},
         {17, 14, "5d99f33fbe55fa0ad042dab37de41563316316ed30ef627e7f5e2f0b8e2dde6b"},
     }},
    {10,
     false,
     {
         {20, 8, "b02567ad909f822f84db228e632c399b8817429ea14342a8a4f684da8a1d97b6"},
         {7, 56, "01340f3923ff28402fa9c204ad95b62c5e6b55e1f24cd6fe998d702e728375e4"},
         {17, 14, "5d99f33fbe55fa0ad042dab37de41563316316ed30ef627e7f5e2f0b8e2dde6b"},
     }},
    {4,
     false,
     {
         {8, 7, "43bc0d4aad42ffaf48e05b92f17062a8a484a5bee9c8c3f735f587b458bb1d1a"},
         {10, 7, "2758814340cc3b1a2cf24cc62d62b131f392e7a207af23c84adfb688e894cdf4"},
         {13, 14, "4dd34dd1b983e706d8471963f7e4c1ca47e0f7fcdcfadd22a04308f6acc63ab5"},
         {3, 28, "6a86802040eb3b3bc456e9fcb67ea50217b7b13a48ca0d3f7638df0407cce5ca"},
         {17, 14, "5d99f33fbe55fa0ad042dab37de41563316316ed30ef627e7f5e2f0b8e2dde6b"},
         {20, 8, "b02567ad909f822f84db228e632c399b8817429ea14342a8a4f684da8a1d97b6"},
     }},
};

tree_node to_node(const pinned_node& p) {
  tree_node n{p.index, p.size, {}};
  byte_buffer h;
  BOOST_REQUIRE(from_hex(p.hash, h));
  BOOST_REQUIRE_EQUAL(h.size(), 32u);
  std::copy(h.begin(), h.end(), n.hash.begin());
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(verifies_with_signature) {
  test_tree t(6);
  std::string v = block_value(4);
  auto r = verify_data(4, std::string_view(v), t.proof(4, 6), t.signature(6), nothing_trusted(),
                       t.keys.public_key);
  BOOST_REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
  BOOST_TEST(r->signed_length == 6u);
  BOOST_REQUIRE(r->signature.has_value());
  BOOST_TEST(to_hex(*r->signature) == to_hex(t.signature(6)));
  BOOST_TEST(r->roots == t.roots(6), boost::test_tools::per_element());
  // leaf 8, its sibling 10, their parent 9 (a root), and the other root 3.
  BOOST_TEST(indexes_of(r->nodes) == (std::vector<uint64_t>{3, 8, 9, 10}),
             boost::test_tools::per_element());
  for (const tree_node& n : r->nodes) BOOST_TEST(n == t.nodes.at(n.index));
}

BOOST_AUTO_TEST_CASE(every_block_of_small_trees) {
  for (uint64_t length = 1; length <= 20; ++length) {
    test_tree t(length);
    for (uint64_t b = 0; b < length; ++b) {
      std::string v = block_value(b);
      auto r = verify_data(b, std::string_view(v), t.proof(b, length), t.signature(length),
                           nothing_trusted(), t.keys.public_key);
      BOOST_REQUIRE_MESSAGE(r.has_value(),
                            "length " << length << " block " << b << ": " << r.error().to_string());
      BOOST_TEST(r->signed_length == length);
    }
  }
}

BOOST_AUTO_TEST_CASE(verifies_against_trusted_node) {
  test_tree t(8);
  std::set<uint64_t> have{7};  // the root of a length-8 tree we verified earlier
  std::string v = block_value(5);
  auto r = verify_data(5, std::string_view(v), t.proof(5, 8, have), std::nullopt, t.lookup(have),
                       t.keys.public_key);
  BOOST_REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
  BOOST_TEST(r->signed_length == 0u);
  BOOST_TEST(!r->signature.has_value());
  BOOST_TEST(r->roots.empty());
  BOOST_TEST(indexes_of(r->nodes) == (std::vector<uint64_t>{3, 8, 9, 10, 11, 13}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(uses_trusted_siblings_and_roots) {
  test_tree t(7);
  std::set<uint64_t> have{0, 3};  // leaf 0 and root 3 are stored locally
  std::string v = block_value(1);
  // Block 1: sibling 0 is local, parent 1 has sibling 5 (remote), parent 3 is trusted.
  auto proof = t.proof(1, 7, have);
  BOOST_TEST(indexes_of(proof) == (std::vector<uint64_t>{5}), boost::test_tools::per_element());
  auto r =
      verify_data(1, std::string_view(v), proof, std::nullopt, t.lookup(have), t.keys.public_key);
  BOOST_REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
  BOOST_TEST(indexes_of(r->nodes) == (std::vector<uint64_t>{1, 2, 5}),
             boost::test_tools::per_element());
  // Block 5 of 7 with only root 3 local: the other roots come from the proof, signed.
  std::string v5 = block_value(5);
  auto r5 = verify_data(5, std::string_view(v5), t.proof(5, 7, have), t.signature(7),
                        t.lookup(have), t.keys.public_key);
  BOOST_REQUIRE_MESSAGE(r5.has_value(), r5.error().to_string());
  BOOST_TEST(r5->signed_length == 7u);
  BOOST_TEST(r5->roots == t.roots(7), boost::test_tools::per_element());
  BOOST_TEST(indexes_of(r5->nodes) == (std::vector<uint64_t>{8, 9, 10, 12}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(trusted_leaf_matches) {
  test_tree t(3);
  std::set<uint64_t> have{4};
  std::string v = block_value(2);
  auto r = verify_data(2, std::string_view(v), {}, std::nullopt, t.lookup(have), t.keys.public_key);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->nodes.empty());
  std::string wrong = v + "!";
  check_failure(
      verify_data(2, std::string_view(wrong), {}, std::nullopt, t.lookup(have), t.keys.public_key),
      errc::corruption);
}

BOOST_AUTO_TEST_CASE(hash_only_proof) {
  test_tree t(5);
  std::vector<tree_node> proof = t.proof(4, 5);
  proof.insert(proof.begin(), t.nodes.at(8));
  auto r = verify_hash(4, proof, t.signature(5), nothing_trusted(), t.keys.public_key);
  BOOST_REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
  BOOST_TEST(r->signed_length == 5u);
  BOOST_TEST(indexes_of(r->nodes) == (std::vector<uint64_t>{3, 8}),
             boost::test_tools::per_element());
  check_failure(verify_hash(3, proof, t.signature(5), nothing_trusted(), t.keys.public_key),
                errc::corruption);
  check_failure(verify_hash(4, {}, t.signature(5), nothing_trusted(), t.keys.public_key),
                errc::corruption);
  proof[0].hash[0] ^= 1;
  check_failure(verify_hash(4, proof, t.signature(5), nothing_trusted(), t.keys.public_key),
                errc::bad_signature);
}

BOOST_AUTO_TEST_CASE(static_feed_without_signature) {
  // A static feed's key is the tree hash of its roots.
  test_tree t(5);
  hash_t key = crypto::tree_hash(t.roots(5));
  std::string v = block_value(2);
  auto r = verify_data(2, std::string_view(v), t.proof(2, 5), std::nullopt, nothing_trusted(), key);
  BOOST_REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
  BOOST_TEST(r->signed_length == 5u);
  BOOST_TEST(!r->signature.has_value());
  check_failure(verify_data(2, std::string_view(v), t.proof(2, 5), std::nullopt, nothing_trusted(),
                            t.keys.public_key),
                errc::bad_signature);
}

BOOST_AUTO_TEST_CASE(flipped_bits_fail) {
  test_tree t(11);
  const uint64_t block = 6;
  std::string v = block_value(block);
  const auto proof = t.proof(block, 11);
  const signature_t sig = t.signature(11);
  const public_key& pk = t.keys.public_key;
  BOOST_REQUIRE(verify_data(block, std::string_view(v), proof, sig, nothing_trusted(), pk));

  for (size_t bit = 0; bit < v.size() * 8; bit += 5) {
    std::string bad = v;
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    check_failure(verify_data(block, std::string_view(bad), proof, sig, nothing_trusted(), pk),
                  errc::bad_signature);
  }
  for (size_t k = 0; k < proof.size(); ++k) {
    auto bad = proof;
    bad[k].hash[k % 32] ^= 0x10;
    check_failure(verify_data(block, std::string_view(v), bad, sig, nothing_trusted(), pk),
                  errc::bad_signature);
    bad = proof;
    bad[k].size += 1;
    check_failure(verify_data(block, std::string_view(v), bad, sig, nothing_trusted(), pk),
                  errc::bad_signature);
    bad = proof;
    bad[k].index ^= 2;  // the walk or the roots no longer line up
    BOOST_TEST(!verify_data(block, std::string_view(v), bad, sig, nothing_trusted(), pk));
  }
  for (size_t byte = 0; byte < sig.size(); byte += 3) {
    signature_t bad = sig;
    bad[byte] ^= 0x01;
    check_failure(verify_data(block, std::string_view(v), proof, bad, nothing_trusted(), pk),
                  errc::bad_signature);
  }
  check_failure(verify_data(block, std::string_view(v), proof, std::nullopt, nothing_trusted(), pk),
                errc::bad_signature);
  check_failure(
      verify_data(block, std::string_view(v), proof, t.signature(10), nothing_trusted(), pk),
      errc::bad_signature);
}

BOOST_AUTO_TEST_CASE(trusted_mismatch_is_corruption) {
  test_tree t(8);
  std::set<uint64_t> have{7};
  std::string v = block_value(3);
  auto proof = t.proof(3, 8, have);
  proof[0].hash[3] ^= 0x80;
  check_failure(
      verify_data(3, std::string_view(v), proof, std::nullopt, t.lookup(have), t.keys.public_key),
      errc::corruption);
}

BOOST_AUTO_TEST_CASE(truncated_proofs_fail) {
  test_tree t(13);
  const uint64_t block = 2;
  std::string v = block_value(block);
  const auto proof = t.proof(block, 13);
  for (size_t keep = 0; keep < proof.size(); ++keep) {
    std::vector<tree_node> cut(proof.begin(), proof.begin() + keep);
    auto r = verify_data(block, std::string_view(v), cut, t.signature(13), nothing_trusted(),
                         t.keys.public_key);
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error().code() == errc::corruption || r.error().code() == errc::bad_signature));
  }
}

BOOST_AUTO_TEST_CASE(unconnected_root_is_refused) {
  // The reference accepts this: a valid signature over root 1 with a leaf that is never hashed
  // up to it. We require the walked path to end at a root.
  test_tree t(2);
  std::vector<tree_node> proof{t.nodes.at(1)};
  check_failure(verify_data(0, std::string_view("forged"), proof, t.signature(2), nothing_trusted(),
                            t.keys.public_key),
                errc::corruption);
}

BOOST_AUTO_TEST_CASE(garbage_proofs_fail_cleanly) {
  test_tree t(9);
  std::string v = block_value(1);
  const signature_t sig = t.signature(9);
  const uint64_t absurd[] = {UINT64_MAX,
                             UINT64_MAX - 1,
                             uint64_t{1} << 63,
                             (uint64_t{1} << 62) - 1,
                             max_proof_node_index,
                             max_proof_node_index + 1,
                             max_proof_node_index - 1,
                             (uint64_t{1} << 53) - 1};
  for (uint64_t index : absurd) {
    std::vector<tree_node> proof{tree_node{index, 1, {}}};
    BOOST_TEST(
        !verify_data(1, std::string_view(v), proof, sig, nothing_trusted(), t.keys.public_key));
    auto good = t.proof(1, 9);
    good.push_back(tree_node{index, UINT64_MAX, {}});
    BOOST_TEST(
        !verify_data(1, std::string_view(v), good, sig, nothing_trusted(), t.keys.public_key));
    BOOST_TEST(
        !verify_data(index, std::string_view(v), {}, sig, nothing_trusted(), t.keys.public_key));
    BOOST_TEST(!verify_hash(index / 2, proof, sig, nothing_trusted(), t.keys.public_key));
  }
  // A trusted store that holds every sibling (but no node on the path) cannot make the walk
  // run away.
  trusted_lookup everything = [](uint64_t index) -> std::optional<tree_node> {
    if (ft::left_span(index) <= 2 && 2 <= ft::right_span(index)) return std::nullopt;
    return tree_node{index, 0, {}};
  };
  BOOST_TEST(!verify_data(1, std::string_view(v), {}, sig, everything, t.keys.public_key));
  std::mt19937_64 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::vector<tree_node> proof(rng() % 8);
    for (tree_node& n : proof) {
      n.index = rng() % 4 == 0 ? rng() : rng() % 64;
      n.size = rng() % 4;
      for (uint8_t& b : n.hash) b = static_cast<uint8_t>(rng());
    }
    BOOST_TEST(!verify_data(rng() % 16, std::string_view(v), proof, sig, nothing_trusted(),
                            t.keys.public_key));
  }
  std::string huge(max_block_size + 1, 'x');
  check_failure(verify_data(1, std::string_view(huge), t.proof(1, 9), sig, nothing_trusted(),
                            t.keys.public_key),
                errc::block_too_large);
}

BOOST_AUTO_TEST_CASE(verify_hook_is_consulted) {
  test_tree t(4);
  std::string v = block_value(0);
  int calls = 0;
  crypto::verify_fn hook = [&](byte_view, const signature_t&, const public_key&) {
    ++calls;
    return true;
  };
  auto r = verify_data(0, std::string_view(v), t.proof(0, 4), signature_t{}, nothing_trusted(),
                       t.keys.public_key, hook);
  BOOST_TEST(r.has_value());
  BOOST_TEST(calls == 1);
}

BOOST_AUTO_TEST_CASE(seeded_random_proofs) {
  uint64_t seed = 20240601;
  if (const char* env = std::getenv("DDB_TEST_SEED")) seed = std::strtoull(env, nullptr, 10);
  BOOST_TEST_MESSAGE("seed " << seed << " (set DDB_TEST_SEED to reproduce)");
  std::mt19937_64 rng(seed);
  test_tree t(300);
  for (int round = 0; round < 400; ++round) {
    const uint64_t length = 1 + rng() % t.blocks;
    const uint64_t block = rng() % length;
    std::string v = block_value(block);
    // Sometimes the receiver already holds an earlier signed tree's roots.
    std::set<uint64_t> have;
    if (rng() % 2) {
      uint64_t earlier = 1 + rng() % length;
      for (uint64_t r : ft::full_roots(2 * earlier)) have.insert(r);
    }
    auto proof = t.proof(block, length, have);
    auto r = verify_data(block, std::string_view(v), proof, t.signature(length), t.lookup(have),
                         t.keys.public_key);
    BOOST_REQUIRE_MESSAGE(
        r.has_value(), "length " << length << " block " << block << ": " << r.error().to_string());
    for (const tree_node& n : r->nodes) BOOST_REQUIRE(n == t.nodes.at(n.index));
    if (r->signed_length) BOOST_REQUIRE_EQUAL(r->signed_length, length);

    if (!proof.empty()) {
      auto bad = proof;
      bad[rng() % bad.size()].hash[rng() % 32] ^= static_cast<uint8_t>(1 + rng() % 255);
      BOOST_REQUIRE(!verify_data(block, std::string_view(v), bad, t.signature(length),
                                 t.lookup(have), t.keys.public_key));
    }
    std::string wrong = v + "x";
    BOOST_REQUIRE(!verify_data(block, std::string_view(wrong), proof, t.signature(length),
                               t.lookup(have), t.keys.public_key));
  }
}

BOOST_AUTO_TEST_CASE(reference_proofs_verify) {
  const public_key key = test::hex_array<32>(reference_key);
  const signature_t sig = test::hex_array<64>(reference_signature_11);
  for (const reference_proof& rp : reference_proofs) {
    BOOST_TEST_CONTEXT("block " << rp.block << (rp.has_value ? " value" : " hash")) {
      std::vector<tree_node> proof;
      for (const pinned_node& p : rp.nodes) proof.push_back(to_node(p));
      std::string v = "block-" + std::to_string(rp.block);
      auto r = rp.has_value
                   ? verify_data(rp.block, std::string_view(v), proof, sig, nothing_trusted(), key)
                   : verify_hash(rp.block, proof, sig, nothing_trusted(), key);
      BOOST_REQUIRE_MESSAGE(r.has_value(), r.error().to_string());
      BOOST_TEST(r->signed_length == 11u);
      BOOST_TEST(indexes_of(r->roots) == (std::vector<uint64_t>{7, 17, 20}),
                 boost::test_tools::per_element());
      // A stranger's key must not verify the same proof.
      public_key other = key;
      other[0] ^= 1;
      BOOST_TEST(!(rp.has_value ? verify_data(rp.block, std::string_view(v), proof, sig,
                                              nothing_trusted(), other)
                                : verify_hash(rp.block, proof, sig, nothing_trusted(), other)));
    }
  }
}

BOOST_AUTO_TEST_CASE(our_tree_and_proofs_match_the_reference) {
  // Our builder, signer and proof layout reproduce the reference's bytes for the same feed.
  merkle_builder b;
  std::map<uint64_t, tree_node> nodes;
  std::vector<tree_node> out;
  for (uint64_t i = 0; i < 11; ++i) {
    out.clear();
    std::string v = "block-" + std::to_string(i);
    b.append(std::string_view(v), out);
    for (const tree_node& n : out) nodes[n.index] = n;
  }
  std::array<uint8_t, 32> seed{};
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(i);
  crypto::key_pair kp = crypto::key_pair_from_seed(seed);
  BOOST_TEST(to_hex(crypto::sign(crypto::signable(b.roots(), 11), kp.secret_key)) ==
             reference_signature_11);
  test_tree layout(11);
  for (const reference_proof& rp : reference_proofs) {
    std::vector<uint64_t> want;
    if (!rp.has_value) want.push_back(2 * rp.block);
    for (const tree_node& n : layout.proof(rp.block, 11)) want.push_back(n.index);
    std::vector<uint64_t> got;
    for (const pinned_node& p : rp.nodes) got.push_back(p.index);
    BOOST_TEST(got == want, boost::test_tools::per_element());
    for (const pinned_node& p : rp.nodes) {
      BOOST_TEST_CONTEXT("node " << p.index) {
        BOOST_TEST(nodes.at(p.index) == to_node(p));
      }
    }
  }
}
