// The bitfield journal's record codec (storage/bitfield_journal.hpp).
#include "storage/bitfield_journal.hpp"

#include <cstring>

#include "core/assert.hpp"
#include "core/crypto.hpp"
#include "core/endian.hpp"

namespace ddb::journal {

byte_buffer encode(const undo_record& r, size_t page_size) {
  const size_t entry = 8 + page_size;
  const size_t body = 8 + r.pages.size() * entry;
  byte_buffer out(length_size + body + checksum_size);
  put_u64be(out.data(), body);
  put_u64be(out.data() + length_size, r.file_size);
  uint8_t* p = out.data() + length_size + 8;
  for (const auto& [page, bytes] : r.pages) {
    DDB_ASSERT(bytes.size() == page_size);
    put_u64be(p, page);
    std::memcpy(p + 8, bytes.data(), page_size);
    p += entry;
  }
  hash_t sum = crypto::digest(byte_view(out.data(), length_size + body));
  std::memcpy(p, sum.data(), checksum_size);
  return out;
}

std::optional<undo_record> decode(byte_view bytes, size_t page_size) {
  if (page_size == 0 || bytes.size < length_size + 8 + checksum_size) return std::nullopt;
  const uint64_t body = get_u64be(bytes.data);
  const size_t entry = 8 + page_size;
  if (body < 8 || body > bytes.size - length_size - checksum_size || (body - 8) % entry != 0) {
    return std::nullopt;
  }
  hash_t sum = crypto::digest(byte_view(bytes.data, length_size + body));
  if (std::memcmp(sum.data(), bytes.data + length_size + body, checksum_size) != 0) {
    return std::nullopt;
  }
  undo_record r;
  r.file_size = get_u64be(bytes.data + length_size);
  const uint8_t* end = bytes.data + length_size + body;
  for (const uint8_t* p = bytes.data + length_size + 8; p < end; p += entry) {
    r.pages.emplace_back(get_u64be(p), byte_buffer(p + 8, p + entry));
  }
  return r;
}

}  // namespace ddb::journal
