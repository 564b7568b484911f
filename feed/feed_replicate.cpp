// Replication support in the engine: proofs for peers' requests, and verified writes of blocks
// received from peers, staged and written in batches.
#include <algorithm>
#include <map>

#include "core/crypto.hpp"
#include "core/flat_tree.hpp"
#include "core/proof_verify.hpp"
#include "feed/feed.hpp"

namespace ddb {

result<proof_reply> feed::proof(uint64_t index, uint64_t digest, bool hash) {
  DDB_TRY(check_open());
  DDB_TRY(flush_for_read());
  auto plan = tree_.proof(2 * index, digest, hash);
  if (!plan) return make_error(errc::unavailable, "no proof available for this index");
  proof_reply out;
  out.nodes.reserve(plan->nodes.size());
  for (uint64_t n : plan->nodes) {
    auto node = require_node(n);
    if (!node) return node.error();
    out.nodes.push_back(*node);
  }
  if (plan->verified_by > 0) {
    const uint64_t slot = plan->verified_by / 2 - 1;
    if (last_signature_ && last_signature_->index == slot) {
      out.signature = last_signature_->signature;
    } else {
      auto sig = read_signature(slot);
      if (!sig) return sig.error();
      if (*sig) {
        out.signature = **sig;
        last_signature_ = signature_info{slot, **sig};
      }
    }
  }
  return out;
}

void feed::leaf_hashes(const std::vector<byte_view>& blocks, std::vector<hash_t>& out) {
  uint64_t bytes = 0;
  for (const byte_view& b : blocks) bytes += b.size;
  // Handing half to the helper thread pays off from a few hundred KiB, or a few hundred blocks
  // (each hash has a fixed cost besides its bytes), on.
  constexpr uint64_t parallel_bytes = 256 * 1024;
  constexpr size_t parallel_blocks = 256;
  if (opts_.parallel_hashing && blocks.size() >= 2 &&
      (bytes >= parallel_bytes || blocks.size() >= parallel_blocks)) {
    if (!hashers_) hashers_ = std::make_unique<hash_pool>();
    hashers_->leaf_hashes(blocks, out);
    return;
  }
  out.resize(blocks.size());
  for (size_t i = 0; i < blocks.size(); ++i) out[i] = crypto::leaf_hash(blocks[i]);
}

result<verified_data> feed::verify_put(const put_item& item) {
  trusted_lookup trusted = [this](uint64_t i) -> std::optional<tree_node> {
    if (!tree_.get(i)) return std::nullopt;
    auto n = require_node(i);
    if (!n) return std::nullopt;
    return *n;
  };
  if (!item.value) {
    return verify_hash(item.index, item.nodes, item.signature, trusted, key_, opts_.crypto.verify);
  }
  if (!item.leaf_hash) {
    return verify_data(item.index, byte_view(*item.value), item.nodes, item.signature, trusted,
                       key_, opts_.crypto.verify);
  }
  // The leaf is hashed already: walk up from it as a hash-only proof starting at the leaf.
  std::vector<tree_node> proof;
  proof.reserve(item.nodes.size() + 1);
  proof.push_back(tree_node{2 * item.index, item.value->size(), *item.leaf_hash});
  proof.insert(proof.end(), item.nodes.begin(), item.nodes.end());
  return verify_hash(item.index, proof, item.signature, trusted, key_, opts_.crypto.verify);
}

status feed::put(put_item& item, bool& stored, const write_hook& before_write) {
  stored = false;
  DDB_TRY(check_open());
  if (item.value && item.value->size() > max_block_size) {
    return make_error(errc::block_too_large, "a replicated block is over 8 MiB");
  }
  if (item.value && bits_.get(item.index)) return status::ok();  // already stored
  if (!item.value && tree_.get(2 * item.index)) return status::ok();
  auto verified = verify_put(item);
  if (!verified) return verified.error();
  DDB_TRY(check_consistent(*verified));
  if (item.value && before_write) DDB_TRY(before_write(item.index, byte_view(*item.value)));

  // Stage: nodes first (the data offset below may need them), then data, signature, bits.
  if (quiet()) written_length_ = length_;
  for (const tree_node& n : verified->nodes) {
    staged_nodes_[n.index] = n;
    staged_.scattered_nodes.push_back(n);
    tree_.set(n.index);
  }
  has_staged_ = true;
  if (item.value) {
    auto offset = data_offset(item.index);
    if (!offset) return offset.error();
    staged_.data_runs.emplace_back(*offset, std::move(*item.value));
    item.value.reset();
    bits_.set(item.index, true);
    if (deferred_) {
      staged_blocks_.push_back(item.index);
      unwritten_.insert(item.index);
    }
    stored = true;
  }
  if (verified->signature) {
    staged_.signatures.emplace_back(verified->signed_length - 1, *verified->signature);
  }
  if (verified->signed_length > length_) {
    length_ = verified->signed_length;
    builder_ = merkle_builder(verified->roots, length_);
    byte_length_ = builder_.byte_length();
  }
  return status::ok();
}

status feed::check_consistent(const verified_data& v) {
  std::map<uint64_t, const tree_node*> fresh;
  for (const tree_node& n : v.nodes) {
    fresh[n.index] = &n;
    auto local = node(n.index);
    if (!local) return local.error();
    if (*local && (*local)->hash != n.hash) {
      return make_error(errc::forked, "a signed proof disagrees with stored tree node " +
                                          std::to_string(n.index));
    }
  }
  if (v.signed_length <= length_ || length_ == 0) return status::ok();
  // Every current root must hash up, through stored and fresh nodes, to a fresh node that
  // agrees. (Current roots are left children, so the proof of block length_ links them all.)
  auto known = [&](uint64_t index) -> result<std::optional<tree_node>> {
    auto it = fresh.find(index);
    if (it != fresh.end()) return std::optional<tree_node>(*it->second);
    return node(index);
  };
  for (const tree_node& r : v.roots) fresh.emplace(r.index, &r);  // roots taken from storage too
  for (tree_node cur : builder_.roots()) {
    while (true) {
      auto it = fresh.find(cur.index);
      if (it != fresh.end()) {
        if (it->second->hash != cur.hash) {
          return make_error(errc::forked, "a longer signed tree does not contain our root " +
                                              std::to_string(cur.index));
        }
        break;
      }
      if (flat_tree::depth(cur.index) >= 62) return make_error(errc::corruption, "tree too deep");
      auto sib = known(flat_tree::sibling(cur.index));
      if (!sib) return sib.error();
      if (!*sib) {
        return make_error(errc::unlinked,
                          "the signed tree of length " + std::to_string(v.signed_length) +
                              " does not link to our length " + std::to_string(length_));
      }
      cur = crypto::parent_node(cur, **sib);
    }
  }
  return status::ok();
}

status feed::flush_puts() {
  if (!has_staged_) return status::ok();
  DDB_ASSERT(prepared_puts_.empty() && "staged puts are written after the prepared batches");
  auto batch = prepare_puts();
  status s = files_->write(*batch);
  puts_written();
  return s;
}

std::shared_ptr<const write_batch> feed::prepare_puts() {
  if (!has_staged_) return nullptr;
  // Merge adjacent data runs and sort nodes so the write batch has few, ordered writes.
  auto& runs = staged_.data_runs;
  std::sort(runs.begin(), runs.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<uint64_t, byte_buffer>> merged;
  // Small neighbours are merged into one write; large blocks are written as they are (merging
  // megabytes only copies them into fresh, page-faulting memory).
  constexpr size_t merge_limit = 256 * 1024, small_block = 16 * 1024;
  for (auto& run : runs) {
    if (!merged.empty() && merged.back().first + merged.back().second.size() == run.first &&
        run.second.size() < small_block &&
        merged.back().second.size() + run.second.size() <= merge_limit) {
      auto& tail = merged.back().second;
      tail.insert(tail.end(), run.second.begin(), run.second.end());
    } else {
      merged.push_back(std::move(run));
    }
  }
  runs = std::move(merged);
  auto& nodes = staged_.scattered_nodes;
  std::sort(nodes.begin(), nodes.end(),
            [](const tree_node& a, const tree_node& b) { return a.index < b.index; });
  // Contiguous node runs go through `nodes` (one write); the rest stay scattered.
  if (!nodes.empty()) {
    size_t best = 0, best_len = 1, at = 0;
    for (size_t i = 1; i <= nodes.size(); ++i) {
      if (i < nodes.size() && nodes[i].index == nodes[i - 1].index + 1) continue;
      if (i - at > best_len) best = at, best_len = i - at;
      at = i;
    }
    staged_.first_node = nodes[best].index;
    staged_.nodes.assign(nodes.begin() + best, nodes.begin() + best + best_len);
    nodes.erase(nodes.begin() + best, nodes.begin() + best + best_len);
  }
  for (uint64_t page : bits_.take_dirty()) {
    byte_buffer bytes(bitfield::page_size);
    bits_.write_page(page, bytes.data());
    staged_.bitfield_pages.emplace_back(page, std::move(bytes));
  }
  staged_.sync = opts_.sync_writes;
  prepared_puts p;
  p.batch = std::make_shared<write_batch>(std::move(staged_));
  p.blocks = std::move(staged_blocks_);
  p.length = length_;
  staged_ = write_batch{};
  staged_blocks_.clear();
  has_staged_ = false;
  prepared_puts_.push_back(std::move(p));
  return prepared_puts_.back().batch;
}

// Written (or failed: the feed actor then stops replicating, as a failed flush_puts did): the
// batch's nodes move to the cache, its blocks stop being unwritten.
void feed::puts_written() {
  DDB_ASSERT(!prepared_puts_.empty() && "puts_written without a prepared batch");
  prepared_puts& p = prepared_puts_.front();
  for (const tree_node& n : p.batch->nodes) {
    cache_.put(n);
    staged_nodes_.erase(n.index);
  }
  for (const tree_node& n : p.batch->scattered_nodes) {
    cache_.put(n);
    staged_nodes_.erase(n.index);
  }
  for (uint64_t b : p.blocks) unwritten_.erase(b);
  written_length_ = p.length;
  prepared_puts_.pop_front();
}

byte_buffer feed::data_bits(uint64_t start, uint64_t n) {
  byte_buffer out(n, 0);
  byte_buffer page(bitfield::page_size);
  for (uint64_t at = 0; at < n; at += bitfield::data_bytes) {
    uint64_t p = (start / 8) / bitfield::data_bytes + at / bitfield::data_bytes;
    bits_.write_page(p, page.data());
    uint64_t take = std::min<uint64_t>(bitfield::data_bytes, n - at);
    std::copy(page.begin(), page.begin() + static_cast<long>(take),
              out.begin() + static_cast<long>(at));
  }
  return out;
}

}  // namespace ddb
