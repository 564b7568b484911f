#pragma once
// Minimal proto2 wire-format helpers for the replication messages: field writers and a
// bounds-checked field reader. Internal to wire; not a general protobuf library.
#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "core/types.hpp"
#include "wire/varint.hpp"

namespace ddb::wire::proto {

enum wire_type : uint8_t {
  wt_varint = 0,
  wt_fixed64 = 1,
  wt_bytes = 2,
  wt_group_start = 3,
  wt_group_end = 4,
  wt_fixed32 = 5,
};

inline uint64_t key(uint32_t field, wire_type wt) {
  return (uint64_t{field} << 3) | wt;
}

inline void put_varint(byte_buffer& out, uint32_t field, uint64_t value) {
  append_varint(out, key(field, wt_varint));
  append_varint(out, value);
}

inline void put_bool(byte_buffer& out, uint32_t field, bool value) {
  put_varint(out, field, value ? 1 : 0);
}

inline void put_bytes(byte_buffer& out, uint32_t field, byte_view value) {
  append_varint(out, key(field, wt_bytes));
  append_varint(out, value.size);
  out.insert(out.end(), value.begin(), value.end());
}

// Reads fields one by one. Every method returns errc::protocol_error on malformed input and
// leaves the reader positioned after the consumed bytes on success. Borrows `in`.
class reader {
 public:
  explicit reader(byte_view in) : in_(in) {}

  bool done() const { return pos_ >= in_.size; }
  // Reads a field key. Field number 0 and group wire types are errors.
  status next(uint32_t& field, wire_type& wt);
  status read_varint(uint64_t& value);
  status read_bool(bool& value);
  // A length-delimited value; the view borrows the input.
  status read_bytes(byte_view& value);
  // Skips a value of an unknown field.
  status skip(wire_type wt);
  // Checks that a known field arrived with the wire type its schema gives it.
  static status expect(wire_type got, wire_type want);

 private:
  byte_view in_;
  size_t pos_ = 0;
};

status missing_field(const char* message, const char* field);

}  // namespace ddb::wire::proto
