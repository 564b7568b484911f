#include "wire/channels.hpp"

#include <algorithm>
#include <string>

#include "core/assert.hpp"
#include "wire/varint.hpp"

namespace ddb::wire {

void append_frame(byte_buffer& out, uint64_t channel, uint8_t type, byte_view body) {
  DDB_ASSERT(type < 16 && channel <= max_channel);
  uint64_t header = (channel << 4) | type;
  append_varint(out, varint_size(header) + body.size);
  append_varint(out, header);
  out.insert(out.end(), body.begin(), body.end());
}

byte_buffer encode_frame(uint64_t channel, uint8_t type, byte_view body) {
  byte_buffer out;
  out.reserve(2 * max_varint_size + body.size);
  append_frame(out, channel, type, body);
  return out;
}

void append_keep_alive(byte_buffer& out) {
  out.push_back(0);
}

status frame_decoder::feed(byte_view chunk, const handler& on_frame) {
  if (failed()) return error_;
  size_t pos = 0;
  while (pos < chunk.size) {
    if (state_ == state::body) {
      take_body(chunk, pos, on_frame);
      continue;
    }
    if (state_ == state::length && varint_bytes_ == 0) {
      fast f = fast_frame(chunk, pos, on_frame);
      if (f == fast::error) return error_;
      if (f == fast::done) continue;
    }
    if (!take_varint_byte(chunk[pos++], on_frame)) return error_;
  }
  return status::ok();
}

frame_decoder::fast frame_decoder::fast_frame(byte_view chunk, size_t& pos,
                                              const handler& on_frame) {
  size_t p = pos;
  uint64_t length = 0;
  uint64_t header = 0;
  if (read_varint(chunk, p, length) != varint_status::ok) return fast::slow;
  if (length == 0) {
    pos = p;
    return begin_frame(0, on_frame) ? fast::done : fast::error;
  }
  size_t header_start = p;
  if (read_varint(chunk, p, header) != varint_status::ok) return fast::slow;
  if (!begin_frame(length, on_frame)) return fast::error;
  if (!begin_body(header, p - header_start, on_frame)) return fast::error;
  pos = p;
  return fast::done;
}

bool frame_decoder::take_varint_byte(uint8_t b, const handler& on_frame) {
  uint64_t bits = b & 0x7f;
  if (varint_bytes_ == max_varint_size - 1 && bits > 1) return fail("overlong varint");
  varint_ |= bits << (7 * varint_bytes_);
  ++varint_bytes_;
  if (b & 0x80) return varint_bytes_ < max_varint_size || fail("overlong varint");
  uint64_t value = varint_;
  size_t size = varint_bytes_;
  varint_ = 0;
  varint_bytes_ = 0;
  if (state_ == state::length) return begin_frame(value, on_frame);
  return begin_body(value, size, on_frame);
}

bool frame_decoder::begin_frame(uint64_t length, const handler& on_frame) {
  if (length == 0) {
    frame_event ev;
    ev.keep_alive = true;
    on_frame(ev);
    return true;
  }
  // The header takes at most 10 bytes, so anything longer than this has an oversized body.
  if (length > max_body_ + max_varint_size) return fail("frame is larger than the maximum size");
  frame_length_ = length;
  state_ = state::header;
  return true;
}

bool frame_decoder::begin_body(uint64_t header, size_t header_size, const handler& on_frame) {
  if (header_size > frame_length_) return fail("frame header is longer than the frame");
  uint64_t body = frame_length_ - header_size;
  if (body > max_body_) return fail("frame is larger than the maximum size");
  header_ = header;
  body_left_ = static_cast<size_t>(body);
  state_ = state::body;
  partial_.clear();
  if (body_left_ == 0) finish_body(byte_view(), on_frame);
  return true;
}

void frame_decoder::take_body(byte_view chunk, size_t& pos, const handler& on_frame) {
  size_t take = std::min(body_left_, chunk.size - pos);
  if (partial_.empty() && take == body_left_) {
    byte_view body = chunk.sub(pos, take);  // wholly inside this chunk: no copy
    pos += take;
    finish_body(body, on_frame);
    return;
  }
  if (partial_.empty()) partial_.reserve(body_left_);
  partial_.insert(partial_.end(), chunk.begin() + pos, chunk.begin() + pos + take);
  pos += take;
  body_left_ -= take;
  if (body_left_ == 0) finish_body(partial_, on_frame);
}

void frame_decoder::finish_body(byte_view body, const handler& on_frame) {
  state_ = state::length;
  body_left_ = 0;
  frame_event ev;
  ev.channel = header_ >> 4;
  ev.type = static_cast<uint8_t>(header_ & 0x0f);
  ev.body = body;
  on_frame(ev);
  // Do not keep a large assembly buffer alive between big frames.
  if (partial_.capacity() > 64 * 1024) byte_buffer().swap(partial_);
  partial_.clear();
}

bool frame_decoder::fail(const char* why) {
  error_ = make_error(errc::protocol_error, std::string("frame decoder: ") + why);
  return false;
}

}  // namespace ddb::wire
