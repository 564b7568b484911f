#pragma once
// The replication messages (simple-hypercore-protocol's schema.proto, proto2) as plain structs,
// with encoders that produce the reference's exact bytes (fields in field-number order, optional
// fields only when set) and bounds-checked decoders. See wire/format.md.
//
// Optional fields are std::optional so that presence survives a round trip; the reference's
// defaults when absent are: Have/Unhave length 1, Want/Unwant length 0 ("to the end"), every bool
// false, every integer 0.
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"

namespace ddb::wire {

// The 4-bit type in a frame header (channel << 4 | type).
enum class message_type : uint8_t {
  open = 0,
  options = 1,
  status = 2,
  have = 3,
  unhave = 4,
  want = 5,
  unwant = 6,
  request = 7,
  cancel = 8,
  data = 9,
  close = 10,
  extension = 15,
};

// Sent inside the Noise handshake. The ddatabase handshake uses a 24-byte nonce.
struct noise_payload {
  byte_buffer nonce;  // required
};

struct open_message {
  byte_buffer discovery_key;  // required
  std::optional<byte_buffer> capability;
};

struct options_message {
  std::vector<std::string> extensions;  // sorted by the sender
  std::optional<bool> ack;
};

struct status_message {
  std::optional<bool> uploading;
  std::optional<bool> downloading;
};

struct have_message {
  uint64_t start = 0;  // required
  std::optional<uint64_t> length;
  std::optional<byte_buffer> bitfield;  // bitfield-rle encoded (bitfield_rle.hpp)
  std::optional<bool> ack;
  uint64_t length_or_default() const { return length.value_or(1); }
};

struct unhave_message {
  uint64_t start = 0;  // required
  std::optional<uint64_t> length;
  uint64_t length_or_default() const { return length.value_or(1); }
};

struct want_message {
  uint64_t start = 0;  // required
  std::optional<uint64_t> length;
};

struct unwant_message {
  uint64_t start = 0;  // required
  std::optional<uint64_t> length;
};

struct request_message {
  uint64_t index = 0;  // required
  std::optional<uint64_t> bytes;
  std::optional<bool> hash;
  std::optional<uint64_t> nodes;  // digest bitmask of proof nodes the requester has
};

struct cancel_message {
  uint64_t index = 0;  // required
  std::optional<uint64_t> bytes;
  std::optional<bool> hash;
};

// Data.nodes are tree nodes; the decoder requires every node hash to be exactly 32 bytes.
struct data_message {
  uint64_t index = 0;  // required
  std::optional<byte_buffer> value;
  std::vector<tree_node> nodes;
  std::optional<byte_buffer> signature;
};

struct close_message {
  std::optional<byte_buffer> discovery_key;  // only when no Open was sent
};

// Type 15: varint(id) ‖ payload (not protobuf). `id` indexes the sorted Options.extensions.
struct extension_message {
  uint64_t id = 0;
  byte_buffer payload;
};

// Types 11..14 have no schema; the reference ignores them. Kept raw.
struct unknown_message {
  uint8_t type = 0;
  byte_buffer body;
};

using message =
    std::variant<open_message, options_message, status_message, have_message, unhave_message,
                 want_message, unwant_message, request_message, cancel_message, data_message,
                 close_message, extension_message, unknown_message>;

// Encoders: append the body bytes to `out`.
void encode(const noise_payload& m, byte_buffer& out);
void encode(const open_message& m, byte_buffer& out);
void encode(const options_message& m, byte_buffer& out);
void encode(const status_message& m, byte_buffer& out);
void encode(const have_message& m, byte_buffer& out);
void encode(const unhave_message& m, byte_buffer& out);
void encode(const want_message& m, byte_buffer& out);
void encode(const unwant_message& m, byte_buffer& out);
void encode(const request_message& m, byte_buffer& out);
void encode(const cancel_message& m, byte_buffer& out);
void encode(const data_message& m, byte_buffer& out);
void encode(const close_message& m, byte_buffer& out);
void encode(const extension_message& m, byte_buffer& out);
void encode(const unknown_message& m, byte_buffer& out);
void encode(const message& m, byte_buffer& out);

// Returns the body bytes of any single message.
template <class T>
byte_buffer encode(const T& m) {
  byte_buffer out;
  encode(m, out);
  return out;
}

// Decoders: errc::protocol_error on malformed input or a missing required field. Unknown fields
// are skipped (varint, fixed64, length-delimited, fixed32); groups are refused.
result<noise_payload> decode_noise_payload(byte_view body);
result<open_message> decode_open(byte_view body);
result<options_message> decode_options(byte_view body);
result<status_message> decode_status(byte_view body);
result<have_message> decode_have(byte_view body);
result<unhave_message> decode_unhave(byte_view body);
result<want_message> decode_want(byte_view body);
result<unwant_message> decode_unwant(byte_view body);
result<request_message> decode_request(byte_view body);
result<cancel_message> decode_cancel(byte_view body);
result<data_message> decode_data(byte_view body);
result<close_message> decode_close(byte_view body);
result<extension_message> decode_extension(byte_view body);

// Decodes a frame body by its 4-bit type (0..15).
result<message> decode_message(uint8_t type, byte_view body);
// Whether decode_message(type, body) would succeed, without copying a Data value.
status validate_message(uint8_t type, byte_view body);
// The frame type of a message.
uint8_t type_of(const message& m);

// Field-by-field equality (tests, fuzzing).
bool operator==(const noise_payload& a, const noise_payload& b);
bool operator==(const open_message& a, const open_message& b);
bool operator==(const options_message& a, const options_message& b);
bool operator==(const status_message& a, const status_message& b);
bool operator==(const have_message& a, const have_message& b);
bool operator==(const unhave_message& a, const unhave_message& b);
bool operator==(const want_message& a, const want_message& b);
bool operator==(const unwant_message& a, const unwant_message& b);
bool operator==(const request_message& a, const request_message& b);
bool operator==(const cancel_message& a, const cancel_message& b);
bool operator==(const data_message& a, const data_message& b);
bool operator==(const close_message& a, const close_message& b);
bool operator==(const extension_message& a, const extension_message& b);
bool operator==(const unknown_message& a, const unknown_message& b);

}  // namespace ddb::wire
