#include "wire/proto.hpp"

namespace ddb::wire::proto {

namespace {
status malformed(const char* what) {
  return make_error(errc::protocol_error, std::string("malformed protobuf: ") + what);
}
}  // namespace

status reader::next(uint32_t& field, wire_type& wt) {
  uint64_t k = 0;
  DDB_TRY(read_varint(k));
  uint64_t number = k >> 3;
  if (number == 0 || number > 0x1fffffff) return malformed("bad field number");
  uint8_t t = k & 7;
  if (t == wt_group_start || t == wt_group_end) return malformed("groups are not supported");
  if (t > wt_fixed32) return malformed("unknown wire type");
  field = static_cast<uint32_t>(number);
  wt = static_cast<wire_type>(t);
  return status::ok();
}

status reader::read_varint(uint64_t& value) {
  switch (wire::read_varint(in_, pos_, value)) {
    case varint_status::ok:
      return status::ok();
    case varint_status::truncated:
      return malformed("truncated varint");
    case varint_status::overlong:
      break;
  }
  return malformed("overlong varint");
}

status reader::read_bool(bool& value) {
  uint64_t v = 0;
  DDB_TRY(read_varint(v));
  value = v != 0;
  return status::ok();
}

status reader::read_bytes(byte_view& value) {
  uint64_t n = 0;
  DDB_TRY(read_varint(n));
  if (n > in_.size - pos_) return malformed("length-delimited field past the end");
  value = in_.sub(pos_, static_cast<size_t>(n));
  pos_ += static_cast<size_t>(n);
  return status::ok();
}

status reader::skip(wire_type wt) {
  uint64_t ignored = 0;
  byte_view ignored_bytes;
  size_t width = 0;
  switch (wt) {
    case wt_varint:
      return read_varint(ignored);
    case wt_bytes:
      return read_bytes(ignored_bytes);
    case wt_fixed64:
      width = 8;
      break;
    case wt_fixed32:
      width = 4;
      break;
    default:
      return malformed("unknown wire type");
  }
  if (width > in_.size - pos_) return malformed("fixed-width field past the end");
  pos_ += width;
  return status::ok();
}

status reader::expect(wire_type got, wire_type want) {
  if (got != want) return malformed("wrong wire type for a known field");
  return status::ok();
}

status missing_field(const char* message, const char* field) {
  return make_error(errc::protocol_error,
                    std::string(message) + ": missing required field " + field);
}

}  // namespace ddb::wire::proto
