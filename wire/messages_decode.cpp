// Decoders for messages.hpp. Known fields must carry their schema's wire type; unknown fields are
// skipped; a repeated scalar field keeps the last value (proto2 semantics).
#include <algorithm>

#include "wire/messages.hpp"
#include "wire/proto.hpp"
#include "wire/varint.hpp"

// GCC 12 reports a false maybe-uninitialized when a data_message with an optional value moves
// into its result.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace ddb::wire {

using proto::reader;
using proto::wire_type;

namespace {

// Calls `on_field(reader&, field, wire_type)` for every field; it must consume the value.
template <class F>
status for_each_field(byte_view body, F&& on_field) {
  reader r(body);
  while (!r.done()) {
    uint32_t field = 0;
    wire_type wt = proto::wt_varint;
    DDB_TRY(r.next(field, wt));
    DDB_TRY(on_field(r, field, wt));
  }
  return status::ok();
}

// Records that a required field arrived; passes the status of reading it through.
status seen(bool& flag, status read) {
  flag = true;
  return read;
}

status get_u64(reader& r, wire_type wt, uint64_t& out) {
  DDB_TRY(reader::expect(wt, proto::wt_varint));
  return r.read_varint(out);
}

status get_opt_u64(reader& r, wire_type wt, std::optional<uint64_t>& out) {
  uint64_t v = 0;
  DDB_TRY(get_u64(r, wt, v));
  out = v;
  return status::ok();
}

status get_opt_bool(reader& r, wire_type wt, std::optional<bool>& out) {
  DDB_TRY(reader::expect(wt, proto::wt_varint));
  bool v = false;
  DDB_TRY(r.read_bool(v));
  out = v;
  return status::ok();
}

status get_view(reader& r, wire_type wt, byte_view& out) {
  DDB_TRY(reader::expect(wt, proto::wt_bytes));
  return r.read_bytes(out);
}

status get_bytes(reader& r, wire_type wt, byte_buffer& out) {
  byte_view v;
  DDB_TRY(get_view(r, wt, v));
  out = v.to_buffer();
  return status::ok();
}

status get_opt_bytes(reader& r, wire_type wt, std::optional<byte_buffer>& out) {
  byte_view v;
  DDB_TRY(get_view(r, wt, v));
  out = v.to_buffer();
  return status::ok();
}

// Start + optional length: Unhave, Want, Unwant share this shape.
template <class T>
result<T> decode_range(byte_view body, const char* name) {
  T m;
  bool has_start = false;
  status st = for_each_field(body, [&](reader& r, uint32_t f, wire_type wt) -> status {
    if (f == 1) return seen(has_start, get_u64(r, wt, m.start));
    if (f == 2) return get_opt_u64(r, wt, m.length);
    return r.skip(wt);
  });
  if (!st) return st;
  if (!has_start) return proto::missing_field(name, "start");
  return m;
}

result<tree_node> decode_node(byte_view body) {
  tree_node n;
  bool has[3] = {false, false, false};
  byte_view hash;
  status st = for_each_field(body, [&](reader& r, uint32_t f, wire_type wt) -> status {
    if (f >= 1 && f <= 3) has[f - 1] = true;
    if (f == 1) return get_u64(r, wt, n.index);
    if (f == 2) return get_view(r, wt, hash);
    if (f == 3) return get_u64(r, wt, n.size);
    return r.skip(wt);
  });
  if (!st) return st;
  if (!has[0]) return proto::missing_field("Data.Node", "index");
  if (!has[1]) return proto::missing_field("Data.Node", "hash");
  if (!has[2]) return proto::missing_field("Data.Node", "size");
  if (hash.size != n.hash.size()) {
    return make_error(errc::protocol_error, "Data.Node: hash is not 32 bytes");
  }
  std::copy(hash.begin(), hash.end(), n.hash.begin());
  return n;
}

}  // namespace

result<noise_payload> decode_noise_payload(byte_view body) {
  noise_payload m;
  bool has_nonce = false;
  status st = for_each_field(body, [&](reader& r, uint32_t f, wire_type wt) -> status {
    if (f == 1) return seen(has_nonce, get_bytes(r, wt, m.nonce));
    return r.skip(wt);
  });
  if (!st) return st;
  if (!has_nonce) return proto::missing_field("NoisePayload", "nonce");
  return m;
}

result<open_message> decode_open(byte_view body) {
  open_message m;
  bool has_key = false;
  status st = for_each_field(body, [&](reader& r, uint32_t f, wire_type wt) -> status {
    if (f == 1) return seen(has_key, get_bytes(r, wt, m.discovery_key));
    if (f == 2) return get_opt_bytes(r, wt, m.capability);
    return r.skip(wt);
  });
  if (!st) return st;
  if (!has_key) return proto::missing_field("Open", "discoveryKey");
  return m;
}

result<options_message> decode_options(byte_view body) {
  options_message m;
  status st = for_each_field(body, [&](reader& r, uint32_t f, wire_type wt) -> status {
    if (f == 2) return get_opt_bool(r, wt, m.ack);
    if (f != 1) return r.skip(wt);
    byte_view v;
    DDB_TRY(get_view(r, wt, v));
    m.extensions.emplace_back(reinterpret_cast<const char*>(v.data), v.size);
    return status::ok();
  });
  if (!st) return st;
  return m;
}

result<status_message> decode_status(byte_view body) {
  status_message m;
  status st = for_each_field(body, [&](reader& r, uint32_t f, wire_type wt) -> status {
    if (f == 1) return get_opt_bool(r, wt, m.uploading);
    if (f == 2) return get_opt_bool(r, wt, m.downloading);
    return r.skip(wt);
  });
  if (!st) return st;
  return m;
}

