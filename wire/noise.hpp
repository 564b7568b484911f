#pragma once
// The Noise_XX_25519_ChaChaPoly_BLAKE2b handshake (noise-protocol v3 semantics) as a sans-I/O
// state machine:
//   -> e
//   <- e, ee, s, es
//   -> s, se
// The local static key pair is injected; ephemeral secret keys come from an injected
// random_source (core/random.hpp) so tests and the simulator are deterministic.
// REQUIRES: sodium_init() has run.
#include <array>
#include <cstdint>
#include <optional>

#include "core/random.hpp"
#include "core/result.hpp"
#include "core/types.hpp"
#include "wire/noise_crypto.hpp"

namespace ddb::wire::noise {

inline constexpr const char* protocol_name = "Noise_XX_25519_ChaChaPoly_BLAKE2b";

struct dh_key_pair {
  key32 public_key{};
  key32 secret_key{};
};

// public = X25519(secret, base point).
dh_key_pair dh_key_pair_from_secret(const key32& secret_key);
// As libsodium's crypto_kx_seed_keypair (what the reference's keyPair(seed) uses).
dh_key_pair dh_key_pair_from_seed(const key32& seed);
// A fresh key pair whose secret comes from `rng`.
dh_key_pair generate_dh_key_pair(const random_source& rng = {});

// The transport keys after the handshake: noise-protocol's split gives two 40-byte cipher
// states (32-byte key ‖ 8-byte zero nonce); these are their first 32 bytes. The initiator's tx
// is the responder's rx and vice versa.
struct transport_keys {
  key32 tx{};
  key32 rx{};
};

struct handshake_options {
  bool initiator = false;
  dh_key_pair static_keys;
  byte_buffer prologue;  // empty for ddatabase
  random_source rng;     // ephemeral secrets (default: libsodium's RNG)
};

class handshake_state {
 public:
  explicit handshake_state(handshake_options options);
  handshake_state(const handshake_state&) = delete;
  handshake_state& operator=(const handshake_state&) = delete;

  // True when write_message (rather than read_message) is the next step.
  bool is_my_turn() const;
  bool is_complete() const { return step_ == pattern_count && !failed(); }
  bool failed() const { return !error_.is_ok(); }

  // Produces the next handshake message carrying `payload`. errc::protocol_error when it is not
  // our turn, the handshake is over or failed, or the message would exceed 65535 bytes.
  result<byte_buffer> write_message(byte_view payload);
  // Consumes the remote's next handshake message and returns its payload. Any error (short
  // message, failed authentication, low-order key) fails the handshake for good.
  result<byte_buffer> read_message(byte_view message);

  // REQUIRES: is_complete().
  const hash64& handshake_hash() const { return handshake_hash_; }
  const transport_keys& split() const { return keys_; }
  // Transport CipherStates (nonce 0) for the Noise transport phase.
  cipher_state tx_cipher() const { return cipher_state(keys_.tx); }
  cipher_state rx_cipher() const { return cipher_state(keys_.rx); }

  // Known once the message carrying it has been read.
  const std::optional<key32>& remote_static() const { return remote_static_; }
  const std::optional<key32>& remote_ephemeral() const { return remote_ephemeral_; }
  const dh_key_pair& local_static() const { return options_.static_keys; }

  static constexpr size_t pattern_count = 3;

 private:
  enum class token : uint8_t { e, s, ee, es, se, ss };

  status write_token(token t, byte_buffer& out);
  status read_token(token t, byte_view message, size_t& pos);
  status mix_dh(token t);
  void finish(bool we_wrote_last);
  status fail(status s);

  handshake_options options_;
  symmetric_state symmetric_;
  size_t step_ = 0;
  std::optional<dh_key_pair> ephemeral_;
  std::optional<key32> remote_static_;
  std::optional<key32> remote_ephemeral_;
  hash64 handshake_hash_{};
  transport_keys keys_;
  status error_;
};

}  // namespace ddb::wire::noise
