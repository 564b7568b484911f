#include "core/bitfield.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>

#include "core/flat_tree.hpp"

// Index summaries, as the reference keeps them (FORMATS.md "bitfield"):
// the index is a flat tree of bytes. Leaf byte 2k holds four 2-bit entries for data bytes
// 4k..4k+3 (first data byte in the top bits): 11 = byte full, 00 = empty, 01 = mixed. A parent
// byte holds four entries for the four halves of its two children (left child's high and low
// nibble, then the right child's): 11 when that nibble is all 11, 00 when 0, else 01.
// Index byte i lives in page i / 512 at offset 3072 + i % 512.
//
// The reference's summaries are not a pure function of the data bits: an update walks up while a
// byte changes, but never writes an index byte at or beyond 512 * (page count), where the page
// count is its memory pager's length (one past the highest page any data, tree or index write
// has touched, or that was loaded). When the index grows it also runs a repair pass over the
// full roots of the old index length. We replay exactly those rules on every write so that the
// persisted pages equal the reference's. (The reference also runs that repair pass from some
// reads, iterator ranges and totals past its data length; reads are const here and do not.)
// Our own searches never trust these summaries: they use exact per-page counts instead.

namespace ddb {
namespace {

constexpr size_t tree_offset = bitfield::data_bytes;
constexpr size_t index_offset = bitfield::data_bytes + bitfield::tree_bytes;
constexpr uint64_t index_per_page = bitfield::index_bytes;
constexpr uint8_t index_update_mask[4] = {0x3f, 0xcf, 0xf3, 0xfc};

struct page {
  std::array<uint8_t, bitfield::page_size> bytes{};
  uint32_t data_ones = 0;  // set data bits
  uint32_t tree_ones = 0;  // set tree bits
  bool dirty = false;
};

int popcount8(uint8_t b) {
  return __builtin_popcount(b);
}

uint32_t popcount_range(const uint8_t* p, size_t n) {
  uint32_t total = 0;
  for (size_t i = 0; i < n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    total += static_cast<uint32_t>(__builtin_popcountll(w));
  }
  return total;
}

// 2-bit summary of a nibble of entries: 3 when all full, 0 when all empty, else 1.
uint8_t nibble_summary(uint8_t n) {
  return n == 15 ? 3 : n == 0 ? 0 : 1;
}
uint8_t map_parent_right(uint8_t b) {
  return static_cast<uint8_t>(nibble_summary(b >> 4) << 2 | nibble_summary(b & 15));
}
uint8_t map_parent_left(uint8_t b) {
  return static_cast<uint8_t>(map_parent_right(b) << 4);
}
uint8_t index_value(uint8_t data_byte) {
  return data_byte == 0xff ? 0xc0 : data_byte == 0 ? 0 : 0x40;
}
bool is_left(uint64_t node) {
  return (flat_tree::offset(node) & 1) == 0;
}

// Big-endian 64-bit word w of the data area: bit 63 is data bit 64w.
uint64_t data_word(const page& pg, uint64_t w) {
  uint64_t x = 0;
  for (int i = 0; i < 8; ++i) x = x << 8 | pg.bytes[w * 8 + static_cast<uint64_t>(i)];
  return x;
}

// Mask of bit positions [lo, hi) counted from the most significant bit; 0 <= lo < hi <= 64.
uint64_t range_mask(uint64_t lo, uint64_t hi) {
  uint64_t m = ~uint64_t{0} >> lo;
  if (hi < 64) m &= ~(~uint64_t{0} >> hi);
  return m;
}

// First data bit in [lo, hi) (page-relative) equal to `want`; hi when none.
uint64_t find_in_page(const page& pg, uint64_t lo, uint64_t hi, bool want) {
  for (uint64_t w = lo / 64; w * 64 < hi; ++w) {
    uint64_t x = data_word(pg, w);
    if (!want) x = ~x;
    x &= range_mask(std::max(lo, w * 64) - w * 64, std::min(hi, w * 64 + 64) - w * 64);
    if (x) return w * 64 + static_cast<uint64_t>(__builtin_clzll(x));
  }
  return hi;
}

uint64_t count_in_page(const page& pg, uint64_t lo, uint64_t hi) {
  if (lo == 0 && hi == bitfield::blocks_per_page) return pg.data_ones;
  uint64_t total = 0;
  for (uint64_t w = lo / 64; w * 64 < hi; ++w) {
    uint64_t x = data_word(pg, w);
    x &= range_mask(std::max(lo, w * 64) - w * 64, std::min(hi, w * 64 + 64) - w * 64);
    total += static_cast<uint64_t>(__builtin_popcountll(x));
  }
  return total;
}

}  // namespace

struct bitfield::impl {
  std::map<uint64_t, std::unique_ptr<page>> pages;
  std::vector<uint64_t> dirty;
  uint64_t pager_length = 0;       // the reference memory-pager's length, in pages
  uint64_t index_byte_length = 0;  // the reference index bitfield's byteLength
  uint64_t tree_byte_length = 0;   // the reference tree bitfield's byteLength
  // Every data bit in [0, full_below) is set (it may lag the truth): next_unset from below it
  // starts here, so the checks "is [0, length) complete?" after each block do not rescan the
  // prefix. Lowered by every write that clears a data bit; raised by next_unset.
  uint64_t full_below = 0;
  void cleared(uint64_t block) { full_below = std::min(full_below, block); }

