// libFuzzer target: a replication session (sans-I/O) fed arbitrary bytes in chunks: without
// Noise (every byte reaches the framing, channel table and message validation) or as a Noise
// responder. After each chunk it opens a channel when ready, as a node would. A failed session
// stays failed and reports one error event.
#include "protocol/session.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace ddb;

namespace {

void fill(uint8_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(i * 31 + 3);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in(data, size);
  uint8_t mode = in.byte();
  replication::session_options o;
  o.initiator = false;
  o.noise = o.encrypted = (mode & 1) != 0;
  o.rng = random_source(fill);
  o.max_channels = 1 + (mode >> 4);
  wire::noise::key32 seed{};
  fill(seed.data(), seed.size());
  o.static_keys = wire::noise::dh_key_pair_from_seed(seed);
  replication::session s(o);
  s.start();
  size_t chunk = 1 + ((mode >> 1) & 7) * 37;
  hash_t dkey{};
  public_key key{};
  key[0] = 1;
  size_t errors = 0;
  while (!in.empty()) {
    status st = s.recv(in.take(chunk));
    for (auto& e : s.take_events()) errors += std::holds_alternative<replication::error_event>(e);
    (void)s.take_output();
    if (!st) {
      fuzz::check(s.failed(), "an error fails the session");
      break;
    }
    if (s.ready() && !s.local_channel(dkey)) {
      auto id = s.open_channel(dkey, key);
      fuzz::check(id.has_value(), "a ready session opens a channel");
      fuzz::check(s.channel_count() <= o.max_channels + 1, "channels stay capped");
    }
  }
  if (s.failed()) {
    fuzz::check(errors == 1, "one error event");
    fuzz::check(!s.recv(byte_view(data, size)), "errors are final");
  }
  return 0;
}
