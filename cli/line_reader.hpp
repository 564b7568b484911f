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

  // Appends up to `max_lines` (at least 1) lines to `out`, adding their bytes to `bytes`: the
  // complete lines already read, else those that one more read completes. false once the
  // input ended (its last line, if any, was added) or on an error (then error() says which);
  // true while there may be more.
  bool read_some(block_list& out, size_t& bytes, size_t max_lines);
  const status& error() const { return error_; }

 private:
  // Cuts up to `max_lines` complete lines from the buffer; returns how many.
  size_t cut(block_list& out, size_t& bytes, size_t max_lines);

  int fd_;
  size_t capacity_;
  std::unique_ptr<char[]> buf_;
  size_t begin_ = 0;  // the start of the first line not yet cut
  size_t scan_ = 0;   // [begin_, scan_) holds no '\n'
  size_t end_ = 0;    // the end of the bytes read
  status error_;
};

}  // namespace ddb::cli
