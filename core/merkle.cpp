#include "core/merkle.hpp"

#include <utility>

#include "core/crypto.hpp"
#include "core/flat_tree.hpp"

namespace ddb {

namespace {
// A tree of at most 2^64 blocks has at most 64 full roots (plus the one being appended).
constexpr size_t max_roots = 65;
}  // namespace

merkle_builder::merkle_builder() {
  roots_.reserve(max_roots);
}

merkle_builder::merkle_builder(std::vector<tree_node> roots, uint64_t blocks)
    : roots_(std::move(roots)), blocks_(blocks) {
  roots_.reserve(max_roots);
  for (const tree_node& r : roots_) byte_length_ += r.size;
}

result<merkle_builder> merkle_builder::make(std::vector<tree_node> roots, uint64_t blocks) {
  if (blocks >= (uint64_t{1} << 62)) {
    return make_error(errc::corruption, "merkle: block count out of range");
  }
  std::vector<uint64_t> want = flat_tree::full_roots(2 * blocks);
  if (want.size() != roots.size()) {
    return make_error(errc::corruption, "merkle: wrong number of roots for the length");
  }
  for (size_t i = 0; i < want.size(); ++i) {
    if (roots[i].index != want[i]) {
      return make_error(errc::corruption, "merkle: root index does not match the length");
    }
  }
  return merkle_builder(std::move(roots), blocks);
}

void merkle_builder::append(byte_view block, std::vector<tree_node>& out_nodes) {
  append_hashed(crypto::leaf_hash(block), block.size, out_nodes);
}

void merkle_builder::append_hashed(const hash_t& leaf_hash, uint64_t size,
                                   std::vector<tree_node>& out_nodes) {
  tree_node leaf;
  leaf.index = 2 * blocks_;
  leaf.size = size;
  leaf.hash = leaf_hash;
  ++blocks_;
  byte_length_ += size;
  roots_.push_back(leaf);
  out_nodes.push_back(leaf);

  // Two trailing roots with the same parent are siblings: merge them into that parent.
  while (roots_.size() > 1) {
    const tree_node& left = roots_[roots_.size() - 2];
    const tree_node& right = roots_.back();
    if (flat_tree::parent(left.index) != flat_tree::parent(right.index)) break;
    tree_node parent = crypto::parent_node(left, right);
    roots_.pop_back();
    roots_.back() = parent;
    out_nodes.push_back(parent);
  }
}

}  // namespace ddb
