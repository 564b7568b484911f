#pragma once
// What each feed should contain: block i of a feed is a pure function of the seed, the feed and
// i (so nothing is stored), and the tree hash of every length the writer reached is kept, so a
// node's signed roots can be checked against the writer's log (and a fork recognised).
#include <cstdint>
#include <vector>

#include "core/merkle.hpp"
#include "core/types.hpp"

namespace ddb::sim {

class oracle {
 public:
  oracle(uint64_t seed, int feed, uint32_t block_min, uint32_t block_max, bool fork = false);
  // The content of block `index`.
  byte_buffer block(uint64_t index) const;
  // The writer's tree hash at `length` (extends the tree as needed).
  const hash_t& tree_hash_at(uint64_t length);

 private:
  void extend_to(uint64_t length);
  uint64_t seed_;
  uint32_t min_, max_;
  merkle_builder builder_;
  std::vector<hash_t> hashes_;  // [length]
};

}  // namespace ddb::sim
