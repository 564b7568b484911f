// Maintenance: clearing ranges from the local store and auditing stored blocks.
#include "core/flat_tree.hpp"
#include "feed/feed.hpp"

namespace ddb {

status feed::clear(uint64_t start, uint64_t end) {
  DDB_TRY(check_open());
  DDB_ASSERT((!deferred_ || quiet()) && "clear waits for the prepared batches");
  DDB_TRY(flush_puts());
  if (end <= start) return status::ok();
  if (end > length_) end = length_;
  if (start >= end || bits_.count(start, end) == 0) return status::ok();
  auto from = data_offset(start);
  if (!from) return from.error();
  uint64_t to = byte_length_;
  if (end < length_) {
    auto e = data_offset(end);
    if (!e) return e.error();
    to = *e;
  }
  for (uint64_t i = start; i < end; ++i) bits_.set(i, false);
  ahead_.blocks.clear();
  // The bits go first: a crash between the two leaves blocks invisible, never visible as zeros.
  DDB_TRY(write_dirty_bits());
  return files_->erase_data(*from, to - *from);
}

result<audit_report> feed::audit() {
  DDB_TRY(check_open());
  DDB_ASSERT((!deferred_ || quiet()) && "audit waits for the prepared batches");
  DDB_TRY(flush_puts());
  audit_report report;
  constexpr uint64_t chunk = 4096;
  std::vector<std::optional<tree_node>> nodes;
  byte_buffer data;
  for (uint64_t start = 0; start < length_; start += chunk) {
    uint64_t end = std::min(length_, start + chunk);
    auto first = bits_.next_set(start, end);
    if (!first) continue;
    DDB_TRY(files_->read_nodes(2 * start, 2 * (end - start) - 1, nodes));
    auto leaf_of = [&](uint64_t b) -> const std::optional<tree_node>& {
      return nodes[2 * (b - start)];
    };
    auto fail_block = [&](uint64_t b) {
      ++report.invalid;
      bits_.set(b, false);
      ahead_.blocks.clear();
    };
    // Blocks are checked in runs of consecutive stored blocks: in a sparse feed the data of the
    // blocks between runs is absent, so each run's data offset comes from the tree.
    for (uint64_t b = *first; b < end;) {
      if (!bits_.get(b)) {
        ++b;
        continue;
      }
      if (!leaf_of(b)) {  // a block marked stored without its leaf cannot be verified
        fail_block(b++);
        continue;
      }
      uint64_t run_end = b;
      uint64_t span = 0;
      while (run_end < end && bits_.get(run_end) && leaf_of(run_end)) {
        span += leaf_of(run_end)->size;
        ++run_end;
      }
      auto offset = data_offset(b);
      if (!offset) return offset.error();
      data.resize(span);
      status rd = files_->read_data(*offset, span, data.data());
      if (!rd && rd.code() != errc::bad_index) return rd;
      // A short data file: read block by block; what is missing cannot match.
      const bool per_block = !rd;
      uint64_t at = 0;
      for (; b < run_end; ++b) {
        const tree_node& leaf = *leaf_of(b);
        bool ok =
            !per_block || files_->read_data(*offset + at, leaf.size, data.data() + at).is_ok();
        ok = ok && crypto::leaf_hash(byte_view(data.data() + at, leaf.size)) == leaf.hash;
        if (ok) {
          ++report.valid;
        } else {
          fail_block(b);
        }
        at += leaf.size;
      }
    }
  }
  DDB_TRY(write_dirty_bits());
  return report;
}

}  // namespace ddb
