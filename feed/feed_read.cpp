// Reading: blocks by index (one or a range), byte seeks, signatures and root hashes.
#include "core/flat_tree.hpp"
#include "feed/feed.hpp"

namespace ddb {

namespace {
status bad_index(uint64_t index, uint64_t length) {
  return make_error(errc::bad_index, "index " + std::to_string(index) + " is beyond length " +
                                         std::to_string(length));
}
status not_stored(uint64_t index) {
  return make_error(errc::unavailable, "block " + std::to_string(index) + " is not stored here");
}
}  // namespace

result<uint64_t> feed::data_offset(uint64_t block) {
  uint64_t offset = 0;
  for (uint64_t index : flat_tree::full_roots(2 * block)) {
    auto n = require_node(index);
    if (!n) return n.error();
    offset += n->size;
  }
  return offset;
}

result<byte_buffer> feed::get(uint64_t index) {
  DDB_TRY(check_open());
  DDB_TRY(flush_for_read());
  if (!bits_.get(index)) return index >= length_ ? bad_index(index, length_) : not_stored(index);
  const bool sequential = last_get_ != UINT64_MAX && index == last_get_ + 1;
  last_get_ = index;
  if (index >= ahead_.start && index - ahead_.start < ahead_.blocks.size()) {
    // Each read-ahead block is handed out once, without a copy; asked again, it is read again.
    const uint64_t at = index - ahead_.start;
    if (!ahead_.taken[at]) {
      ahead_.taken[at] = true;
      return std::move(ahead_.blocks[at]);
    }
  }
  if (sequential) {  // read the stored run that follows in one go
    constexpr uint64_t window = 64;
    uint64_t end = std::min(length_, index + window);
    end = bits_.next_unset(index, end).value_or(end);
    ahead_.blocks.clear();
    if (get_batch(index, end, ahead_.blocks)) {
      ahead_.start = index;
      ahead_.taken.assign(ahead_.blocks.size(), false);
      ahead_.taken[0] = true;
      return std::move(ahead_.blocks[0]);
    }
    ahead_.blocks.clear();
  }
  auto offset = data_offset(index);
  if (!offset) return offset.error();
  auto leaf = require_node(2 * index);
  if (!leaf) return leaf.error();
  byte_buffer out(leaf->size);
  DDB_TRY(read_data(*offset, out.size(), out.data()));
  return out;
}

status feed::get_batch(uint64_t start, uint64_t end, std::vector<byte_buffer>& out) {
  DDB_TRY(check_open());
  DDB_TRY(flush_for_read());
  out.clear();
  if (end < start || end > length_) return bad_index(end, length_);
  if (start == end) return status::ok();
  if (!bits_.all(start, end)) return not_stored(*bits_.next_unset(start, end));
  auto offset = data_offset(start);
  if (!offset) return offset.error();
  std::vector<std::optional<tree_node>> nodes;
  DDB_TRY(read_nodes(2 * start, 2 * (end - start) - 1, nodes));
  uint64_t total = 0;
  for (size_t i = 0; i < nodes.size(); i += 2) {
    if (!nodes[i]) return make_error(errc::corruption, "a stored block has no leaf node");
    total += nodes[i]->size;
  }
  out.reserve(end - start);
  uint64_t at = 0;
  // Large blocks are read straight into their own buffers: reading the run into one buffer and
  // splitting it would touch every byte twice more.
  constexpr uint64_t direct_block = 16 * 1024;
  if (total / (end - start) >= direct_block) {
    for (size_t i = 0; i < nodes.size(); i += 2) {
      byte_buffer& block = out.emplace_back(nodes[i]->size);
      status read = read_data(*offset + at, block.size(), block.data());
      if (!read) {
        out.clear();
        return read;
      }
      at += block.size();
    }
    return status::ok();
  }
  byte_buffer data(total);
  DDB_TRY(read_data(*offset, data.size(), data.data()));
  for (size_t i = 0; i < nodes.size(); i += 2) {
    out.emplace_back(data.begin() + at, data.begin() + at + nodes[i]->size);
    at += nodes[i]->size;
  }
  return status::ok();
}

result<seek_result> feed::seek(uint64_t byte_offset) {
  DDB_TRY(check_open());
  if (byte_offset == byte_length_) return seek_result{length_, 0};
  if (byte_offset > byte_length_) {
    return make_error(errc::bad_index, "byte offset beyond the byte length");
  }
  uint64_t remaining = byte_offset;
  for (uint64_t root : flat_tree::full_roots(2 * length_)) {
    auto r = require_node(root);
    if (!r) return r.error();
    if (r->size <= remaining) {
      remaining -= r->size;
      continue;
    }
    uint64_t top = root;  // descend: the byte lies under `top`
    while (top & 1) {
      auto left = require_node(flat_tree::left_child(top));
      if (!left) return left.error();
      if (left->size > remaining) {
        top = left->index;
      } else {
        remaining -= left->size;
        top = flat_tree::right_child(top);
      }
    }
    return seek_result{top / 2, remaining};
  }
  return make_error(errc::corruption, "the roots do not add up to the byte length");
}

result<signature_info> feed::signature(std::optional<uint64_t> index) {
  DDB_TRY(check_open());
  DDB_TRY(flush_for_read());
  if (length_ == 0) return make_error(errc::bad_index, "the feed is empty");
  uint64_t i = index.value_or(length_ - 1);
  if (i >= length_) return bad_index(i, length_);
  if (last_signature_ && last_signature_->index == i) return *last_signature_;
  for (; i < length_; ++i) {
    auto sig = read_signature(i);
    if (!sig) return sig.error();
    if (*sig) {
      last_signature_ = signature_info{i, **sig};
      return *last_signature_;
    }
  }
  return make_error(errc::unavailable, "no signature is stored for this index");
}

result<std::vector<tree_node>> feed::root_hashes(uint64_t index) {
  DDB_TRY(check_open());
  if (index >= length_) return bad_index(index, length_);
  std::vector<tree_node> roots;
  for (uint64_t r : flat_tree::full_roots(2 * index + 2)) {
    if (!tree_.get(r)) return make_error(errc::unavailable, "missing tree roots needed to verify");
    auto n = require_node(r);
    if (!n) return n.error();
    roots.push_back(*n);
  }
  return roots;
}

result<bool> feed::verify(uint64_t index, const signature_t& sig) {
  auto roots = root_hashes(index);
  if (!roots) return roots.error();
  return crypto::verify_roots(*roots, index + 1, sig, key_, opts_.crypto.verify);
}

}  // namespace ddb
