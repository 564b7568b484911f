#pragma once
// Deterministic randomness for the simulator. One 64-bit scenario seed is split into named
// substreams (per node, per link, per feed, ...): a substream depends only on the seed and its
// own name, so adding a node or a link does not change what the others draw.
#include <cstdint>
#include <string_view>

#include "core/splitmix.hpp"

namespace ddb::sim {

// FNV-1a 64 over `s`, continuing from `h`.
inline uint64_t fnv1a(std::string_view s, uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// xoshiro256** (Blackman, Vigna), seeded through splitmix64.
class rng {
 public:
  explicit rng(uint64_t seed = 0) {
    uint64_t sm = seed;
    for (auto& w : s_) w = splitmix64(sm);
  }
  // The substream called `name` (with an optional index) of `seed`.
  static rng substream(uint64_t seed, std::string_view name, uint64_t index = 0) {
    uint64_t h = fnv1a(name, seed ^ 0x5851f42d4c957f2dULL);
    uint64_t mix = h ^ (index * 0xd1342543de82ef95ULL);
    return rng(splitmix64(mix));
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n); 0 when n == 0.
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  // Uniform in [lo, hi].
  uint64_t between(uint64_t lo, uint64_t hi) { return hi <= lo ? lo : lo + below(hi - lo + 1); }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
  void fill(uint8_t* out, size_t n) {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(next() >> 56);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace ddb::sim
