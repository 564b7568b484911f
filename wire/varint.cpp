#include "wire/varint.hpp"

namespace ddb::wire {

size_t varint_size(uint64_t value) noexcept {
  size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

size_t encode_varint(uint64_t value, uint8_t* out) noexcept {
  size_t n = 0;
  while (value >= 0x80) {
    out[n++] = static_cast<uint8_t>(value | 0x80);
    value >>= 7;
  }
  out[n++] = static_cast<uint8_t>(value);
  return n;
}

void append_varint(byte_buffer& out, uint64_t value) {
  uint8_t tmp[max_varint_size];
  size_t n = encode_varint(value, tmp);
  out.insert(out.end(), tmp, tmp + n);
}

varint_status read_varint(byte_view in, size_t& pos, uint64_t& value) noexcept {
  uint64_t result = 0;
  for (size_t i = 0; i < max_varint_size; ++i) {
    if (pos + i >= in.size) return varint_status::truncated;
    uint8_t b = in[pos + i];
    uint64_t bits = b & 0x7f;
    // The tenth byte may only carry the 64th bit.
    if (i == max_varint_size - 1 && bits > 1) return varint_status::overlong;
    result |= bits << (7 * i);
    if (b < 0x80) {
      value = result;
      pos += i + 1;
      return varint_status::ok;
    }
  }
  return varint_status::overlong;
}

result<decoded_varint> decode_varint(byte_view in) {
  size_t pos = 0;
  uint64_t value = 0;
  switch (read_varint(in, pos, value)) {
    case varint_status::ok:
      return decoded_varint{value, pos};
    case varint_status::truncated:
      return make_error(errc::protocol_error, "truncated varint");
    case varint_status::overlong:
      break;
  }
  return make_error(errc::protocol_error, "overlong varint");
}

}  // namespace ddb::wire
