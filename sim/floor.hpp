#pragma once
// The dispatch floor: what CAF's test_coordinator alone costs per actor activation on this
// machine (two actors passing one small message back and forth, nothing else). A run cannot be
// faster than its activation count times this, whatever the actors do; `ddatabase sim --floor`
// prints both so a speed figure can be read against its ceiling.
#include <cstdint>

namespace ddb::sim {

struct dispatch_floor {
  uint64_t activations = 0;
  double seconds = 0;
  double ns_per_activation() const {
    return activations ? 1e9 * seconds / static_cast<double>(activations) : 0;
  }
};

// Runs `messages` messages through a fresh testing-policy actor system and times them.
dispatch_floor measure_dispatch_floor(uint64_t messages = 1'000'000);

}  // namespace ddb::sim
