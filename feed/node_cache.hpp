#pragma once
// A direct-mapped cache of tree nodes (the reference's storageCacheSize idea): byte offsets and
// proofs touch the same upper-tree nodes over and over, so each lookup is one array probe.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/types.hpp"

namespace ddb {

// The largest power of two <= n (0 for 0): a cache size as node_cache wants it.
inline size_t floor_power_of_two(size_t n) {
  if (n == 0) return 0;
  size_t p = 1;
  while (p <= n / 2) p <<= 1;
  return p;
}

class node_cache {
 public:
  // `slots` (the most it grows to) must be a power of two; 0 disables the cache. The table
  // starts small and grows with use, so a thousand small feeds in one process (the simulator)
  // do not each hold the full table.
  explicit node_cache(size_t slots = 1 << 16) : slots_(slots) {}

  const tree_node* find(uint64_t index) const {
    if (slots_ == 0 || entries_.empty()) return nullptr;
    const entry& e = entries_[slot(index)];
    return e.present && e.node.index == index ? &e.node : nullptr;
  }

  void put(const tree_node& node) {
    if (slots_ == 0) return;
    if (++puts_ > entries_.size() && entries_.size() < slots_) grow();
    entry& e = entries_[slot(node.index)];
    e.node = node;
    e.present = true;
  }

  void erase(uint64_t index) {
    if (entries_.empty()) return;
    entry& e = entries_[slot(index)];
    if (e.node.index == index) e.present = false;
  }

  void clear() {
    entries_.clear();
    mask_ = 0;
    puts_ = 0;
  }

 private:
  struct entry {
    tree_node node;
    bool present = false;
  };
  size_t slot(uint64_t index) const { return (index ^ (index >> 17)) & mask_; }

  // Four times larger (first: min_slots), keeping what is cached.
  void grow() {
    size_t n =
        entries_.empty() ? std::min(slots_, min_slots) : std::min(slots_, entries_.size() * 4);
    std::vector<entry> old = std::move(entries_);
    entries_.assign(n, entry{});
    mask_ = n - 1;
    puts_ = 0;
    for (const entry& e : old) {
      if (e.present) entries_[slot(e.node.index)] = e;
    }
  }

  static constexpr size_t min_slots = 256;
  size_t slots_;
  size_t mask_ = 0;
  size_t puts_ = 0;  // puts since the last growth
  std::vector<entry> entries_;
};

}  // namespace ddb
