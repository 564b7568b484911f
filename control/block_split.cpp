#include "control/block_split.hpp"

#include <algorithm>
#include <cstring>

namespace ddb::control {

void block_splitter::emit(block_list& out) {
  bytes_ += current_.size();
  out.emplace_back(current_.begin(), current_.end());
  current_.clear();
}

status block_splitter::feed(const char* data, size_t n, block_list& out) {
  size_t i = 0;
  while (i < n) {
    switch (mode_) {
      case split_mode::lines: {
        const char* nl = static_cast<const char*>(std::memchr(data + i, '\n', n - i));
        size_t end = nl ? static_cast<size_t>(nl - data) : n;
        current_.append(data + i, end - i);
        if (current_.size() > max_block_size)
          return make_error(errc::block_too_large, "a line is over the 8 MiB block limit");
        i = end;
        if (nl) {
          emit(out);
          ++i;
        }
        break;
      }
      case split_mode::size: {
        size_t take = std::min(n - i, block_size_ - current_.size());
        current_.append(data + i, take);
        i += take;
        if (current_.size() == block_size_) emit(out);
        break;
      }
      case split_mode::frames: {
        if (!in_frame_) {
          size_t take = std::min(n - i, size_t{4} - header_.size());
          header_.append(data + i, take);
          i += take;
          if (header_.size() < 4) break;
          auto b = [&](int k) { return static_cast<uint64_t>(static_cast<uint8_t>(header_[k])); };
          want_ = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
          header_.clear();
          if (want_ > max_block_size)
            return make_error(errc::block_too_large, "a frame of " + std::to_string(want_) +
                                                         " bytes (the limit is 8 MiB)");
          in_frame_ = true;
        }
        size_t take = static_cast<size_t>(std::min<uint64_t>(n - i, want_));
        current_.append(data + i, take);
        i += take;
        want_ -= take;
        if (want_ == 0) {
          in_frame_ = false;
          emit(out);
        }
        break;
      }
    }
  }
  // A zero-length frame whose header ends the data is complete at once.
  if (mode_ == split_mode::frames && in_frame_ && want_ == 0) {
    in_frame_ = false;
    emit(out);
  }
  return status::ok();
}

status block_splitter::finish(block_list& out) {
  if (mode_ == split_mode::frames) {
    if (in_frame_ || !header_.empty())
      return make_error(errc::invalid_argument, "the body ends inside a frame");
    return status::ok();
  }
  if (!current_.empty()) emit(out);
  return status::ok();
}

}  // namespace ddb::control
