#pragma once
// The randomness seam. Library code draws random bytes only through a random_source, passed in
// the way storage (an env) and time (CAF's clock) are: key pairs (crypto::generate_key_pair,
// feed_options::rng), Noise ephemeral keys (handshake_options::rng), connection nonces and Noise
// key seeds (node, net_host). A default-constructed source is the production one, libsodium's
// randombytes_buf (the OS CSPRNG); the simulator and tests pass a seeded one, so a run is
// determined by its seed without replacing libsodium's RNG for the whole process.
//
// A copyable value: copies share the function and whatever state it captured. The production
// source is thread-safe; a seeded one is as thread-safe as its function (the simulator's are
// used from its one thread). REQUIRES for the production source: crypto::init() has run.
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace ddb {

class random_source {
 public:
  // Fills out[0, n) with random bytes.
  using fill_fn = std::function<void(uint8_t* out, size_t n)>;

  // The production source: libsodium's randombytes_buf.
  random_source() = default;
  // A source that draws from `fill` (an empty function means the production source).
  explicit random_source(fill_fn fill) : fill_(std::move(fill)) {}

  void fill(uint8_t* out, size_t n) const;
  template <size_t N>
  std::array<uint8_t, N> bytes() const {
    std::array<uint8_t, N> out{};
    fill(out.data(), out.size());
    return out;
  }
  // True for the production source.
  bool is_system() const { return !fill_; }

 private:
  fill_fn fill_;
};

}  // namespace ddb
