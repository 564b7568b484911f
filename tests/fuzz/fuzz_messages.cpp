// libFuzzer target: the message decoders. The first byte is the frame type, the rest the body.
// validate_message and decode_message agree, and a decoded message re-encodes to bytes that
// decode to the same message (a fixpoint after one round).
#include "tests/fuzz/fuzz_support.hpp"
#include "wire/messages.hpp"

using namespace ddb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in(data, size);
  uint8_t type = in.byte() & 31;
  byte_view body = in.rest();
  auto m = wire::decode_message(type, body);
  fuzz::check(wire::validate_message(type, body).is_ok() == m.has_value(),
              "validate_message agrees with decode_message");
  if (!m) return 0;
  byte_buffer once = wire::encode(*m);
  auto again = wire::decode_message(wire::type_of(*m), once);
  fuzz::check(again.has_value(), "a re-encoded message decodes");
  fuzz::check(wire::encode(*again) == once, "encoding is a fixpoint");
  return 0;
}
