#pragma once
// bitfield-rle: the run-length encoding of Have.bitfield (the `bitfield-rle` npm package, v2).
// The encoding is a sequence of varint-headed parts:
//   header & 1 == 1  a run: (header >> 2) bytes, all 0xff if header & 2 else all 0x00
//   header & 1 == 0  a literal: (header >> 1) raw bytes follow
// Trailing zero bytes are not encoded; the decoder pads its output with zeros up to a multiple
// of `align` (ddatabase decodes Have bitfields with align 4).
#include <cstddef>

#include "core/result.hpp"
#include "core/types.hpp"

namespace ddb::wire::rle {

// The decoder refuses to produce more than this many bytes unless told otherwise.
inline constexpr size_t default_max_decoded = 64 * 1024 * 1024;

// Encodes exactly as the reference does (same choice between runs and literals).
byte_buffer encode(byte_view bitfield);

// Decodes; errc::protocol_error on a truncated varint or literal, or when the output would
// exceed `max_size` bytes. REQUIRES: align is a power of two.
result<byte_buffer> decode(byte_view encoded, size_t align = 1,
                           size_t max_size = default_max_decoded);

}  // namespace ddb::wire::rle
