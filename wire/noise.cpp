#include "wire/noise.hpp"

#include <sodium.h>

#include <string>
#include <vector>

namespace ddb::wire::noise {

namespace {

struct message_pattern {
  bool from_initiator;
  std::vector<uint8_t> tokens;  // handshake_state::token values
};

status protocol_error(const char* why) {
  return make_error(errc::protocol_error, std::string("noise: ") + why);
}

}  // namespace

dh_key_pair dh_key_pair_from_secret(const key32& secret_key) {
  dh_key_pair kp;
  kp.secret_key = secret_key;
  crypto_scalarmult_base(kp.public_key.data(), kp.secret_key.data());
  return kp;
}

dh_key_pair dh_key_pair_from_seed(const key32& seed) {
  dh_key_pair kp;
  crypto_kx_seed_keypair(kp.public_key.data(), kp.secret_key.data(), seed.data());
  return kp;
}

dh_key_pair generate_dh_key_pair(const random_source& rng) {
  key32 sk = rng.bytes<32>();
  dh_key_pair kp = dh_key_pair_from_secret(sk);
  sodium_memzero(sk.data(), sk.size());
  return kp;
}

handshake_state::handshake_state(handshake_options options)
    : options_(std::move(options)), symmetric_(protocol_name) {
  symmetric_.mix_hash(options_.prologue);
}

namespace {
using tok = uint8_t;
// XX: -> e; <- e, ee, s, es; -> s, se. Values follow handshake_state::token.
constexpr tok t_e = 0, t_s = 1, t_ee = 2, t_es = 3, t_se = 4;
const message_pattern xx_patterns[handshake_state::pattern_count] = {
    {true, {t_e}},
    {false, {t_e, t_ee, t_s, t_es}},
    {true, {t_s, t_se}},
};
}  // namespace

bool handshake_state::is_my_turn() const {
  if (step_ >= pattern_count || failed()) return false;
  return xx_patterns[step_].from_initiator == options_.initiator;
}

result<byte_buffer> handshake_state::write_message(byte_view payload) {
  if (failed()) return error_;
  if (!is_my_turn()) return protocol_error("write_message out of turn");
  byte_buffer out;
  for (uint8_t t : xx_patterns[step_].tokens) {
    status s = write_token(static_cast<token>(t), out);
    if (!s) return fail(s);
  }
  status s = symmetric_.encrypt_and_hash(payload, out);
  if (!s) return fail(s);
  if (out.size() > max_message_len) return fail(protocol_error("message too long"));
  if (++step_ == pattern_count) finish(true);
  return out;
}

result<byte_buffer> handshake_state::read_message(byte_view message) {
  if (failed()) return error_;
  if (step_ >= pattern_count || is_my_turn()) return protocol_error("read_message out of turn");
  if (message.size > max_message_len) return fail(protocol_error("message too long"));
  size_t pos = 0;
  for (uint8_t t : xx_patterns[step_].tokens) {
    status s = read_token(static_cast<token>(t), message, pos);
    if (!s) return fail(s);
  }
  byte_buffer payload;
  status s = symmetric_.decrypt_and_hash(message.sub(pos, message.size - pos), payload);
  if (!s) return fail(s);
  if (++step_ == pattern_count) finish(false);
  return payload;
}

status handshake_state::write_token(token t, byte_buffer& out) {
  switch (t) {
    case token::e:
      ephemeral_ = generate_dh_key_pair(options_.rng);
      out.insert(out.end(), ephemeral_->public_key.begin(), ephemeral_->public_key.end());
      symmetric_.mix_hash(ephemeral_->public_key);
      return status::ok();
    case token::s:
      return symmetric_.encrypt_and_hash(options_.static_keys.public_key, out);
    default:
      return mix_dh(t);
  }
}

status handshake_state::read_token(token t, byte_view message, size_t& pos) {
  if (t != token::e && t != token::s) return mix_dh(t);
  size_t need = (t == token::s && symmetric_.has_key()) ? dh_len + mac_len : dh_len;
  if (message.size - pos < need) return protocol_error("handshake message too short");
  byte_view field = message.sub(pos, need);
  pos += need;
  key32 key{};
  if (t == token::e) {
    std::copy(field.begin(), field.end(), key.begin());
    symmetric_.mix_hash(key);
    remote_ephemeral_ = key;
    return status::ok();
  }
  byte_buffer plain;
  DDB_TRY(symmetric_.decrypt_and_hash(field, plain));
  std::copy(plain.begin(), plain.end(), key.begin());
  remote_static_ = key;
  return status::ok();
}

status handshake_state::mix_dh(token t) {
  // ee: e·re; es: initiator e·rs, responder s·re; se: initiator s·re, responder e·rs; ss: s·rs.
  bool init = options_.initiator;
  bool local_e = t == token::ee || (t == token::es && init) || (t == token::se && !init);
  bool remote_e = t == token::ee || (t == token::es && !init) || (t == token::se && init);
  const std::optional<key32>& remote = remote_e ? remote_ephemeral_ : remote_static_;
  if (!remote || (local_e && !ephemeral_)) return protocol_error("missing key for DH");
  const key32& sk = local_e ? ephemeral_->secret_key : options_.static_keys.secret_key;
  key32 shared{};
  if (!dh(shared, sk, *remote)) return protocol_error("low-order public key");
  symmetric_.mix_key(shared);
  sodium_memzero(shared.data(), shared.size());
  return status::ok();
}

void handshake_state::finish(bool we_wrote_last) {
  handshake_hash_ = symmetric_.handshake_hash();
  auto [c1, c2] = symmetric_.split();
  // The writer of the last message sends with the first key; the reader receives with it.
  keys_.tx = we_wrote_last ? c1 : c2;
  keys_.rx = we_wrote_last ? c2 : c1;
}

status handshake_state::fail(status s) {
  error_ = s;
  return s;
}

}  // namespace ddb::wire::noise
