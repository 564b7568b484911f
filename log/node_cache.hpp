#pragma once
// A direct-mapped cache of tree nodes (the reference's storageCacheSize idea): byte offsets and
// proofs touch the same upper-tree nodes over and over, so each lookup is one array probe.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/types.hpp"

namespace ddb {

class node_cache {
 public:
  // `slots` must be a power of two; 0 disables the cache.
  explicit node_cache(size_t slots = 1 << 16) : slots_(slots), mask_(slots ? slots - 1 : 0) {}

  const tree_node* find(uint64_t index) const {
    if (slots_ == 0 || entries_.empty()) return nullptr;
    const entry& e = entries_[slot(index)];
    return e.present && e.node.index == index ? &e.node : nullptr;
  }

  void put(const tree_node& node) {
    if (slots_ == 0) return;
    if (entries_.empty()) entries_.resize(slots_);  // allocated on first use
    entry& e = entries_[slot(node.index)];
    e.node = node;
    e.present = true;
  }

  void erase(uint64_t index) {
    if (entries_.empty()) return;
    entry& e = entries_[slot(index)];
    if (e.node.index == index) e.present = false;
  }

  void clear() { entries_.clear(); }

 private:
  struct entry {
    tree_node node;
    bool present = false;
  };
  size_t slot(uint64_t index) const { return (index ^ (index >> 17)) & mask_; }

  size_t slots_;
  size_t mask_;
  std::vector<entry> entries_;
};

}  // namespace ddb
