#pragma once
// The Noise building blocks for Noise_*_25519_ChaChaPoly_BLAKE2b with noise-protocol v3
// semantics, on libsodium primitives: BLAKE2b-512 hash, HMAC-BLAKE2b (RFC 2104, 128-byte block),
// the Noise HKDF, X25519, ChaCha20-Poly1305 IETF with the Noise nonce (4 zero bytes ‖ u64le n).
// The caller must have called sodium_init() (ddb::crypto::init() does).
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <utility>

#include "core/result.hpp"
#include "core/types.hpp"

namespace ddb::wire::noise {

inline constexpr size_t dh_len = 32;
inline constexpr size_t hash_len = 64;
inline constexpr size_t block_len = 128;
inline constexpr size_t key_len = 32;
inline constexpr size_t mac_len = 16;
inline constexpr size_t max_message_len = 65535;

using key32 = std::array<uint8_t, 32>;
using hash64 = std::array<uint8_t, 64>;

// BLAKE2b-512 over the concatenation of `parts`.
hash64 hash(std::initializer_list<byte_view> parts);
// HMAC-BLAKE2b-512 of the concatenation of `data`, keyed with `key`.
hash64 hmac(byte_view key, std::initializer_list<byte_view> data);
// Noise HKDF: temp = HMAC(ck, ikm); out1 = HMAC(temp, 0x01); out2 = HMAC(temp, out1 ‖ 0x02);
// out3 (when non-null) = HMAC(temp, out2 ‖ 0x03).
void hkdf(const hash64& chaining_key, byte_view ikm, hash64& out1, hash64& out2,
          hash64* out3 = nullptr);
// X25519; false when the result is all zeros (a low-order remote key).
bool dh(key32& out, const key32& secret_key, const key32& public_key);

// A Noise CipherState: an optional key and a 64-bit nonce.
class cipher_state {
 public:
  cipher_state() = default;
  explicit cipher_state(const key32& key) { initialize_key(key); }

  void initialize_key(const key32& key);
  bool has_key() const { return has_key_; }
  uint64_t nonce() const { return nonce_; }

  // Appends ciphertext ‖ tag (or the plaintext when there is no key) to `out`.
  // errc::protocol_error when the nonce is exhausted.
  status encrypt_with_ad(byte_view ad, byte_view plaintext, byte_buffer& out);
  // Appends the plaintext to `out`; errc::protocol_error when authentication fails.
  status decrypt_with_ad(byte_view ad, byte_view ciphertext, byte_buffer& out);

 private:
  key32 key_{};
  bool has_key_ = false;
  uint64_t nonce_ = 0;
};

// A Noise SymmetricState (ck, h, CipherState).
class symmetric_state {
 public:
  explicit symmetric_state(std::string_view protocol_name);

  void mix_key(byte_view input_key_material);
  void mix_hash(byte_view data);
  status encrypt_and_hash(byte_view plaintext, byte_buffer& out);
  status decrypt_and_hash(byte_view ciphertext, byte_buffer& out);
  bool has_key() const { return cipher_.has_key(); }
  const hash64& handshake_hash() const { return h_; }
  // The two transport keys (HKDF(ck, "") truncated to 32 bytes each), in Noise order.
  std::pair<key32, key32> split() const;

 private:
  hash64 ck_{};
  hash64 h_{};
  cipher_state cipher_;
};

}  // namespace ddb::wire::noise
