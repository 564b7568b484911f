#include "wire/handshake.hpp"

#include <sodium.h>

#include <algorithm>
#include <string>

#include "wire/messages.hpp"
#include "wire/varint.hpp"

namespace ddb::wire {

namespace {
constexpr size_t block = 64;

status handshake_error(const std::string& why) {
  return make_error(errc::protocol_error, "handshake: " + why);
}
}  // namespace

xsalsa20_stream::xsalsa20_stream(const noise::key32& key, const stream_nonce& nonce) {
  crypto_core_hsalsa20(subkey_.data(), nonce.data(), key.data(), nullptr);
  std::copy(nonce.begin() + 16, nonce.end(), salsa_nonce_.begin());
}

xsalsa20_stream::~xsalsa20_stream() {
  sodium_memzero(subkey_.data(), subkey_.size());
  sodium_memzero(tail_.data(), tail_.size());
}

void xsalsa20_stream::apply(uint8_t* data, size_t n) {
  size_t in_block = offset_ % block;
  if (in_block != 0 && n > 0) {
    size_t take = std::min(n, block - in_block);
    for (size_t i = 0; i < take; ++i) data[i] ^= tail_[in_block + i];
    data += take;
    n -= take;
    offset_ += take;
  }
  if (n == 0) return;
  size_t whole = n - n % block;
  if (whole > 0) {
    crypto_stream_salsa20_xor_ic(data, data, whole, salsa_nonce_.data(), offset_ / block,
                                 subkey_.data());
    data += whole;
    n -= whole;
    offset_ += whole;
  }
  if (n == 0) return;
  // The last, partial block: keep its keystream for the next call.
  tail_.fill(0);
  crypto_stream_salsa20_xor_ic(tail_.data(), tail_.data(), block, salsa_nonce_.data(),
                               offset_ / block, subkey_.data());
  for (size_t i = 0; i < n; ++i) data[i] ^= tail_[i];
  offset_ += n;
}

handshake::handshake(handshake_options options)
    : noise_(noise::handshake_options{
          options.initiator, options.static_keys, {}, std::move(options.rng)}) {
  result_.local_nonce = options.nonce;
  encode(noise_payload{byte_buffer(options.nonce.begin(), options.nonce.end())}, payload_);
}

result<byte_buffer> handshake::start() {
  if (started_) return handshake_error("start called twice");
  started_ = true;
  byte_buffer out;
  if (noise_.is_my_turn()) {
    status s = write(out);
    if (!s) return s;
  }
  return out;
}

result<byte_buffer> handshake::recv(byte_view chunk) {
  if (failed()) return error_;
  if (!started_) return handshake_error("recv before start");
  buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
  byte_buffer out;
  size_t pos = 0;
  while (!complete_) {
    uint64_t len = 0;
    size_t at = pos;
    varint_status vs = read_varint(buffer_, at, len);
    if (vs == varint_status::overlong) return fail(handshake_error("bad length prefix"));
    if (len > max_message_size) return fail(handshake_error("message too large"));
    if (vs == varint_status::truncated || buffer_.size() - at < len) break;
    status s = read(byte_view(buffer_.data() + at, static_cast<size_t>(len)), out);
    if (!s) return fail(s);
    pos = at + static_cast<size_t>(len);
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<ptrdiff_t>(pos));
  return out;
}

status handshake::write(byte_buffer& out) {
  auto msg = noise_.write_message(payload_);
  if (!msg) return msg.error();
  append_varint(out, msg->size());
  out.insert(out.end(), msg->begin(), msg->end());
  return noise_.is_complete() ? finish() : status::ok();
}

status handshake::read(byte_view message, byte_buffer& out) {
  auto payload = noise_.read_message(message);
  if (!payload) return payload.error();
  // As the reference does: the last non-empty payload is the remote's.
  if (!payload->empty()) remote_payload_ = std::move(*payload);
  if (noise_.is_complete()) return finish();
  return noise_.is_my_turn() ? write(out) : status::ok();
}

status handshake::finish() {
  if (remote_payload_.empty()) return handshake_error("remote sent no payload");
  auto p = decode_noise_payload(remote_payload_);
  if (!p) return handshake_error("cannot parse remote payload: " + p.error().message());
  if (p->nonce.size() != stream_nonce_size) return handshake_error("remote nonce is not 24 bytes");
  std::copy(p->nonce.begin(), p->nonce.end(), result_.remote_nonce.begin());
  result_.split = noise_.split();
  result_.handshake_hash = noise_.handshake_hash();
  result_.remote_static = *noise_.remote_static();
  complete_ = true;
  return status::ok();
}

status handshake::fail(status s) {
  error_ = s;
  return s;
}

namespace {
hash_t keyed_capability(byte_view feed_key, const noise::key32& first, const noise::key32& hash_key,
                        std::string_view ns) {
  std::string label = std::string(ns) + " capability";
  crypto_generichash_blake2b_state st;
  crypto_generichash_blake2b_init(&st, hash_key.data(), hash_key.size(), 32);
  crypto_generichash_blake2b_update(&st, reinterpret_cast<const uint8_t*>(label.data()),
                                    label.size());
  crypto_generichash_blake2b_update(&st, first.data(), first.size());
  crypto_generichash_blake2b_update(&st, feed_key.data, feed_key.size);
  hash_t out{};
  crypto_generichash_blake2b_final(&st, out.data(), out.size());
  return out;
}
}  // namespace

hash_t capability(byte_view feed_key, const noise::transport_keys& split, std::string_view ns) {
  return keyed_capability(feed_key, split.tx, split.rx, ns);
}

hash_t remote_capability(byte_view feed_key, const noise::transport_keys& split,
                         std::string_view ns) {
  return keyed_capability(feed_key, split.rx, split.tx, ns);
}

bool verify_remote_capability(byte_view received, byte_view feed_key,
                              const noise::transport_keys& split, std::string_view ns) {
  if (received.size != 32) return false;
  hash_t expected = remote_capability(feed_key, split, ns);
  return sodium_memcmp(expected.data(), received.data, expected.size()) == 0;
}

}  // namespace ddb::wire
