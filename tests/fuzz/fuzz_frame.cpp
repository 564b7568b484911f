// libFuzzer target: the incremental frame decoder. The first byte picks the chunk size and the
// body limit; the rest is a byte stream fed in chunks. Frames are delivered within the limit,
// every body is run through decode_message, and a failed decoder stays failed.
#include "tests/fuzz/fuzz_support.hpp"
#include "wire/channels.hpp"
#include "wire/messages.hpp"

using namespace ddb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in(data, size);
  uint8_t mode = in.byte();
  size_t chunk = 1 + (mode & 63);
  size_t limit = (mode & 64) ? 64 : wire::max_frame_body;
  wire::frame_decoder decoder(limit);
  status st;
  while (!in.empty() && st) {
    st = decoder.feed(in.take(chunk), [&](const wire::frame_event& e) {
      if (e.keep_alive) return;
      fuzz::check(e.body.size <= limit, "body within the limit");
      (void)wire::decode_message(e.type, e.body);
    });
  }
  if (!st) {
    fuzz::check(decoder.failed(), "an error fails the decoder");
    bool called = false;
    status again =
        decoder.feed(byte_view(data, size), [&](const wire::frame_event&) { called = true; });
    fuzz::check(!again && !called, "a failed decoder delivers nothing more");
  }
  return 0;
}
