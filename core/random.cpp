#include "core/random.hpp"

#include <sodium.h>

namespace ddb {

void random_source::fill(uint8_t* out, size_t n) const {
  if (fill_) {
    fill_(out, n);
  } else {
    randombytes_buf(out, n);
  }
}

}  // namespace ddb
