#include "sim/sodium_rng.hpp"

#include <sodium.h>

#include "sim/rng.hpp"

namespace ddb::sim::sodium_rng {

namespace {

rng& stream() {
  static rng r(0);
  return r;
}

bool& installed_flag() {
  static bool flag = false;
  return flag;
}

const char* impl_name() {
  return "ddb-sim";
}
uint32_t impl_random() {
  return static_cast<uint32_t>(stream().next() >> 32);
}
void impl_stir() {}
uint32_t impl_uniform(const uint32_t upper_bound) {
  return upper_bound == 0 ? 0 : static_cast<uint32_t>(stream().below(upper_bound));
}
void impl_buf(void* const buf, const size_t size) {
  stream().fill(static_cast<uint8_t*>(buf), size);
}
int impl_close() {
  return 0;
}

randombytes_implementation implementation = {impl_name,    impl_random, impl_stir,
                                             impl_uniform, impl_buf,    impl_close};

}  // namespace

bool install() {
  if (installed_flag()) return true;
  if (randombytes_set_implementation(&implementation) != 0) return false;
  installed_flag() = true;
  return true;
}

void reset(uint64_t seed) {
  stream() = rng::substream(seed, "libsodium");
}

bool installed() {
  return installed_flag();
}

}  // namespace ddb::sim::sodium_rng
