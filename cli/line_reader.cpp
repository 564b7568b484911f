#include "cli/line_reader.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/assert.hpp"

namespace ddb::cli {

namespace {

status too_long() {
  return make_error(errc::block_too_large, "a line is over the 8 MiB block limit");
}

}  // namespace

line_reader::line_reader(int fd, size_t chunk)
    : fd_(fd), capacity_(chunk), buf_(std::make_unique<char[]>(chunk)) {
  DDB_ASSERT(chunk > 0);
}

size_t line_reader::cut(block_list& out, size_t& bytes, size_t max_lines) {
  const char* base = buf_.get();
  size_t added = 0;
  while (added < max_lines && scan_ < end_) {
    const void* nl = std::memchr(base + scan_, '\n', end_ - scan_);
    if (nl == nullptr) {
      scan_ = end_;
      break;
    }
    auto at = static_cast<size_t>(static_cast<const char*>(nl) - base);
    if (at - begin_ > max_block_size) {
      error_ = too_long();
      break;
    }
    out.emplace_back(base + begin_, base + at);
    bytes += at - begin_;
    begin_ = scan_ = at + 1;
    ++added;
  }
  return added;
}

bool line_reader::read_some(block_list& out, size_t& bytes, size_t max_lines) {
  DDB_ASSERT(max_lines > 0);
  if (!error_) return false;
  // Lines still in the buffer first; read only when it holds no complete line.
  if (cut(out, bytes, max_lines) > 0 || !error_) return static_cast<bool>(error_);
  // Keep the incomplete line: move it to the front, or grow the buffer when it fills it.
  if (begin_ > 0) {
    std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    scan_ -= begin_;
    begin_ = 0;
  }
  if (end_ == capacity_) {
    if (end_ > max_block_size) {
      error_ = too_long();
      return false;
    }
    auto bigger = std::make_unique<char[]>(capacity_ * 2);
    std::memcpy(bigger.get(), buf_.get(), end_);
    buf_ = std::move(bigger);
    capacity_ *= 2;
  }
  ssize_t n;
  do {
    n = ::read(fd_, buf_.get() + end_, capacity_ - end_);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    error_ = make_error(errc::io_error, std::string("reading stdin: ") + std::strerror(errno));
    return false;
  }
  if (n == 0) {  // the end: a last line without '\n'
    if (end_ > begin_) {
      if (end_ - begin_ > max_block_size) {
        error_ = too_long();
        return false;
      }
      const char* p = buf_.get() + begin_;
      out.emplace_back(p, p + (end_ - begin_));
      bytes += end_ - begin_;
      begin_ = scan_ = end_;
    }
    return false;
  }
  end_ += static_cast<size_t>(n);
  cut(out, bytes, max_lines);
  return static_cast<bool>(error_);
}

}  // namespace ddb::cli
