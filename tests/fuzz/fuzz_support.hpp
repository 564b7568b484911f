#pragma once
// Shared by the libFuzzer targets (tests/fuzz/fuzz_*.cpp): a byte reader over the input, and
// check(), which aborts on a broken property so that libFuzzer records the input as a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "core/types.hpp"

namespace ddb::fuzz {

inline void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

// Takes bytes off the front of the input; past its end it yields zeros and empty views.
class input {
 public:
  input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  byte_view take(size_t n) {
    n = n < size_ - pos_ ? n : size_ - pos_;
    byte_view v(data_ + pos_, n);
    pos_ += n;
    return v;
  }
  byte_view rest() { return take(size_ - pos_); }
  bool empty() const { return pos_ >= size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace ddb::fuzz
