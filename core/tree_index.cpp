#include "core/tree_index.hpp"

#include <algorithm>

#include "core/flat_tree.hpp"

// Same semantics as the reference's lib/tree-index.js (facts, not its code):
// - digest: bit 0 = "has the root of the requested node's tree"; bit k (k >= 1) = "has the
//   sibling on the k-th level of the path from the node to its root". A digest of 1 means "I
//   have the node itself" (or, with all bits up to a present parent, the whole path).
// - proof: the siblings on the path up to what the remote has (per its digest), plus, when we
//   reach a local root, the other roots of the tree that verifies it (verified_by).
// Digests are uint64_t. The reference uses JS numbers: identical while digests stay below 2^53
// (trees up to ~52 levels); above that the reference loses precision and we stay exact.

namespace ddb {
namespace {

// The remote's tree as proof() sees it: the borrowed remote (if any) plus nodes proof() decided
// the remote must have. Mirrors a tree_index's set() without touching the borrowed remote.
class remote_view {
 public:
  explicit remote_view(const tree_index* base) : base_(base) {}

  bool get(uint64_t node) const {
    if (base_ && base_->get(node)) return true;
    return std::find(added_.begin(), added_.end(), node) != added_.end();
  }
  void set(uint64_t node) {
    if (get(node)) return;
    added_.push_back(node);
    while (get(flat_tree::sibling(node))) {
      node = flat_tree::parent(node);
      if (get(node)) break;
      added_.push_back(node);
    }
  }

 private:
  const tree_index* base_;
  std::vector<uint64_t> added_;
};

uint64_t right_shift(uint64_t n) {
  return n >> 1;
}

}  // namespace

bool tree_index::set(uint64_t node) {
  if (!bits_.set_tree(node, true)) return false;
  while (bits_.get_tree(flat_tree::sibling(node))) {
    node = flat_tree::parent(node);
    if (!bits_.set_tree(node, true)) break;
  }
  return true;
}

uint64_t tree_index::blocks() const {
  uint64_t top = 0;
  uint64_t next = 0;
  uint64_t max = bits_.tree_length();
  while (flat_tree::right_span(next) < max) {
    next = flat_tree::parent(next);
    if (get(next)) top = next;
  }
  return (get(top) ? verified_by(top) : 0) / 2;
}

std::vector<uint64_t> tree_index::roots() const {
  return flat_tree::full_roots(2 * blocks());
}

uint64_t tree_index::verified_by(uint64_t node, std::vector<uint64_t>* nodes) const {
  if (!get(node)) return 0;
  // Climb to the root of the complete tree holding node.
  uint64_t top = node;
  uint64_t parent = flat_tree::parent(top);
  while (get(parent) && get(flat_tree::sibling(top))) {
    top = parent;
    parent = flat_tree::parent(top);
  }
  // Walk down the right edge: the next subtrees to the right, largest present first.
  uint64_t depth = flat_tree::depth(top);
  while (depth) {
    top = flat_tree::left_child(flat_tree::index(depth, flat_tree::offset(top) + 1));
    --depth;
    while (!get(top) && depth) {
      top = flat_tree::left_child(top);
      --depth;
    }
    if (nodes && get(top)) nodes->push_back(top);
  }
  return get(top) ? top + 2 : top;
}

namespace {

// Adds the nodes the remote already has according to `digest` to `remote` (proof() step 1).
void apply_digest(const tree_index& local, uint64_t node, uint64_t digest, remote_view& remote) {
  uint64_t next = node;
  bool has_root = digest & 1;
  digest = right_shift(digest);
  while (digest) {
    if (digest == 1 && has_root) {
      if (local.get(next)) remote.set(next);
      // Having a root implies having the roots before it too.
      if (flat_tree::sibling(next) < next) next = flat_tree::sibling(next);
      for (uint64_t r : flat_tree::full_roots(flat_tree::right_span(next) + 2)) {
        if (local.get(r)) remote.set(r);
      }
      return;
    }
    uint64_t sibling = flat_tree::sibling(next);
    if ((digest & 1) && local.get(sibling)) remote.set(sibling);
    next = flat_tree::parent(next);
    digest = right_shift(digest);
  }
}

}  // namespace

std::optional<proof_plan> tree_index::proof(uint64_t node, uint64_t digest, bool include_hash,
                                            const tree_index* remote) const {
  if (!get(node)) return std::nullopt;
  proof_plan plan;
  if (include_hash) plan.nodes.push_back(node);  // always sent, whatever the digest says
  if (digest == 1) return plan;

  remote_view view(remote);
  apply_digest(*this, node, digest, view);

  uint64_t next = node;
  while (!view.get(next)) {
    uint64_t sibling = flat_tree::sibling(next);
    if (!get(sibling)) {
      // next is a local root: finish with the other roots of the tree that verifies it.
      plan.verified_by = verified_by(next);
      for (uint64_t r : flat_tree::full_roots(plan.verified_by)) {
        if (r != next && !view.get(r)) plan.nodes.push_back(r);
      }
      return plan;
    }
    if (!view.get(sibling)) plan.nodes.push_back(sibling);
    next = flat_tree::parent(next);
  }
  return plan;
}

uint64_t tree_index::digest(uint64_t node) const {
  if (get(node)) return 1;
  uint64_t digest = 0;
  uint64_t next = flat_tree::sibling(node);
  uint64_t max = std::max(next + 2, bits_.tree_extent());
  uint64_t bit = 2;
  uint64_t parent = flat_tree::parent(next);
  while (flat_tree::right_span(next) < max || flat_tree::left_span(parent) > 0) {
    if (get(next)) digest += bit;
    if (get(parent)) {
      digest += 2 * bit;
      if (!(digest & 1)) digest += 1;
      if (digest + 1 == 4 * bit) return 1;
      return digest;
    }
    next = flat_tree::sibling(parent);
    parent = flat_tree::parent(next);
    bit *= 2;
  }
  return digest;
}

void tree_index::truncate(uint64_t length_nodes) {
  uint64_t current = 2 * blocks();
  for (uint64_t i = length_nodes; i < current; ++i) bits_.set_tree(i, false);
  for (uint64_t root : flat_tree::full_roots(length_nodes)) {
    uint64_t p = flat_tree::parent(root);
    while (p < length_nodes) {
      bits_.set_tree(p, false);
      p = flat_tree::parent(p);
    }
  }
}

}  // namespace ddb