  const page* find(uint64_t p) const {
    auto it = pages.find(p);
    return it == pages.end() ? nullptr : it->second.get();
  }
  page& get_or_create(uint64_t p) {
    auto& slot = pages[p];
    if (!slot) slot = std::make_unique<page>();
    return *slot;
  }
  void touch(uint64_t p) { pager_length = std::max(pager_length, p + 1); }
  void mark(uint64_t p, page& pg) {
    if (pg.dirty) return;
    pg.dirty = true;
    dirty.push_back(p);
  }
  uint8_t byte_at(uint64_t p, size_t off) const {
    const page* pg = find(p);
    return pg ? pg->bytes[off] : 0;
  }
  // Writes one byte; returns whether it changed. Pages are only created for nonzero bytes.
  bool put_byte(uint64_t p, size_t off, uint8_t v) {
    if (byte_at(p, off) == v) return false;
    page& pg = get_or_create(p);
    pg.bytes[off] = v;
    mark(p, pg);
    return true;
  }

  uint8_t index_get(uint64_t node) const {
    return byte_at(node / index_per_page, index_offset + node % index_per_page);
  }
  bool index_put(uint64_t node, uint8_t v) {
    if (!put_byte(node / index_per_page, index_offset + node % index_per_page, v)) return false;
    index_byte_length = std::max(index_byte_length, node + 1);
    return true;
  }
  uint8_t parent_byte(uint64_t node, uint8_t byte) const {
    uint8_t sib = index_get(flat_tree::sibling(node));
    if (is_left(node)) return map_parent_left(byte) | map_parent_right(sib);
    return map_parent_right(byte) | map_parent_left(sib);
  }

