#pragma once
// Big-endian integers in byte buffers: every u64 of the feed's formats (FORMATS.md) and of our
// own local records is stored this way.
#include <cstdint>

namespace ddb {

inline void put_u64be(uint8_t* out, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<uint8_t>(v);
}

inline uint64_t get_u64be(const uint8_t* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}

}  // namespace ddb
