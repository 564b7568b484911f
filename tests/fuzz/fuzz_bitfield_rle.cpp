// libFuzzer target: the bitfield-rle decoder (Have.bitfield). The first byte picks the alignment
// and a small output cap; decoding never exceeds the cap, and what decodes re-encodes to bytes
// that decode to the same bitfield.
#include "tests/fuzz/fuzz_support.hpp"
#include "wire/bitfield_rle.hpp"

using namespace ddb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in(data, size);
  uint8_t mode = in.byte();
  size_t align = size_t{1} << (mode & 3);
  size_t cap = (mode & 4) ? 4096 : 1 << 20;
  byte_view encoded = in.rest();
  auto bits = wire::rle::decode(encoded, align, cap);
  if (!bits) return 0;
  fuzz::check(bits->size() <= cap, "output within the cap");
  fuzz::check(bits->size() % align == 0, "output aligned");
  auto again = wire::rle::decode(wire::rle::encode(*bits), align, cap);
  fuzz::check(again.has_value(), "a re-encoding decodes");
  // encode drops trailing zero bytes; decode pads to the alignment again.
  byte_buffer a = *bits, b = *again;
  while (!a.empty() && a.back() == 0) a.pop_back();
  while (!b.empty() && b.back() == 0) b.pop_back();
  fuzz::check(a == b, "round trip");
  return 0;
}
