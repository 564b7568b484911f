#include "wire/bitfield_rle.hpp"

#include "core/assert.hpp"

#include "wire/varint.hpp"

namespace ddb::wire::rle {

namespace {

// Encoder state: the input (without trailing zeros), the start of the not-yet-encoded input,
// and the output.
struct encoder {
  byte_view in;
  size_t pending = 0;
  byte_buffer out;

  void literal(size_t end) {
    size_t n = end - pending;
    append_varint(out, 2 * uint64_t{n});
    out.insert(out.end(), in.begin() + pending, in.begin() + end);
    pending = end;
  }

  // A run of `len` bytes equal to `bits` ends just before `i`: encode it if that is strictly
  // cheaper than leaving everything since `pending` as one literal.
  void run(size_t i, size_t len, uint8_t bits) {
    size_t head = i - len - pending;
    size_t head_cost = head ? varint_size(2 * uint64_t{head}) + head : 0;
    uint64_t header = 4 * uint64_t{len} + (bits ? 2 : 0) + 1;
    size_t run_cost = head_cost + varint_size(header);
    size_t literal_cost = varint_size(2 * uint64_t{i - pending}) + (i - pending);
    if (run_cost >= literal_cost) return;
    if (head) literal(i - len);
    append_varint(out, header);
    pending = i;
  }

  void finish() {
    if (in.size > pending) literal(in.size);
  }
};

}  // namespace

byte_buffer encode(byte_view bitfield) {
  size_t n = bitfield.size;
  while (n > 0 && bitfield[n - 1] == 0) --n;
  encoder e{bitfield.sub(0, n), 0, {}};
  size_t len = 0;
  uint8_t bits = 0;
  for (size_t i = 0; i < n; ++i) {
    uint8_t b = bitfield[i];
    if (b == bits) {
      ++len;
      continue;
    }
    if (len) e.run(i, len, bits);
    if (b == 0 || b == 0xff) {
      bits = b;
      len = 1;
    } else {
      len = 0;
    }
  }
  if (len) e.run(n, len, bits);
  e.finish();
  return std::move(e.out);
}

result<byte_buffer> decode(byte_view encoded, size_t align, size_t max_size) {
  DDB_ASSERT(align != 0 && (align & (align - 1)) == 0);
  byte_buffer out;
  size_t pos = 0;
  while (pos < encoded.size) {
    uint64_t header = 0;
    if (read_varint(encoded, pos, header) != varint_status::ok) {
      return make_error(errc::protocol_error, "bitfield-rle: bad varint");
    }
    bool repeat = header & 1;
    uint64_t len = repeat ? header >> 2 : header >> 1;
    if (len > max_size - out.size()) {
      return make_error(errc::protocol_error, "bitfield-rle: decoded bitfield too large");
    }
    if (repeat) {
      out.insert(out.end(), static_cast<size_t>(len), (header & 2) ? 0xff : 0x00);
      continue;
    }
    if (len > encoded.size - pos) {
      return make_error(errc::protocol_error, "bitfield-rle: literal past the end");
    }
    out.insert(out.end(), encoded.begin() + pos, encoded.begin() + pos + len);
    pos += static_cast<size_t>(len);
  }
  size_t padded = (out.size() + align - 1) & ~(align - 1);
  if (padded > max_size) {
    return make_error(errc::protocol_error, "bitfield-rle: decoded bitfield too large");
  }
  out.resize(padded, 0);
  return out;
}

}  // namespace ddb::wire::rle
