#pragma once
// The feed bitfield in the reference's persisted page layout (FORMATS.md "bitfield"):
// page p (3584 bytes) = data bits for blocks 8192p.. (1024 bytes) ‖ tree bits for nodes
// 16384p.. (2048 bytes) ‖ index summaries (512 bytes), where bit n is byte n>>3, mask 0x80>>(n&7).
// In memory: sparse pages (only pages with a set bit exist), dirty-page tracking for batched
// writes, and the index summaries kept exact so they persist byte-identically to the reference.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"

namespace ddb {

class bitfield {
 public:
  static constexpr size_t page_size = 3584;
  static constexpr size_t data_bytes = 1024;
  static constexpr size_t tree_bytes = 2048;
  static constexpr size_t index_bytes = 512;
  static constexpr uint64_t blocks_per_page = data_bytes * 8;
  static constexpr uint64_t nodes_per_page = tree_bytes * 8;

  bitfield();
  ~bitfield();
  bitfield(bitfield&&) noexcept;
  bitfield& operator=(bitfield&&) noexcept;
  bitfield(const bitfield&) = delete;
  bitfield& operator=(const bitfield&) = delete;

  // Loads page `page` from its persisted bytes (exactly page_size). Does not mark it dirty.
  status load_page(uint64_t page, byte_view bytes);

  // Data bits (block present).
  bool get(uint64_t block) const;
  // Returns true when the bit changed. Keeps the index summaries up to date; marks the page dirty.
  bool set(uint64_t block, bool value);
  // Range writes for bitfields that mirror a peer's claims (replication::peer_state::remote):
  // they write whole bytes, so their cost is proportional to the bytes and pages in the range,
  // never to its bits, and clearing skips pages that hold nothing. The index summaries stay
  // consistent with the data bits (each byte's summary is updated once, with its final value),
  // but a persisted feed bitfield must keep using set(), whose write order the reference's
  // summaries depend on.
  // Sets (or clears) every data bit in [start, end).
  void set_range(uint64_t start, uint64_t end, bool value);
  void clear_range(uint64_t start, uint64_t end) { set_range(start, end, false); }
  // Sets the data bits [start, start + nbits) to `bits` (bit i is byte i>>3, mask 0x80>>(i&7)).
  // REQUIRES: bits.size * 8 >= nbits.
  void assign(uint64_t start, byte_view bits, uint64_t nbits);

  // Number of set data bits in [start, end).
  uint64_t count(uint64_t start, uint64_t end) const;
  // True when every block in [start, end) is present (true for an empty range).
  bool all(uint64_t start, uint64_t end) const;
  // The first block in [start, end) whose bit is clear (or set, for next_set); nullopt if none.
  // next_unset remembers how far the bits from 0 are all set, so that repeated searches from
  // the start (all(0, length) after every download) do not rescan that prefix: like every
  // other call, it is not safe to call concurrently with any other call on the same bitfield.
  std::optional<uint64_t> next_unset(uint64_t start, uint64_t end) const;
  std::optional<uint64_t> next_set(uint64_t start, uint64_t end) const;

  // Tree bits (node present), flat-tree indexes.
  bool get_tree(uint64_t node) const;
  bool set_tree(uint64_t node, bool value);
  // One past the highest set tree bit (0 when none): bounds tree walks (tree_index::blocks).
  uint64_t tree_length() const;
  // The reference's tree-bitfield length in bits: 8 * (one past the highest tree byte ever
  // changed, or 2048 * the number of pages loaded, whichever is larger). Never shrinks. The
  // reference's digest bounds its walk by this value (tree_index::digest mirrors it).
  uint64_t tree_extent() const;

  // Pages changed since the last take_dirty(), ascending; clears the dirty set.
  std::vector<uint64_t> take_dirty();
  // The persisted bytes of `page` (all zero for a page that was never touched).
  void write_page(uint64_t page, uint8_t* out /* page_size bytes */) const;
  // Number of pages that hold at least one set bit or were loaded.
  uint64_t page_count() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ddb
