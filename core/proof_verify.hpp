#pragma once
// Sans-I/O verification of a replicated block (a Data message): the same semantics as the
// reference's _putBuffer / _verifyAndWrite / _verifyRootsAndWrite, without touching storage.
//
// The walk: start from the block's leaf (hashed from `value`, or taken from proof[0] for a
// hash-only Data message), and go up one level at a time, taking each sibling from the next
// proof node (proof nodes are consumed in order) or else from the trusted (locally verified)
// nodes. The walk ends
//  - at a node we already trust: the computed hash must equal the trusted hash; or
//  - when no sibling is available: the node reached must then be one of the full roots of the
//    tree of length L = (max(right_span(top), right_span(last proof node)) + 2) / 2; each root is
//    `top`, the next proof node, or a trusted node, and the signature must verify over
//    (roots, L) with crypto::verify_roots. Without a signature, the tree hash of the roots must
//    equal the public key (a static feed), as in the reference.
// Deliberately stricter than the reference: the node reached must itself be a root (the
// reference accepts a proof whose roots do not cover the walked path), a trusted node whose hash
// differs fails at once, and node indexes beyond max_proof_node_index are refused.
// Never throws; malformed input yields errc::corruption, signature problems errc::bad_signature.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "core/crypto.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace ddb {

// Returns the node at `index` if it is stored locally (and so already verified), else nullopt.
using trusted_lookup = std::function<std::optional<tree_node>(uint64_t index)>;

// Node indexes up to 2^53 (JavaScript's safe integers, like the reference's numbers).
inline constexpr uint64_t max_proof_node_index = uint64_t{1} << 53;

struct verified_data {
  // New nodes to store, sorted by index, no duplicates: the leaf, the proof nodes used, the
  // parents computed on the way and the remote roots used. Nodes that were already trusted are
  // not repeated (so this is empty when the leaf itself was trusted and matched).
  std::vector<tree_node> nodes;
  // The verified signature to store at slot signed_length - 1 (none when a trusted node
  // verified the block, or for a static feed).
  std::optional<signature_t> signature;
  // When verified through the roots: the feed length they describe (the signed length, or the
  // static feed's length); 0 when a trusted node verified the block.
  uint64_t signed_length = 0;
  // The full roots of the tree of signed_length blocks; empty when signed_length is 0.
  std::vector<tree_node> roots;
};

// Verifies block `block` with content `value` against `proof` (Data.nodes) and `signature`.
result<verified_data> verify_data(uint64_t block, byte_view value,
                                  const std::vector<tree_node>& proof,
                                  const std::optional<signature_t>& signature,
                                  const trusted_lookup& trusted, const public_key& key,
                                  const crypto::verify_fn& verify_hook = {});

// A hash-only Data message (no value; the answer to Request{hash: true}, which is how `update`
// learns a signed length): proof[0] must be the leaf node 2 * block itself.
result<verified_data> verify_hash(uint64_t block, const std::vector<tree_node>& proof,
                                  const std::optional<signature_t>& signature,
                                  const trusted_lookup& trusted, const public_key& key,
                                  const crypto::verify_fn& verify_hook = {});

}  // namespace ddb
