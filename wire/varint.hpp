#pragma once
// Unsigned LEB128 varints (protobuf's base-128 encoding) for uint64 values. Decoding is
// bounds-checked: a truncated varint, more than 10 bytes, or bits beyond 64 are errors, never UB.
// Non-canonical padding inside 10 bytes (e.g. 0x80 0x00 for 0) is accepted, as protobuf does.
#include <cstddef>
#include <cstdint>

#include "core/result.hpp"
#include "core/types.hpp"

namespace ddb::wire {

inline constexpr size_t max_varint_size = 10;

enum class varint_status : uint8_t { ok, truncated, overlong };

// Number of bytes encode_varint writes for `value` (1..10).
size_t varint_size(uint64_t value) noexcept;

// Writes `value` at `out`. REQUIRES: `out` has room for varint_size(value) bytes.
// Returns the number of bytes written.
size_t encode_varint(uint64_t value, uint8_t* out) noexcept;

// Appends the encoding of `value` to `out`.
void append_varint(byte_buffer& out, uint64_t value);

// Reads one varint from `in` starting at `pos`. On ok, `value` holds it and `pos` is advanced past
// it; otherwise neither is changed.
varint_status read_varint(byte_view in, size_t& pos, uint64_t& value) noexcept;

struct decoded_varint {
  uint64_t value = 0;
  size_t size = 0;  // bytes consumed
};

// Decodes the varint at the start of `in`; errc::protocol_error when truncated or overlong.
result<decoded_varint> decode_varint(byte_view in);

}  // namespace ddb::wire
