// Deferred writes, the read side: while put batches are staged or prepared and not yet written
// (the storage actor writes them), reads of their nodes, data and signatures come from the
// batches themselves, and the file only supplies what is on disk already.
#include <algorithm>
#include <cstring>

#include "feed/feed.hpp"

namespace ddb {

status feed::read_data(uint64_t offset, size_t n, uint8_t* out) {
  if (!has_overlay()) return files_->read_data(offset, n, out);
  const uint64_t end = offset + n;
  std::vector<std::pair<uint64_t, uint64_t>> covered;  // [lo, hi) filled from a batch
  auto copy = [&](uint64_t at, const byte_buffer& bytes) {
    const uint64_t lo = std::max(at, offset);
    const uint64_t hi = std::min<uint64_t>(at + bytes.size(), end);
    if (lo >= hi) return;
    std::memcpy(out + (lo - offset), bytes.data() + (lo - at), size_t(hi - lo));
    covered.emplace_back(lo, hi);
  };
  auto from = [&](const write_batch& b) {
    if (!b.data.empty()) copy(b.data_offset, b.data);
    for (const auto& [at, bytes] : b.data_runs) copy(at, bytes);
  };
  for (const auto& p : prepared_puts_) from(*p.batch);
  if (has_staged_) from(staged_);
  std::sort(covered.begin(), covered.end());
  // The gaps hold blocks that are on disk (every stored block is written or in a batch).
  uint64_t at = offset;
  for (const auto& [lo, hi] : covered) {
    if (lo > at) DDB_TRY(files_->read_data(at, size_t(lo - at), out + (at - offset)));
    at = std::max(at, hi);
  }
  if (at < end) DDB_TRY(files_->read_data(at, size_t(end - at), out + (at - offset)));
  return status::ok();
}

status feed::read_nodes(uint64_t first, size_t n, std::vector<std::optional<tree_node>>& out) {
  DDB_TRY(files_->read_nodes(first, n, out));
  if (staged_nodes_.empty()) return status::ok();
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i]) continue;
    auto it = staged_nodes_.find(first + i);
    if (it != staged_nodes_.end()) out[i] = it->second;
  }
  return status::ok();
}

result<std::optional<signature_t>> feed::read_signature(uint64_t slot) {
  if (has_overlay()) {
    auto find = [&](const write_batch& b) -> const signature_t* {
      for (const auto& [s, sig] : b.signatures) {
        if (s == slot) return &sig;
      }
      return nullptr;
    };
    const signature_t* hit = has_staged_ ? find(staged_) : nullptr;
    for (auto it = prepared_puts_.rbegin(); !hit && it != prepared_puts_.rend(); ++it) {
      hit = find(*it->batch);
    }
    if (hit) return std::optional<signature_t>(*hit);
  }
  return files_->read_signature(slot);
}

bool feed::unwritten(uint64_t start, uint64_t end) const {
  auto it = unwritten_.lower_bound(start);
  return it != unwritten_.end() && *it < end;
}

uint64_t feed::unwritten_count(uint64_t start, uint64_t end) const {
  if (end <= start) return 0;
  return static_cast<uint64_t>(
      std::distance(unwritten_.lower_bound(start), unwritten_.lower_bound(end)));
}

}  // namespace ddb
