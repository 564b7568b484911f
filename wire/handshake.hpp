#pragma once
// The ddatabase (hypercore 9) connection handshake and transport, sans-I/O:
// - Noise XX (noise.hpp) with an empty prologue; each handshake message on the wire is
//   varint(len) ‖ message; every message's payload is NoisePayload{nonce: 24 random bytes}.
// - Afterwards every byte is XORed with XSalsa20: we send with split.tx and our nonce, and
//   receive with split.rx and the remote's nonce. There is no MAC.
// - Capabilities prove knowledge of a feed key, bound to this connection's split.
#include <array>
#include <cstdint>
#include <string_view>

#include "core/random.hpp"
#include "core/result.hpp"
#include "core/types.hpp"
#include "wire/noise.hpp"

namespace ddb::wire {

inline constexpr size_t stream_nonce_size = 24;
using stream_nonce = std::array<uint8_t, stream_nonce_size>;

// XSalsa20 keystream applied in place; the stream position carries over between calls, so
// any split of the data gives the same bytes.
class xsalsa20_stream {
 public:
  // Derives the XSalsa20 subkey (HSalsa20 of the key and the nonce's first 16 bytes) once; each
  // apply() then runs plain Salsa20 under it, as XSalsa20 itself does per call.
  xsalsa20_stream(const noise::key32& key, const stream_nonce& nonce);
  ~xsalsa20_stream();
  xsalsa20_stream(const xsalsa20_stream&) = delete;
  xsalsa20_stream& operator=(const xsalsa20_stream&) = delete;
  xsalsa20_stream(xsalsa20_stream&&) = default;
  xsalsa20_stream& operator=(xsalsa20_stream&&) = default;

  void apply(uint8_t* data, size_t n);
  void apply(byte_buffer& data) { apply(data.data(), data.size()); }
  uint64_t offset() const { return offset_; }

 private:
  noise::key32 subkey_;
  std::array<uint8_t, 8> salsa_nonce_;
  std::array<uint8_t, 64> tail_{};  // keystream of the block offset_ is inside, when mid-block
  uint64_t offset_ = 0;
};

// What a completed handshake yields.
struct handshake_result {
  noise::transport_keys split;
  noise::hash64 handshake_hash{};
  noise::key32 remote_static{};
  stream_nonce local_nonce{};
  stream_nonce remote_nonce{};
};

struct handshake_options {
  bool initiator = false;
  noise::dh_key_pair static_keys;
  stream_nonce nonce{};  // our NoisePayload nonce: 24 random bytes from the caller
  random_source rng;     // ephemeral keys (default: libsodium's RNG)
};

class handshake {
 public:
  explicit handshake(handshake_options options);
  handshake(const handshake&) = delete;
  handshake& operator=(const handshake&) = delete;

  // The bytes to send first: the initiator's first framed message, nothing for the responder.
  // Call once, before recv().
  result<byte_buffer> start();
  // Feeds received bytes (split anywhere). Returns the bytes to send in reply (possibly none).
  // Errors (errc::protocol_error) are final. Bytes after the last handshake message are kept
  // in overflow(): they are transport bytes, still encrypted.
  result<byte_buffer> recv(byte_view chunk);

  bool is_complete() const { return complete_; }
  bool failed() const { return !error_.is_ok(); }
  // REQUIRES: is_complete().
  const handshake_result& outcome() const { return result_; }
  const byte_buffer& overflow() const { return buffer_; }
  byte_buffer take_overflow() { return std::move(buffer_); }

  // Handshake messages over this size are refused (Noise's limit).
  static constexpr size_t max_message_size = noise::max_message_len;

 private:
  status write(byte_buffer& out);
  status read(byte_view message, byte_buffer& out);
  status finish();
  status fail(status s);

  noise::handshake_state noise_;
  byte_buffer payload_;  // our encoded NoisePayload
  byte_buffer remote_payload_;
  byte_buffer buffer_;  // unparsed received bytes
  handshake_result result_;
  bool started_ = false;
  bool complete_ = false;
  status error_;
};

// The XOR transport of one connection: encrypt what we send, decrypt what we receive.
class transport_cipher {
 public:
  explicit transport_cipher(const handshake_result& r)
      : tx_(r.split.tx, r.local_nonce), rx_(r.split.rx, r.remote_nonce) {}
  void encrypt(uint8_t* data, size_t n) { tx_.apply(data, n); }
  void decrypt(uint8_t* data, size_t n) { rx_.apply(data, n); }
  void encrypt(byte_buffer& data) { tx_.apply(data); }
  void decrypt(byte_buffer& data) { rx_.apply(data); }

 private:
  xsalsa20_stream tx_;
  xsalsa20_stream rx_;
};

// BLAKE2b-256 keyed with split.rx over ("<ns> capability" ‖ split.tx ‖ feed_key); `ns` is
// "ddatabase" or "hypercore" (hypercore 9 peers).
hash_t capability(byte_view feed_key, const noise::transport_keys& split,
                  std::string_view ns = "ddatabase");
// The capability the remote computes for `feed_key` (tx and rx swapped).
hash_t remote_capability(byte_view feed_key, const noise::transport_keys& split,
                         std::string_view ns = "ddatabase");
// Constant-time check of a capability received in an Open message.
bool verify_remote_capability(byte_view received, byte_view feed_key,
                              const noise::transport_keys& split,
                              std::string_view ns = "ddatabase");

}  // namespace ddb::wire
