#pragma once
// Internal to control/: cuts an HTTP body into blocks as it arrives, in the three forms of
// POST /v1/feeds/NAME/blocks (docs/api.md):
//   lines  one block per line, without its '\n' (as `ddatabase append` reads stdin; a last line
//          without '\n' is a block too, an empty body is no block);
//   size   blocks of block_size bytes, the last one shorter (as `append --file`);
//   frames u32 big-endian length, then that many bytes, repeated (any bytes, empty blocks too).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "messages/feed_messages.hpp"

namespace ddb::control {

enum class split_mode { lines, size, frames };

class block_splitter {
 public:
  block_splitter(split_mode mode, size_t block_size) : mode_(mode), block_size_(block_size) {}

  // Appends the blocks completed by `data` to `out`; an error for a frame over max_block_size.
  status feed(const char* data, size_t n, block_list& out);
  // At the end of the body: the last block (lines, size); an error for a cut frame.
  status finish(block_list& out);
  // Bytes in the blocks added to `out` since the last call (for batching).
  size_t take_bytes() {
    size_t b = bytes_;
    bytes_ = 0;
    return b;
  }

 private:
  void emit(block_list& out);

  split_mode mode_;
  size_t block_size_;
  std::string current_;
  std::string header_;  // frames: the length bytes read so far
  uint64_t want_ = 0;   // frames: bytes of the current frame still to come
  bool in_frame_ = false;
  size_t bytes_ = 0;
};

}  // namespace ddb::control
