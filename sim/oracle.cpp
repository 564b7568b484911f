#include "sim/oracle.hpp"

#include "core/crypto.hpp"
#include "sim/rng.hpp"

namespace ddb::sim {

oracle::oracle(uint64_t seed, int feed, uint32_t block_min, uint32_t block_max, bool fork)
    : seed_(rng::substream(seed, fork ? "fork-content" : "content", static_cast<uint64_t>(feed))
                .next()),
      min_(block_min),
      max_(block_max < block_min ? block_min : block_max) {
  hashes_.push_back(crypto::tree_hash({}));
}

byte_buffer oracle::block(uint64_t index) const {
  rng r = rng::substream(seed_, "block", index);
  byte_buffer out(r.between(min_, max_));
  r.fill(out.data(), out.size());
  return out;
}

void oracle::extend_to(uint64_t length) {
  std::vector<tree_node> scratch;
  while (builder_.blocks() < length) {
    scratch.clear();
    builder_.append(block(builder_.blocks()), scratch);
    hashes_.push_back(crypto::tree_hash(builder_.roots()));
  }
}

const hash_t& oracle::tree_hash_at(uint64_t length) {
  extend_to(length);
  return hashes_[length];
}

}  // namespace ddb::sim