result<have_message> decode_have(byte_view body) {
  have_message m;
  bool has_start = false;
  status st = for_each_field(body, [&](reader& r, uint32_t f, wire_type wt) -> status {
    if (f == 1) return seen(has_start, get_u64(r, wt, m.start));
    if (f == 2) return get_opt_u64(r, wt, m.length);
    if (f == 3) return get_opt_bytes(r, wt, m.bitfield);
    if (f == 4) return get_opt_bool(r, wt, m.ack);
    return r.skip(wt);
  });
  if (!st) return st;
  if (!has_start) return proto::missing_field("Have", "start");
  return m;
}

result<unhave_message> decode_unhave(byte_view body) {
  return decode_range<unhave_message>(body, "Unhave");
}
result<want_message> decode_want(byte_view body) {
  return decode_range<want_message>(body, "Want");
}
result<unwant_message> decode_unwant(byte_view body) {
  return decode_range<unwant_message>(body, "Unwant");
}

result<request_message> decode_request(byte_view body) {
  request_message m;
  bool has_index = false;
  status st = for_each_field(body, [&](reader& r, uint32_t f, wire_type wt) -> status {
    if (f == 1) return seen(has_index, get_u64(r, wt, m.index));
    if (f == 2) return get_opt_u64(r, wt, m.bytes);
    if (f == 3) return get_opt_bool(r, wt, m.hash);
    if (f == 4) return get_opt_u64(r, wt, m.nodes);
    return r.skip(wt);
  });
  if (!st) return st;
  if (!has_index) return proto::missing_field("Request", "index");
  return m;
}

result<cancel_message> decode_cancel(byte_view body) {
  cancel_message m;
  bool has_index = false;
  status st = for_each_field(body, [&](reader& r, uint32_t f, wire_type wt) -> status {
    if (f == 1) return seen(has_index, get_u64(r, wt, m.index));
    if (f == 2) return get_opt_u64(r, wt, m.bytes);
    if (f == 3) return get_opt_bool(r, wt, m.hash);
    return r.skip(wt);
  });
  if (!st) return st;
  if (!has_index) return proto::missing_field("Cancel", "index");
  return m;
}

namespace {

// A Data body with its value and signature left in place (views into the body).
struct data_view {
  uint64_t index = 0;
  std::optional<byte_view> value;
  std::vector<tree_node> nodes;
  std::optional<byte_view> signature;
};

status parse_data(byte_view body, data_view& m) {
  bool has_index = false;
  status st = for_each_field(body, [&](reader& r, uint32_t f, wire_type wt) -> status {
    if (f == 1) return seen(has_index, get_u64(r, wt, m.index));
    if (f == 2) return get_view(r, wt, m.value.emplace());
    if (f == 4) return get_view(r, wt, m.signature.emplace());
    if (f != 3) return r.skip(wt);
    byte_view v;
    DDB_TRY(get_view(r, wt, v));
    auto node = decode_node(v);
    if (!node) return node.error();
    m.nodes.push_back(*node);
    return status::ok();
  });
  if (!st) return st;
  if (!has_index) return proto::missing_field("Data", "index");
  return status::ok();
}

}  // namespace

result<data_message> decode_data(byte_view body) {
  data_view v;
  DDB_TRY(parse_data(body, v));
  data_message m;
  m.index = v.index;
  if (v.value) m.value.emplace(v.value->begin(), v.value->end());
  m.nodes = std::move(v.nodes);
  if (v.signature) m.signature.emplace(v.signature->begin(), v.signature->end());
  return m;
}

result<close_message> decode_close(byte_view body) {
  close_message m;
  status st = for_each_field(body, [&](reader& r, uint32_t f, wire_type wt) -> status {
    if (f == 1) return get_opt_bytes(r, wt, m.discovery_key);
    return r.skip(wt);
  });
  if (!st) return st;
  return m;
}

result<extension_message> decode_extension(byte_view body) {
  auto id = decode_varint(body);
  if (!id) return make_error(errc::protocol_error, "Extension: bad id varint");
  extension_message m;
  m.id = id->value;
  m.payload.assign(body.begin() + id->size, body.end());
  return m;
}

status validate_message(uint8_t type, byte_view body) {
  if (type == static_cast<uint8_t>(message_type::data)) {
    data_view v;  // large values are not copied just to be checked
    return parse_data(body, v);
  }
  auto m = decode_message(type, body);
  return m ? status::ok() : m.error();
}

namespace {
template <class T>
result<message> widen(result<T> r) {
  if (!r) return r.error();
  return message(std::move(*r));
}
}  // namespace

result<message> decode_message(uint8_t type, byte_view body) {
  switch (type) {
    case 0:
      return widen(decode_open(body));
    case 1:
      return widen(decode_options(body));
    case 2:
      return widen(decode_status(body));
    case 3:
      return widen(decode_have(body));
    case 4:
      return widen(decode_unhave(body));
    case 5:
      return widen(decode_want(body));
    case 6:
      return widen(decode_unwant(body));
    case 7:
      return widen(decode_request(body));
    case 8:
      return widen(decode_cancel(body));
    case 9:
      return widen(decode_data(body));
    case 10:
      return widen(decode_close(body));
    case 15:
      return widen(decode_extension(body));
    default:
      break;
  }
  if (type > 15) return make_error(errc::protocol_error, "message type over 15");
  return message(unknown_message{type, body.to_buffer()});
}

}  // namespace ddb::wire
