#pragma once
// Which Merkle nodes a feed holds (the tree bits of its bitfield) and what follows from that:
// the feed length, the nodes a peer needs to verify a block (proof), and the compact digest a
// requester sends of what it already has. Same semantics as the reference's tree index, which
// the replication protocol depends on (Request.nodes digest, Data.nodes proof).
#include <cstdint>
#include <optional>
#include <vector>

#include "core/bitfield.hpp"

namespace ddb {

struct proof_plan {
  std::vector<uint64_t> nodes;  // node indexes to send, in the order the reference sends them
  uint64_t verified_by = 0;  // 2 * length of the signed tree that verifies them; 0 = no signature
};

class tree_index {
 public:
  // Borrows `bits` (the feed's bitfield); it must outlive this index.
  explicit tree_index(bitfield& bits) : bits_(bits) {}

  bool get(uint64_t node) const { return bits_.get_tree(node); }
  // Sets a node and every parent that becomes complete because its sibling is present.
  bool set(uint64_t node);
  // The feed length derived from the tree bits (highest full-root span present).
  uint64_t blocks() const;
  std::vector<uint64_t> roots() const;
  // 0 when `node` is absent; otherwise 2 * (length of the smallest tree verifying it).
  uint64_t verified_by(uint64_t node, std::vector<uint64_t>* nodes = nullptr) const;
  // The proof for `node` given what the remote has (its digest, and optionally nodes we know it
  // has); nullopt when we do not have `node`.
  std::optional<proof_plan> proof(uint64_t node, uint64_t digest, bool include_hash,
                                  const tree_index* remote = nullptr) const;
  // The digest of what we hold around `node`, for a Request.
  uint64_t digest(uint64_t node) const;
  // Clears every node at or beyond 2 * length and the parents of the new roots.
  void truncate(uint64_t length_nodes);

 private:
  bitfield& bits_;
};

}  // namespace ddb