  void set_index(uint64_t data_byte, uint8_t value);
  void expand(uint64_t old_bits);
  // Data byte `data_byte` (absolute) becomes (old & ~mask) | (v & mask).
  void put_data_bits(uint64_t data_byte, uint8_t mask, uint8_t v);
};

void bitfield::impl::put_data_bits(uint64_t data_byte, uint8_t mask, uint8_t v) {
  uint64_t p = data_byte / data_bytes;
  size_t off = static_cast<size_t>(data_byte % data_bytes);
  uint8_t old = byte_at(p, off);
  uint8_t next = static_cast<uint8_t>((old & ~mask) | (v & mask));
  if (!put_byte(p, off, next)) return;
  if (old & ~next) cleared(8 * data_byte);
  page& pg = *pages[p];
  pg.data_ones =
      pg.data_ones + static_cast<uint32_t>(popcount8(next)) - static_cast<uint32_t>(popcount8(old));
  set_index(data_byte, next);
}

// Data byte `data_byte` became `value`: update its leaf entry and walk up while bytes change.
void bitfield::impl::set_index(uint64_t data_byte, uint8_t value) {
  uint64_t o = data_byte & 3;
  uint64_t node = 2 * (data_byte >> 2);
  uint8_t byte = static_cast<uint8_t>((index_get(node) & index_update_mask[o]) |
                                      (index_value(value) >> (2 * o)));
  uint64_t old_length = index_byte_length;
  uint64_t max_node = pager_length * index_per_page;
  while (node < max_node && index_put(node, byte)) {
    byte = parent_byte(node, byte);
    node = flat_tree::parent(node);
  }
  if (old_length != index_byte_length) expand(8 * old_length);
}

// The reference's repair pass after the index grew: from each full root of 2 * old_bits index
// nodes, recompute parents below the index length while they change.
void bitfield::impl::expand(uint64_t old_bits) {
  for (uint64_t root : flat_tree::full_roots(2 * old_bits)) {
    uint64_t node = root;
    uint8_t byte = index_get(node);
    do {
      byte = parent_byte(node, byte);
      node = flat_tree::parent(node);
    } while (node < index_byte_length && index_put(node, byte));
  }
}

bitfield::bitfield() : impl_(std::make_unique<impl>()) {}
bitfield::~bitfield() = default;
bitfield::bitfield(bitfield&&) noexcept = default;
bitfield& bitfield::operator=(bitfield&&) noexcept = default;

status bitfield::load_page(uint64_t p, byte_view bytes) {
  if (bytes.size != page_size) {
    return make_error(errc::invalid_argument, "bitfield page must be 3584 bytes");
  }
  page& pg = impl_->get_or_create(p);
  impl_->cleared(p * blocks_per_page);  // the loaded bits may clear some
  std::memcpy(pg.bytes.data(), bytes.data, page_size);
  pg.data_ones = popcount_range(pg.bytes.data(), data_bytes);
  pg.tree_ones = popcount_range(pg.bytes.data() + tree_offset, tree_bytes);
  impl_->touch(p);
  impl_->index_byte_length = std::max(impl_->index_byte_length, (p + 1) * index_bytes);
  impl_->tree_byte_length = std::max(impl_->tree_byte_length, (p + 1) * tree_bytes);
  return status::ok();
}

bool bitfield::get(uint64_t block) const {
  const page* pg = impl_->find(block / blocks_per_page);
  if (!pg) return false;
  uint64_t bit = block % blocks_per_page;
  return (pg->bytes[bit >> 3] & (0x80 >> (bit & 7))) != 0;
}

bool bitfield::set(uint64_t block, bool value) {
  uint64_t p = block / blocks_per_page;
  impl_->touch(p);
  size_t off = static_cast<size_t>((block % blocks_per_page) >> 3);
  uint8_t old = impl_->byte_at(p, off);
  uint8_t mask = static_cast<uint8_t>(0x80 >> (block & 7));
  uint8_t next = value ? (old | mask) : (old & ~mask);
  if (!impl_->put_byte(p, off, next)) return false;
  if (!value) impl_->cleared(block);
  page& pg = *impl_->pages[p];
  pg.data_ones =
      pg.data_ones + static_cast<uint32_t>(popcount8(next)) - static_cast<uint32_t>(popcount8(old));
  impl_->set_index(block >> 3, next);
  return true;
}

void bitfield::set_range(uint64_t start, uint64_t end, bool value) {
  const uint8_t fill = value ? 0xff : 0x00;
  uint64_t pos = start;
  while (pos < end) {
    const uint64_t p = pos / blocks_per_page;
    const uint64_t page_end = std::min(end, (p + 1) * blocks_per_page);
    if (!value && !impl_->find(p)) {  // nothing to clear: skip to the next page that exists
      auto it = impl_->pages.lower_bound(p + 1);
      if (it == impl_->pages.end()) return;
      pos = std::max(pos, it->first * blocks_per_page);
      continue;
    }
    impl_->touch(p);
    while (pos < page_end) {
      const uint64_t lo = pos & 7;
      const uint64_t n = std::min<uint64_t>(8 - lo, page_end - pos);
      const uint8_t mask = static_cast<uint8_t>((0xff >> lo) & ~(0xff >> (lo + n)));
      impl_->put_data_bits(pos >> 3, mask, fill);
      pos += n;
    }
  }
}

void bitfield::assign(uint64_t start, byte_view bits, uint64_t nbits) {
  auto bit = [&](uint64_t i) { return (bits.data[i >> 3] & (0x80 >> (i & 7))) != 0; };
  uint64_t i = 0;
  // Up to the first byte boundary one bit at a time (at most 7), then whole target bytes.
  for (; i < nbits && ((start + i) & 7); ++i) set(start + i, bit(i));
  const uint64_t shift = i;  // source bit i lands on a byte boundary of the target
  uint64_t last_page = UINT64_MAX;
  for (; i < nbits; i += 8) {
    const uint64_t target = start + i;
    const uint64_t n = std::min<uint64_t>(8, nbits - i);
    uint8_t v;
    if (shift == 0) {
      v = bits.data[i >> 3];
    } else {
      const uint64_t k = i >> 3;  // source bits [i, i + 8) span bytes k and k + 1
      const uint64_t s = i & 7;
      uint8_t hi = static_cast<uint8_t>(bits.data[k] << s);
      uint8_t lo = k + 1 < bits.size ? static_cast<uint8_t>(bits.data[k + 1] >> (8 - s)) : 0;
      v = hi | lo;
    }
    const uint8_t mask = static_cast<uint8_t>(0xff & ~(0xff >> n));
    const uint64_t p = target / blocks_per_page;
    if (p != last_page) {
      impl_->touch(p);
      last_page = p;
    }
    impl_->put_data_bits(target >> 3, mask, v);
  }
}

uint64_t bitfield::count(uint64_t start, uint64_t end) const {
  uint64_t total = 0;
  if (end <= start) return 0;
  for (auto it = impl_->pages.lower_bound(start / blocks_per_page); it != impl_->pages.end();
       ++it) {
    uint64_t base = it->first * blocks_per_page;
    if (base >= end) break;
    uint64_t lo = std::max(start, base) - base;
    uint64_t hi = std::min(end - base, blocks_per_page);
    total += count_in_page(*it->second, lo, hi);
  }
  return total;
}

bool bitfield::all(uint64_t start, uint64_t end) const {
  return !next_unset(start, end);
}

std::optional<uint64_t> bitfield::next_unset(uint64_t start, uint64_t end) const {
  // From within the known-full prefix: skip it, and extend it by what this scan finds.
  const bool extends = start <= impl_->full_below;
  uint64_t pos = std::max(start, impl_->full_below);
  std::optional<uint64_t> unset;
  auto it = impl_->pages.lower_bound(pos / blocks_per_page);
  while (pos < end) {
    uint64_t p = pos / blocks_per_page;
    uint64_t base = p * blocks_per_page;
    if (it == impl_->pages.end() || it->first != p) {  // an absent page is all clear
      unset = pos;
      break;
    }
    const page& pg = *it->second;
    uint64_t hi = std::min(end - base, blocks_per_page);
    if (pg.data_ones != blocks_per_page) {
      uint64_t found = find_in_page(pg, pos - base, hi, false);
      if (found < hi) {
        unset = base + found;
        break;
      }
    }
    pos = base + hi;
    ++it;
  }
  if (extends) impl_->full_below = std::max(impl_->full_below, unset.value_or(end));
  return unset;
}

std::optional<uint64_t> bitfield::next_set(uint64_t start, uint64_t end) const {
  if (end <= start) return std::nullopt;
  for (auto it = impl_->pages.lower_bound(start / blocks_per_page); it != impl_->pages.end();
       ++it) {
    uint64_t base = it->first * blocks_per_page;
    if (base >= end) break;
    if (it->second->data_ones == 0) continue;
    uint64_t lo = std::max(start, base) - base;
    uint64_t hi = std::min(end - base, blocks_per_page);
    uint64_t found = find_in_page(*it->second, lo, hi, true);
    if (found < hi) return base + found;
  }
  return std::nullopt;
}

bool bitfield::get_tree(uint64_t node) const {
  const page* pg = impl_->find(node / nodes_per_page);
  if (!pg) return false;
  uint64_t bit = node % nodes_per_page;
  return (pg->bytes[tree_offset + (bit >> 3)] & (0x80 >> (bit & 7))) != 0;
}

bool bitfield::set_tree(uint64_t node, bool value) {
  uint64_t p = node / nodes_per_page;
  impl_->touch(p);
  size_t off = tree_offset + static_cast<size_t>((node % nodes_per_page) >> 3);
  uint8_t old = impl_->byte_at(p, off);
  uint8_t mask = static_cast<uint8_t>(0x80 >> (node & 7));
  uint8_t next = value ? (old | mask) : (old & ~mask);
  if (!impl_->put_byte(p, off, next)) return false;
  page& pg = *impl_->pages[p];
  pg.tree_ones =
      pg.tree_ones + static_cast<uint32_t>(popcount8(next)) - static_cast<uint32_t>(popcount8(old));
  impl_->tree_byte_length = std::max(impl_->tree_byte_length, (node >> 3) + 1);
  return true;
}

uint64_t bitfield::tree_length() const {
  for (auto it = impl_->pages.rbegin(); it != impl_->pages.rend(); ++it) {
    const page& pg = *it->second;
    if (pg.tree_ones == 0) continue;
    for (size_t i = tree_bytes; i-- > 0;) {
      uint8_t b = pg.bytes[tree_offset + i];
      if (b == 0) continue;
      uint64_t last = 7 - static_cast<uint64_t>(__builtin_ctz(b));
      return it->first * nodes_per_page + i * 8 + last + 1;
    }
  }
  return 0;
}

uint64_t bitfield::tree_extent() const {
  return 8 * impl_->tree_byte_length;
}

std::vector<uint64_t> bitfield::take_dirty() {
  std::vector<uint64_t> out;
  out.swap(impl_->dirty);
  for (uint64_t p : out) impl_->pages[p]->dirty = false;
  std::sort(out.begin(), out.end());
  return out;
}

void bitfield::write_page(uint64_t p, uint8_t* out) const {
  const page* pg = impl_->find(p);
  if (pg) {
    std::memcpy(out, pg->bytes.data(), page_size);
  } else {
    std::memset(out, 0, page_size);
  }
}

uint64_t bitfield::page_count() const {
  return impl_->pages.size();
}

}  // namespace ddb
