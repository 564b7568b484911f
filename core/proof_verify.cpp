#include "core/proof_verify.hpp"

#include <algorithm>
#include <string>

#include "core/flat_tree.hpp"

namespace ddb {

namespace {

// Deeper than any tree of max_proof_node_index nodes: guards the walk against a trusted lookup
// that never runs out of nodes.
constexpr uint64_t max_walk_depth = 60;

status corrupt(std::string message) {
  return make_error(errc::corruption, std::move(message));
}

class verifier {
 public:
  verifier(const std::vector<tree_node>& proof, const trusted_lookup& trusted)
      : proof_(proof), trusted_(trusted) {}

  result<verified_data> run(tree_node top, size_t first, const std::optional<signature_t>& sig,
                            const public_key& key, const crypto::verify_fn& hook);

 private:
  std::optional<tree_node> lookup(uint64_t index) const {
    if (!trusted_) return std::nullopt;
    return trusted_(index);
  }
  bool next_is(uint64_t index) const {
    return next_ < proof_.size() && proof_[next_].index == index;
  }
  // Climbs from `top` while siblings are available; true when a trusted node ended the walk.
  result<bool> climb(tree_node& top);
  status collect_roots(const tree_node& top, uint64_t verified_by);
  status check_signature(const std::optional<signature_t>& sig, const public_key& key,
                         const crypto::verify_fn& hook);
  verified_data finish();

  const std::vector<tree_node>& proof_;
  const trusted_lookup& trusted_;
  size_t next_ = 0;
  verified_data out_;
};

result<bool> verifier::climb(tree_node& top) {
  while (true) {
    if (std::optional<tree_node> t = lookup(top.index)) {
      if (t->hash != top.hash) return corrupt("proof: hash does not match the trusted node");
      return true;
    }
    if (flat_tree::depth(top.index) >= max_walk_depth) return corrupt("proof: tree too deep");
    uint64_t sib = flat_tree::sibling(top.index);
    tree_node other;
    if (next_is(sib)) {
      other = proof_[next_++];
      out_.nodes.push_back(other);
    } else if (std::optional<tree_node> t = lookup(sib)) {
      other = *t;
    } else {
      return false;
    }
    out_.nodes.push_back(top);
    top = crypto::parent_node(top, other);
  }
}

status verifier::collect_roots(const tree_node& top, uint64_t verified_by) {
  bool covers_top = false;
  for (uint64_t index : flat_tree::full_roots(verified_by)) {
    if (index == top.index) {
      covers_top = true;
      out_.roots.push_back(top);
      out_.nodes.push_back(top);
    } else if (next_is(index)) {
      out_.roots.push_back(proof_[next_]);
      out_.nodes.push_back(proof_[next_++]);
    } else if (std::optional<tree_node> t = lookup(index)) {
      out_.roots.push_back(*t);
    } else {
      return corrupt("proof: missing tree roots needed for verify");
    }
  }
  if (!covers_top) return corrupt("proof: the verified path does not reach a root");
  return status::ok();
}

status verifier::check_signature(const std::optional<signature_t>& sig, const public_key& key,
                                 const crypto::verify_fn& hook) {
  if (sig) {
    if (!crypto::verify_roots(out_.roots, out_.signed_length, *sig, key, hook)) {
      return make_error(errc::bad_signature, "proof: remote signature could not be verified");
    }
    out_.signature = sig;
    return status::ok();
  }
  if (crypto::tree_hash(out_.roots) != key) {
    return make_error(errc::bad_signature, "proof: remote did not include a signature");
  }
  return status::ok();
}

verified_data verifier::finish() {
  std::vector<tree_node>& nodes = out_.nodes;
  std::sort(nodes.begin(), nodes.end(),
            [](const tree_node& a, const tree_node& b) { return a.index < b.index; });
  nodes.erase(
      std::unique(nodes.begin(), nodes.end(),
                  [](const tree_node& a, const tree_node& b) { return a.index == b.index; }),
      nodes.end());
  return std::move(out_);
}

result<verified_data> verifier::run(tree_node top, size_t first,
                                    const std::optional<signature_t>& sig, const public_key& key,
                                    const crypto::verify_fn& hook) {
  next_ = first;
  result<bool> trusted_end = climb(top);
  if (!trusted_end) return trusted_end.error();
  if (*trusted_end) return finish();

  uint64_t last = next_ < proof_.size() ? proof_.back().index : top.index;
  uint64_t verified_by =
      std::max(flat_tree::right_span(top.index), flat_tree::right_span(last)) + 2;
  out_.signed_length = verified_by / 2;
  DDB_TRY(collect_roots(top, verified_by));
  DDB_TRY(check_signature(sig, key, hook));
  return finish();
}

status check_indexes(uint64_t block, const std::vector<tree_node>& proof) {
  if (block >= max_proof_node_index / 2) return corrupt("proof: block index out of range");
  for (const tree_node& n : proof) {
    if (n.index > max_proof_node_index) return corrupt("proof: node index out of range");
  }
  return status::ok();
}

}  // namespace

result<verified_data> verify_data(uint64_t block, byte_view value,
                                  const std::vector<tree_node>& proof,
                                  const std::optional<signature_t>& signature,
                                  const trusted_lookup& trusted, const public_key& key,
                                  const crypto::verify_fn& verify_hook) {
  DDB_TRY(check_indexes(block, proof));
  if (value.size > max_block_size) {
    return make_error(errc::block_too_large, "proof: block over 8 MiB");
  }
  tree_node leaf;
  leaf.index = 2 * block;
  leaf.size = value.size;
  leaf.hash = crypto::leaf_hash(value);
  return verifier(proof, trusted).run(leaf, 0, signature, key, verify_hook);
}

result<verified_data> verify_hash(uint64_t block, const std::vector<tree_node>& proof,
                                  const std::optional<signature_t>& signature,
                                  const trusted_lookup& trusted, const public_key& key,
                                  const crypto::verify_fn& verify_hook) {
  DDB_TRY(check_indexes(block, proof));
  if (proof.empty() || proof[0].index != 2 * block) {
    return corrupt("proof: a hash-only proof must start with the block's leaf");
  }
  return verifier(proof, trusted).run(proof[0], 1, signature, key, verify_hook);
}

}  // namespace ddb
