#pragma once
// Incremental Merkle tree builder for appends: given a feed's current full roots, each appended
// block yields its leaf node and every parent node it completes, in the order the reference's
// merkle-tree-stream emits them (leaf first, then parents going up). Pure computation, no I/O.
#include <cstdint>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"

namespace ddb {

class merkle_builder {
 public:
  // An empty tree (no blocks).
  merkle_builder();
  // REQUIRES: `roots` are the full roots of a tree of `blocks` blocks, left to right, i.e. their
  // indexes are flat_tree::full_roots(2 * blocks). Use `make` to check untrusted input.
  merkle_builder(std::vector<tree_node> roots, uint64_t blocks);
  // Checked construction: errc::corruption when the root indexes do not match `blocks`.
  static result<merkle_builder> make(std::vector<tree_node> roots, uint64_t blocks);

  // Adds block number blocks() and appends (does not clear) to `out_nodes` the new leaf
  // (index 2 * blocks(), size = block.size) followed by each parent it completes.
  // Allocates only when `out_nodes` has to grow.
  void append(byte_view block, std::vector<tree_node>& out_nodes);
  // The same with the leaf hash computed by the caller (leaf_hash(block), size = block size).
  void append_hashed(const hash_t& leaf_hash, uint64_t size, std::vector<tree_node>& out_nodes);

  // Full roots, left to right (flat_tree::full_roots order).
  const std::vector<tree_node>& roots() const { return roots_; }
  uint64_t blocks() const { return blocks_; }
  // Sum of the root sizes: the feed's byte length.
  uint64_t byte_length() const { return byte_length_; }

 private:
  std::vector<tree_node> roots_;
  uint64_t blocks_ = 0;
  uint64_t byte_length_ = 0;
};

}  // namespace ddb
