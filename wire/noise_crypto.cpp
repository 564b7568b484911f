#include "wire/noise_crypto.hpp"

#include <sodium.h>

#include <cstring>

namespace ddb::wire::noise {

namespace {
// The 12-byte IETF nonce: 4 zero bytes, then n as little-endian u64.
std::array<uint8_t, 12> ietf_nonce(uint64_t n) {
  std::array<uint8_t, 12> out{};
  for (size_t i = 0; i < 8; ++i) out[4 + i] = static_cast<uint8_t>(n >> (8 * i));
  return out;
}

constexpr uint64_t reserved_nonce = ~uint64_t{0};
}  // namespace

hash64 hash(std::initializer_list<byte_view> parts) {
  crypto_generichash_blake2b_state st;
  crypto_generichash_blake2b_init(&st, nullptr, 0, hash_len);
  for (const auto& p : parts) crypto_generichash_blake2b_update(&st, p.data, p.size);
  hash64 out{};
  crypto_generichash_blake2b_final(&st, out.data(), out.size());
  return out;
}

hash64 hmac(byte_view key, std::initializer_list<byte_view> data) {
  std::array<uint8_t, block_len> k{};
  if (key.size > block_len) {
    hash64 hk = hash({key});
    std::memcpy(k.data(), hk.data(), hk.size());
  } else if (key.size > 0) {
    std::memcpy(k.data(), key.data, key.size);
  }
  std::array<uint8_t, block_len> ipad{};
  std::array<uint8_t, block_len> opad{};
  for (size_t i = 0; i < block_len; ++i) {
    ipad[i] = static_cast<uint8_t>(k[i] ^ 0x36);
    opad[i] = static_cast<uint8_t>(k[i] ^ 0x5c);
  }
  crypto_generichash_blake2b_state st;
  crypto_generichash_blake2b_init(&st, nullptr, 0, hash_len);
  crypto_generichash_blake2b_update(&st, ipad.data(), ipad.size());
  for (const auto& d : data) crypto_generichash_blake2b_update(&st, d.data, d.size);
  hash64 inner{};
  crypto_generichash_blake2b_final(&st, inner.data(), inner.size());
  hash64 out = hash({opad, inner});
  sodium_memzero(k.data(), k.size());
  sodium_memzero(ipad.data(), ipad.size());
  sodium_memzero(opad.data(), opad.size());
  return out;
}

void hkdf(const hash64& chaining_key, byte_view ikm, hash64& out1, hash64& out2, hash64* out3) {
  static constexpr uint8_t one = 1;
  static constexpr uint8_t two = 2;
  static constexpr uint8_t three = 3;
  hash64 temp = hmac(chaining_key, {ikm});
  out1 = hmac(temp, {byte_view(&one, 1)});
  out2 = hmac(temp, {out1, byte_view(&two, 1)});
  if (out3) *out3 = hmac(temp, {out2, byte_view(&three, 1)});
  sodium_memzero(temp.data(), temp.size());
}

bool dh(key32& out, const key32& secret_key, const key32& public_key) {
  return crypto_scalarmult(out.data(), secret_key.data(), public_key.data()) == 0;
}

void cipher_state::initialize_key(const key32& key) {
  key_ = key;
  has_key_ = true;
  nonce_ = 0;
}

status cipher_state::encrypt_with_ad(byte_view ad, byte_view plaintext, byte_buffer& out) {
  if (!has_key_) {
    out.insert(out.end(), plaintext.begin(), plaintext.end());
    return status::ok();
  }
  if (nonce_ == reserved_nonce) return make_error(errc::protocol_error, "noise nonce exhausted");
  size_t at = out.size();
  out.resize(at + plaintext.size + mac_len);
  auto n = ietf_nonce(nonce_);
  unsigned long long written = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data() + at, &written, plaintext.data,
                                            plaintext.size, ad.data, ad.size, nullptr, n.data(),
                                            key_.data());
  ++nonce_;
  return status::ok();
}

status cipher_state::decrypt_with_ad(byte_view ad, byte_view ciphertext, byte_buffer& out) {
  if (!has_key_) {
    out.insert(out.end(), ciphertext.begin(), ciphertext.end());
    return status::ok();
  }
  if (nonce_ == reserved_nonce) return make_error(errc::protocol_error, "noise nonce exhausted");
  if (ciphertext.size < mac_len) return make_error(errc::protocol_error, "noise message too short");
  size_t at = out.size();
  out.resize(at + ciphertext.size - mac_len);
  auto n = ietf_nonce(nonce_);
  unsigned long long written = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data() + at, &written, nullptr, ciphertext.data,
                                                ciphertext.size, ad.data, ad.size, n.data(),
                                                key_.data()) != 0) {
    out.resize(at);
    return make_error(errc::protocol_error, "noise decryption failed");
  }
  ++nonce_;
  return status::ok();
}

symmetric_state::symmetric_state(std::string_view protocol_name) {
  if (protocol_name.size() <= hash_len) {
    std::memcpy(h_.data(), protocol_name.data(), protocol_name.size());
  } else {
    h_ = hash({protocol_name});
  }
  ck_ = h_;
}

void symmetric_state::mix_key(byte_view input_key_material) {
  hash64 temp_k{};
  hkdf(ck_, input_key_material, ck_, temp_k);
  key32 k{};
  std::memcpy(k.data(), temp_k.data(), k.size());
  cipher_.initialize_key(k);
  sodium_memzero(temp_k.data(), temp_k.size());
}

void symmetric_state::mix_hash(byte_view data) {
  h_ = hash({h_, data});
}

status symmetric_state::encrypt_and_hash(byte_view plaintext, byte_buffer& out) {
  size_t at = out.size();
  DDB_TRY(cipher_.encrypt_with_ad(h_, plaintext, out));
  mix_hash(byte_view(out.data() + at, out.size() - at));
  return status::ok();
}

status symmetric_state::decrypt_and_hash(byte_view ciphertext, byte_buffer& out) {
  DDB_TRY(cipher_.decrypt_with_ad(h_, ciphertext, out));
  mix_hash(ciphertext);
  return status::ok();
}

std::pair<key32, key32> symmetric_state::split() const {
  hash64 t1{};
  hash64 t2{};
  hkdf(ck_, byte_view(), t1, t2);
  std::pair<key32, key32> out;
  std::memcpy(out.first.data(), t1.data(), key_len);
  std::memcpy(out.second.data(), t2.data(), key_len);
  return out;
}

}  // namespace ddb::wire::noise
