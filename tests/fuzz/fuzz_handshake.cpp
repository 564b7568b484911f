// libFuzzer target: the Noise handshake fed arbitrary bytes, as responder and as initiator
// (after its first message), in chunks. Deterministic keys and randomness. Errors are final.
#include <cstring>

#include "tests/fuzz/fuzz_support.hpp"
#include "wire/handshake.hpp"

using namespace ddb;

namespace {

void fill(uint8_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(i * 131 + 7);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in(data, size);
  uint8_t mode = in.byte();
  wire::handshake_options o;
  o.initiator = mode & 1;
  o.rng = random_source(fill);
  wire::noise::key32 seed{};
  fill(seed.data(), seed.size());
  o.static_keys = wire::noise::dh_key_pair_from_seed(seed);
  wire::handshake h(o);
  auto first = h.start();
  fuzz::check(first.has_value(), "start succeeds");
  size_t chunk = 1 + (mode >> 1);
  bool failed = false;
  while (!in.empty()) {
    auto reply = h.recv(in.take(chunk));
    if (!reply) {
      failed = true;
      break;
    }
  }
  if (failed) fuzz::check(!h.recv(byte_view(data, size)).has_value(), "errors are final");
  return 0;
}
