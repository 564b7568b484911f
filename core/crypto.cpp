#include "core/crypto.hpp"

#include <sodium.h>

#include <cstring>
#include <mutex>

#include "core/endian.hpp"
#include "core/flat_tree.hpp"

namespace ddb::crypto {

namespace {

constexpr uint8_t leaf_type = 0x00;
constexpr uint8_t parent_type = 0x01;
constexpr uint8_t root_type = 0x02;

// A BLAKE2b-256 state on the stack; no heap allocation.
class hasher {
 public:
  hasher() { crypto_generichash_init(&state_, nullptr, 0, crypto_generichash_BYTES); }

  hasher& update(const uint8_t* data, size_t n) {
    crypto_generichash_update(&state_, data, n);
    return *this;
  }
  hasher& update_byte(uint8_t b) { return update(&b, 1); }
  hash_t final() {
    hash_t out{};
    crypto_generichash_final(&state_, out.data(), out.size());
    return out;
  }

 private:
  crypto_generichash_state state_;
};

}  // namespace

bool init() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = sodium_init() >= 0; });
  return ok;
}

hash_t digest(byte_view data) {
  hash_t out{};
  crypto_generichash(out.data(), out.size(), data.data, data.size, nullptr, 0);
  return out;
}

hash_t leaf_hash(byte_view data) {
  if (data.size <= 247) {  // small blocks: one call over a stack buffer
    uint8_t buf[256];
    buf[0] = leaf_type;
    put_u64be(buf + 1, data.size);
    if (data.size) std::memcpy(buf + 9, data.data, data.size);
    hash_t out{};
    crypto_generichash(out.data(), out.size(), buf, 9 + data.size, nullptr, 0);
    return out;
  }
  uint8_t head[9];
  head[0] = leaf_type;
  put_u64be(head + 1, data.size);
  return hasher().update(head, sizeof head).update(data.data, data.size).final();
}

hash_t parent_hash(const tree_node& left, const tree_node& right) {
  const tree_node& a = left.index <= right.index ? left : right;
  const tree_node& b = left.index <= right.index ? right : left;
  uint8_t buf[1 + 8 + 32 + 32];
  buf[0] = parent_type;
  put_u64be(buf + 1, a.size + b.size);
  std::memcpy(buf + 9, a.hash.data(), 32);
  std::memcpy(buf + 41, b.hash.data(), 32);
  hash_t out{};
  crypto_generichash(out.data(), out.size(), buf, sizeof buf, nullptr, 0);
  return out;
}

tree_node parent_node(const tree_node& a, const tree_node& b) {
  tree_node up;
  up.index = flat_tree::parent(a.index);
  up.size = a.size + b.size;
  up.hash = parent_hash(a, b);
  return up;
}

hash_t tree_hash(const std::vector<tree_node>& roots) {
  hasher h;
  h.update_byte(root_type);
  for (const tree_node& r : roots) {
    uint8_t buf[32 + 8 + 8];
    std::memcpy(buf, r.hash.data(), 32);
    put_u64be(buf + 32, r.index);
    put_u64be(buf + 40, r.size);
    h.update(buf, sizeof buf);
  }
  return h.final();
}

std::array<uint8_t, 40> signable(const std::vector<tree_node>& roots, uint64_t length) {
  std::array<uint8_t, 40> out{};
  hash_t t = tree_hash(roots);
  std::memcpy(out.data(), t.data(), t.size());
  put_u64be(out.data() + 32, length);
  return out;
}

hash_t discovery_key(const public_key& key, std::string_view ns) {
  hash_t out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const uint8_t*>(ns.data()), ns.size(),
                     key.data(), key.size());
  return out;
}

key_pair generate_key_pair(const random_source& rng) {
  std::array<uint8_t, 32> seed = rng.bytes<32>();
  key_pair kp = key_pair_from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return kp;
}

key_pair key_pair_from_seed(const std::array<uint8_t, 32>& seed) {
  key_pair kp;
  crypto_sign_seed_keypair(kp.public_key.data(), kp.secret_key.data(), seed.data());
  return kp;
}

public_key public_key_of(const secret_key& sk) {
  public_key pk{};
  std::memcpy(pk.data(), sk.data() + 32, pk.size());
  return pk;
}

signature_t sign(byte_view message, const secret_key& sk) {
  signature_t sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data, message.size, sk.data());
  return sig;
}

bool verify(byte_view message, const signature_t& sig, const public_key& pk) {
  return crypto_sign_verify_detached(sig.data(), message.data, message.size, pk.data()) == 0;
}

bool verify_roots(const std::vector<tree_node>& roots, uint64_t length, const signature_t& sig,
                  const public_key& pk, const verify_fn& verify_hook) {
  std::array<uint8_t, 40> msg = signable(roots, length);
  auto check = [&](byte_view m) {
    return verify_hook ? verify_hook(m, sig, pk) : verify(m, sig, pk);
  };
  if (check(byte_view(msg))) return true;
  // hypercore 8 era writers signed the 32-byte tree hash alone.
  return check(byte_view(msg.data(), 32));
}

}  // namespace ddb::crypto
