// Appending: hash the blocks into the tree, sign the new roots once per batch, and write the
// batch with one write per file (data, tree, signatures, then the bitfield that makes it visible).
#include <algorithm>

#include "core/assert.hpp"
#include "core/flat_tree.hpp"
#include "feed/feed.hpp"

namespace ddb {

result<uint64_t> feed::append(const std::vector<byte_buffer>& blocks) {
  std::vector<byte_view> views(blocks.begin(), blocks.end());
  return append(views);
}

result<uint64_t> feed::append(const std::vector<byte_view>& blocks) {
  auto prepared = prepare_append(blocks);
  if (!prepared) return prepared.error();
  if (!prepared->batch) return prepared->first;
  return finish_append(files_->write(*prepared->batch));
}

result<feed::prepared_append> feed::prepare_append(const std::vector<byte_view>& blocks) {
  DDB_TRY(check_open());
  if (deferred_) {
    DDB_ASSERT(quiet() && "an append must wait for the staged and prepared puts");
  } else {
    DDB_TRY(flush_puts());
  }
  DDB_ASSERT(!appending_ && "one append at a time");
  if (!secret_key_) return make_error(errc::not_writable, "the feed has no secret key");
  size_t total = 0;
  for (const byte_view& b : blocks) {
    if (b.size > max_block_size) {
      return make_error(errc::block_too_large, "blocks must be at most 8 MiB");
    }
    total += b.size;
  }
  const uint64_t first = length_;
  if (blocks.empty()) return prepared_append{first, nullptr};

  const uint64_t count = blocks.size();
  const uint64_t node_first = 2 * first;
  const uint64_t node_end = 2 * (first + count) - 1;  // exclusive: the last leaf + 1
  std::vector<tree_node> old_roots = builder_.roots();

  write_batch& batch = *batch_;
  batch.data_offset = byte_length_;
  batch.data.clear();
  batch.data.reserve(total);
  batch.first_node = node_first;
  batch.nodes.assign(node_end - node_first, tree_node{});
  for (uint64_t i = node_first; i < node_end; ++i) batch.nodes[i - node_first].index = i;
  batch.scattered_nodes.clear();
  batch.signatures.clear();
  batch.bitfield_pages.clear();
  batch.sync = opts_.sync_writes;

  produced_.clear();
  leaf_hashes(blocks, leaf_hashes_);
  for (size_t i = 0; i < blocks.size(); ++i) {
    batch.data.insert(batch.data.end(), blocks[i].begin(), blocks[i].end());
    builder_.append_hashed(leaf_hashes_[i], blocks[i].size, produced_);
  }
  for (const tree_node& n : produced_) {
    if (n.index >= node_first && n.index < node_end) {
      batch.nodes[n.index - node_first] = n;
    } else {
      batch.scattered_nodes.push_back(n);
    }
  }

  const uint64_t new_length = first + count;
  auto signable = crypto::signable(builder_.roots(), new_length);
  signature_t sig;
  if (opts_.crypto.sign) {
    auto s = opts_.crypto.sign(byte_view(signable), *secret_key_);
    if (!s) {
      builder_ = merkle_builder(old_roots, first);
      return s.error();
    }
    sig = *s;
  } else {
    sig = crypto::sign(byte_view(signable), *secret_key_);
  }
  // Zero any slot a failed append left inside this batch (see rollback_append).
  for (uint64_t slot : stale_signatures_) {
    if (slot >= first && slot < new_length - 1) batch.signatures.emplace_back(slot, signature_t{});
  }
  batch.signatures.emplace_back(new_length - 1, sig);

  for (uint64_t i = first; i < new_length; ++i) bits_.set(i, true);
  for (const tree_node& n : produced_) bits_.set_tree(n.index, true);
  for (uint64_t page : bits_.take_dirty()) {
    byte_buffer bytes(bitfield::page_size);
    bits_.write_page(page, bytes.data());
    batch.bitfield_pages.emplace_back(page, std::move(bytes));
  }
  appending_ = append_in_flight{first, count, std::move(old_roots)};
  return prepared_append{first, batch_};
}

result<uint64_t> feed::finish_append(const status& written) {
  DDB_ASSERT(appending_.has_value() && "finish_append without prepare_append");
  const append_in_flight a = std::move(*appending_);
  appending_.reset();
  if (!written) {
    rollback_append(a.first, a.count, a.old_roots);
    return written;
  }
  const uint64_t new_length = a.first + a.count;
  for (const tree_node& n : produced_) cache_.put(n);
  stale_signatures_.erase(std::remove_if(stale_signatures_.begin(), stale_signatures_.end(),
                                         [&](uint64_t s) { return s < new_length; }),
                          stale_signatures_.end());
  length_ = new_length;
  byte_length_ = builder_.byte_length();
  DDB_ASSERT(builder_.blocks() == length_ && tree_.blocks() == length_);
  return a.first;
}

void feed::rollback_append(uint64_t old_length, uint64_t count,
                           const std::vector<tree_node>& old_roots) {
  for (uint64_t i = old_length; i < old_length + count; ++i) bits_.set(i, false);
  // Resetting the bits re-marks their pages dirty: the next write rewrites them from memory,
  // repairing any page the failed batch managed to write.
  for (const tree_node& n : produced_) bits_.set_tree(n.index, false);
  builder_ = merkle_builder(old_roots, old_length);
  // The failed batch may have stored (part of) its signature; signature(i) must never return it
  // once a later append covers that slot. Erase it now, or zero it with the append that covers it.
  const uint64_t slot = old_length + count - 1;
  if (!files_->erase_signatures(slot, slot + 1)) stale_signatures_.push_back(slot);
}

status feed::write_dirty_bits() {
  DDB_ASSERT(quiet() && "the bitfield is written after the prepared batches");
  write_batch wb;
  for (uint64_t page : bits_.take_dirty()) {
    byte_buffer bytes(bitfield::page_size);
    bits_.write_page(page, bytes.data());
    wb.bitfield_pages.emplace_back(page, std::move(bytes));
  }
  wb.sync = opts_.sync_writes;
  if (wb.empty()) return status::ok();
  return files_->write(wb);
}

}  // namespace ddb
