#pragma once
// Plain value types shared by every module: byte buffers, hashes, keys, signatures, tree nodes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ddb {

using byte_buffer = std::vector<uint8_t>;
using hash_t = std::array<uint8_t, 32>;
using public_key = std::array<uint8_t, 32>;
using secret_key = std::array<uint8_t, 64>;
using signature_t = std::array<uint8_t, 64>;

// A non-owning view of bytes (C++17 has no std::span). Borrowed: valid while the source lives.
struct byte_view {
  const uint8_t* data = nullptr;
  size_t size = 0;

  byte_view() = default;
  byte_view(const uint8_t* d, size_t n) : data(d), size(n) {}
  byte_view(const byte_buffer& b) : data(b.data()), size(b.size()) {}  // NOLINT
  template <size_t N>
  byte_view(const std::array<uint8_t, N>& a) : data(a.data()), size(N) {}  // NOLINT
  byte_view(std::string_view s)                                            // NOLINT
      : data(reinterpret_cast<const uint8_t*>(s.data())), size(s.size()) {}

  const uint8_t* begin() const { return data; }
  const uint8_t* end() const { return data + size; }
  bool empty() const { return size == 0; }
  uint8_t operator[](size_t i) const { return data[i]; }
  byte_view sub(size_t offset, size_t n) const { return {data + offset, n}; }
  byte_buffer to_buffer() const { return byte_buffer(begin(), end()); }
};

// A Merkle tree node in flat-tree indexing: leaves are even (block i is node 2i), parents odd.
// `size` is the number of data bytes the node spans.
struct tree_node {
  uint64_t index = 0;
  uint64_t size = 0;
  hash_t hash{};

  bool operator==(const tree_node& o) const {
    return index == o.index && size == o.size && hash == o.hash;
  }
  bool operator!=(const tree_node& o) const { return !(*this == o); }
};

// The largest block we accept, as the reference does (8 MiB).
inline constexpr size_t max_block_size = 8 * 1024 * 1024;

std::string to_hex(byte_view bytes);
// Parses lowercase or uppercase hex; false on odd length or a non-hex character.
bool from_hex(std::string_view hex, byte_buffer& out);

}  // namespace ddb
