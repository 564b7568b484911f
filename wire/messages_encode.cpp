// Encoders, equality and type mapping for messages.hpp. Field order and presence follow the
// reference encoder (simple-hypercore-protocol messages.js) so bytes match exactly.
#include "wire/messages.hpp"
#include "wire/proto.hpp"
#include "wire/varint.hpp"

namespace ddb::wire {

using proto::put_bool;
using proto::put_bytes;
using proto::put_varint;

namespace {

template <class T>
void put_opt_varint(byte_buffer& out, uint32_t field, const std::optional<T>& v) {
  if (v) put_varint(out, field, *v);
}
void put_opt_bool(byte_buffer& out, uint32_t field, const std::optional<bool>& v) {
  if (v) put_bool(out, field, *v);
}
void put_opt_bytes(byte_buffer& out, uint32_t field, const std::optional<byte_buffer>& v) {
  if (v) put_bytes(out, field, *v);
}

void encode_node(const tree_node& n, byte_buffer& out) {
  put_varint(out, 1, n.index);
  put_bytes(out, 2, n.hash);
  put_varint(out, 3, n.size);
}

}  // namespace

void encode(const noise_payload& m, byte_buffer& out) {
  put_bytes(out, 1, m.nonce);
}

void encode(const open_message& m, byte_buffer& out) {
  put_bytes(out, 1, m.discovery_key);
  put_opt_bytes(out, 2, m.capability);
}

void encode(const options_message& m, byte_buffer& out) {
  for (const auto& e : m.extensions) put_bytes(out, 1, std::string_view(e));
  put_opt_bool(out, 2, m.ack);
}

void encode(const status_message& m, byte_buffer& out) {
  put_opt_bool(out, 1, m.uploading);
  put_opt_bool(out, 2, m.downloading);
}

void encode(const have_message& m, byte_buffer& out) {
  put_varint(out, 1, m.start);
  put_opt_varint(out, 2, m.length);
  put_opt_bytes(out, 3, m.bitfield);
  put_opt_bool(out, 4, m.ack);
}

void encode(const unhave_message& m, byte_buffer& out) {
  put_varint(out, 1, m.start);
  put_opt_varint(out, 2, m.length);
}

void encode(const want_message& m, byte_buffer& out) {
  put_varint(out, 1, m.start);
  put_opt_varint(out, 2, m.length);
}

void encode(const unwant_message& m, byte_buffer& out) {
  put_varint(out, 1, m.start);
  put_opt_varint(out, 2, m.length);
}

void encode(const request_message& m, byte_buffer& out) {
  put_varint(out, 1, m.index);
  put_opt_varint(out, 2, m.bytes);
  put_opt_bool(out, 3, m.hash);
  put_opt_varint(out, 4, m.nodes);
}

void encode(const cancel_message& m, byte_buffer& out) {
  put_varint(out, 1, m.index);
  put_opt_varint(out, 2, m.bytes);
  put_opt_bool(out, 3, m.hash);
}

void encode(const data_message& m, byte_buffer& out) {
  // One allocation: growing by doubling would copy a large value again (and fault in new pages).
  constexpr size_t node_bound = 2 + 2 * max_varint_size + 2 + 32 + 2;  // tag, len, fields
  size_t bound = 2 * (1 + max_varint_size) + m.nodes.size() * node_bound;
  if (m.value) bound += 1 + max_varint_size + m.value->size();
  if (m.signature) bound += 1 + max_varint_size + m.signature->size();
  out.reserve(out.size() + bound);
  put_varint(out, 1, m.index);
  put_opt_bytes(out, 2, m.value);
  byte_buffer node;
  for (const auto& n : m.nodes) {
    node.clear();
    encode_node(n, node);
    put_bytes(out, 3, node);
  }
  put_opt_bytes(out, 4, m.signature);
}

void encode(const close_message& m, byte_buffer& out) {
  put_opt_bytes(out, 1, m.discovery_key);
}

void encode(const extension_message& m, byte_buffer& out) {
  append_varint(out, m.id);
  out.insert(out.end(), m.payload.begin(), m.payload.end());
}

void encode(const unknown_message& m, byte_buffer& out) {
  out.insert(out.end(), m.body.begin(), m.body.end());
}

void encode(const message& m, byte_buffer& out) {
  std::visit([&out](const auto& v) { encode(v, out); }, m);
}

uint8_t type_of(const message& m) {
  if (const auto* u = std::get_if<unknown_message>(&m)) return u->type;
  if (std::holds_alternative<extension_message>(m)) {
    return static_cast<uint8_t>(message_type::extension);
  }
  return static_cast<uint8_t>(m.index());  // variant order matches types 0..10
}

bool operator==(const noise_payload& a, const noise_payload& b) {
  return a.nonce == b.nonce;
}
bool operator==(const open_message& a, const open_message& b) {
  return std::tie(a.discovery_key, a.capability) == std::tie(b.discovery_key, b.capability);
}
bool operator==(const options_message& a, const options_message& b) {
  return std::tie(a.extensions, a.ack) == std::tie(b.extensions, b.ack);
}
bool operator==(const status_message& a, const status_message& b) {
  return std::tie(a.uploading, a.downloading) == std::tie(b.uploading, b.downloading);
}
bool operator==(const have_message& a, const have_message& b) {
  return std::tie(a.start, a.length, a.bitfield, a.ack) ==
         std::tie(b.start, b.length, b.bitfield, b.ack);
}
bool operator==(const unhave_message& a, const unhave_message& b) {
  return std::tie(a.start, a.length) == std::tie(b.start, b.length);
}
bool operator==(const want_message& a, const want_message& b) {
  return std::tie(a.start, a.length) == std::tie(b.start, b.length);
}
bool operator==(const unwant_message& a, const unwant_message& b) {
  return std::tie(a.start, a.length) == std::tie(b.start, b.length);
}
bool operator==(const request_message& a, const request_message& b) {
  return std::tie(a.index, a.bytes, a.hash, a.nodes) == std::tie(b.index, b.bytes, b.hash, b.nodes);
}
bool operator==(const cancel_message& a, const cancel_message& b) {
  return std::tie(a.index, a.bytes, a.hash) == std::tie(b.index, b.bytes, b.hash);
}
bool operator==(const data_message& a, const data_message& b) {
  return std::tie(a.index, a.value, a.nodes, a.signature) ==
         std::tie(b.index, b.value, b.nodes, b.signature);
}
bool operator==(const close_message& a, const close_message& b) {
  return a.discovery_key == b.discovery_key;
}
bool operator==(const extension_message& a, const extension_message& b) {
  return std::tie(a.id, a.payload) == std::tie(b.id, b.payload);
}
bool operator==(const unknown_message& a, const unknown_message& b) {
  return std::tie(a.type, a.body) == std::tie(b.type, b.body);
}

}  // namespace ddb::wire
