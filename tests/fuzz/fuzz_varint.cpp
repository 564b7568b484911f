// libFuzzer target: the varint decoder. Every varint read from the input re-encodes to a
// canonical form that decodes to the same value; read_varint and decode_varint agree.
#include "tests/fuzz/fuzz_support.hpp"
#include "wire/varint.hpp"

using namespace ddb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  byte_view in(data, size);
  size_t pos = 0;
  while (pos < size) {
    uint64_t value = 0;
    size_t before = pos;
    auto st = wire::read_varint(in, pos, value);
    auto whole = wire::decode_varint(in.sub(before, size - before));
    fuzz::check((st == wire::varint_status::ok) == whole.has_value(), "the two decoders agree");
    if (st != wire::varint_status::ok) {
      fuzz::check(pos == before, "a failed read does not advance");
      break;
    }
    fuzz::check(pos > before && pos - before <= wire::max_varint_size, "a varint is 1-10 bytes");
    fuzz::check(whole->value == value && whole->size == pos - before, "same value and size");
    byte_buffer again;
    wire::append_varint(again, value);
    fuzz::check(again.size() == wire::varint_size(value), "varint_size matches the encoding");
    auto back = wire::decode_varint(again);
    fuzz::check(back && back->value == value && back->size == again.size(), "round trip");
  }
  return 0;
}
