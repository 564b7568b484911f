#pragma once
// The feed's cryptography on libsodium: BLAKE2b-256 tree hashes, Ed25519 keys and signatures,
// discovery keys. Formats follow FORMATS.md ("Hashing and signing"); integers are big-endian.
#include <array>
#include <functional>
#include <string_view>
#include <vector>

#include "core/random.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace ddb::crypto {

// Must be called once before any other function (idempotent, thread-safe); false if libsodium
// cannot initialise.
bool init();

// H(0x00 ‖ u64be(len) ‖ data)
hash_t leaf_hash(byte_view data);
// H(data), plain BLAKE2b-256: a checksum for local records (not part of the feed's format).
hash_t digest(byte_view data);
// H(0x01 ‖ u64be(left.size + right.size) ‖ left.hash ‖ right.hash); left has the lower index.
hash_t parent_hash(const tree_node& left, const tree_node& right);
// The parent node of two siblings (either order): its index, summed size and parent_hash.
tree_node parent_node(const tree_node& a, const tree_node& b);
// H(0x02 ‖ for each root: hash ‖ u64be(index) ‖ u64be(size))
hash_t tree_hash(const std::vector<tree_node>& roots);
// tree_hash(roots) ‖ u64be(length): the 40 bytes a feed signs.
std::array<uint8_t, 40> signable(const std::vector<tree_node>& roots, uint64_t length);

// BLAKE2b-256 keyed with `key` over the ASCII namespace ("ddatabase", or "hypercore" for
// hypercore 9 peers).
hash_t discovery_key(const public_key& key, std::string_view ns = "ddatabase");

struct key_pair {
  ::ddb::public_key public_key{};
  ::ddb::secret_key secret_key{};
};
// A fresh key pair: key_pair_from_seed over 32 bytes from `rng` (what crypto_sign_keypair does
// with libsodium's RNG, which is the default).
key_pair generate_key_pair(const random_source& rng = {});
key_pair key_pair_from_seed(const std::array<uint8_t, 32>& seed);
// The public key is the second half of a libsodium Ed25519 secret key.
public_key public_key_of(const secret_key& sk);

signature_t sign(byte_view message, const secret_key& sk);
bool verify(byte_view message, const signature_t& sig, const public_key& pk);

// Verifies a feed signature for `roots`/`length`: the 40-byte signable first, then the 32-byte
// tree hash alone (signatures made by hypercore 8 era writers).
using verify_fn = std::function<bool(byte_view message, const signature_t&, const public_key&)>;
bool verify_roots(const std::vector<tree_node>& roots, uint64_t length, const signature_t& sig,
                  const public_key& pk, const verify_fn& verify_hook = {});

// Custom signing/verification (the seed API's `crypto: {sign, verify}` option). Empty functions
// mean libsodium Ed25519.
struct hooks {
  std::function<result<signature_t>(byte_view message, const secret_key& sk)> sign;
  verify_fn verify;
};

}  // namespace ddb::crypto
