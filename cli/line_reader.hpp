#pragma once
// Reads a file descriptor (stdin for `ddatabase append DIR`) in large chunks and cuts it into
// one block per line: the bytes before each '\n' (a '\r' before it stays in the block), empty
// lines as empty blocks, a last line without '\n' as a block too; 0 bytes of input are no block.
// Lines are found with memchr over whole chunks and copied once, into their block.
#include <cstddef>
#include <memory>

#include "core/result.hpp"
#include "messages/feed_messages.hpp"

namespace ddb::cli {

class line_reader {
 public:
  // Borrows `fd` (not closed). `chunk` is the size of one read(2); a longer line grows the
  // buffer up to max_block_size (a line past that is block_too_large).
  explicit line_reader(int fd, size_t chunk = size_t{1} << 20);

  // Reads once and appends the lines that read completed to `out`, adding their bytes to
  // `bytes`. false once the input ended (its last line, if any, was added) or on an error
  // (then error() says which); true while there may be more.
  bool read_some(block_list& out, size_t& bytes);
  const status& error() const { return error_; }

 private:
  int fd_;
  size_t capacity_;
  std::unique_ptr<char[]> buf_;
  size_t begin_ = 0;  // the start of the line not yet complete
  size_t end_ = 0;    // the end of the bytes read
  status error_;
};

}  // namespace ddb::cli
