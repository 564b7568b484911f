#pragma once
// simple-message-channels framing: varint(len) ‖ varint(channel << 4 | type) ‖ body, where len
// counts the header varint and the body. A zero-length frame (one 0x00 byte) is a keep-alive.
// Sans-I/O: the encoder appends bytes to a buffer, the decoder takes arbitrary chunks.
#include <cstdint>
#include <functional>

#include "core/result.hpp"
#include "core/types.hpp"

namespace ddb::wire {

// Bodies over this size are refused, as the reference does (8 MiB).
inline constexpr size_t max_frame_body = 8 * 1024 * 1024;
// Largest channel id the header can carry (channel << 4 must fit in 64 bits).
inline constexpr uint64_t max_channel = (uint64_t{1} << 60) - 1;

// Appends one frame. REQUIRES: type < 16, channel <= max_channel.
void append_frame(byte_buffer& out, uint64_t channel, uint8_t type, byte_view body);
byte_buffer encode_frame(uint64_t channel, uint8_t type, byte_view body);
// Appends a keep-alive (a zero-length frame).
void append_keep_alive(byte_buffer& out);

struct frame_event {
  bool keep_alive = false;  // true: no channel, type or body
  uint64_t channel = 0;
  uint8_t type = 0;
  // Borrowed: points into the chunk passed to feed() or into the decoder's buffer; valid only
  // during the callback.
  byte_view body;
};

// Incremental frame decoder. Frames lying wholly inside one chunk are delivered without a copy;
// a frame split across chunks is assembled in an internal buffer sized from its length prefix.
class frame_decoder {
 public:
  using handler = std::function<void(const frame_event&)>;

  explicit frame_decoder(size_t max_body = max_frame_body) : max_body_(max_body) {}
  frame_decoder(const frame_decoder&) = delete;
  frame_decoder& operator=(const frame_decoder&) = delete;

  // Decodes all of `chunk`, calling `on_frame` for each complete frame in order. On a malformed
  // length or header, or a body over the limit, returns errc::protocol_error; the decoder is
  // then failed and every later call returns the same error without calling `on_frame`.
  // REQUIRES: not called from inside `on_frame`.
  status feed(byte_view chunk, const handler& on_frame);

  bool failed() const { return !error_.is_ok(); }
  // True between frames (nothing partial buffered).
  bool at_boundary() const { return state_ == state::length && varint_bytes_ == 0; }
  // Body bytes still needed to complete the current frame (0 when not inside a body).
  size_t missing() const { return state_ == state::body ? body_left_ : 0; }

 private:
  enum class state : uint8_t { length, header, body };
  enum class fast : uint8_t { done, slow, error };

  // Parses a frame whose prefix lies wholly in chunk[pos..] without per-byte state.
  fast fast_frame(byte_view chunk, size_t& pos, const handler& on_frame);
  bool take_varint_byte(uint8_t b, const handler& on_frame);
  bool begin_frame(uint64_t length, const handler& on_frame);
  bool begin_body(uint64_t header, size_t header_size, const handler& on_frame);
  void take_body(byte_view chunk, size_t& pos, const handler& on_frame);
  void finish_body(byte_view body, const handler& on_frame);
  bool fail(const char* why);

  size_t max_body_;
  state state_ = state::length;
  uint64_t varint_ = 0;
  size_t varint_bytes_ = 0;
  uint64_t frame_length_ = 0;  // header + body bytes
  uint64_t header_ = 0;
  size_t body_left_ = 0;
  byte_buffer partial_;
  status error_;
};

}  // namespace ddb::wire
