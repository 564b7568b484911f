#pragma once
// Constants of the on-disk format (see storage/format.md). Shared by feed_files and its tests.
#include <cstddef>
#include <cstdint>

namespace ddb::format {

inline constexpr size_t header_size = 32;
inline constexpr uint8_t magic[3] = {0x05, 0x02, 0x57};
inline constexpr uint8_t version = 0;

enum class file_type : uint8_t { bitfield = 0, signatures = 1, tree = 2 };

inline constexpr uint16_t bitfield_entry_size = 3584;
inline constexpr uint16_t signature_entry_size = 64;
inline constexpr uint16_t tree_entry_size = 40;
inline constexpr const char* signature_algorithm = "Ed25519";
inline constexpr const char* tree_algorithm = "BLAKE2b";

inline constexpr uint64_t tree_offset(uint64_t node) {
  return header_size + tree_entry_size * node;
}
inline constexpr uint64_t signature_offset(uint64_t i) {
  return header_size + signature_entry_size * i;
}

}  // namespace ddb::format
