#include "sim/trace_event.hpp"

#include "messages/feed_messages.hpp"

namespace ddb::sim {

namespace {

constexpr const char* kind_names[trace_kind_count] = {"activation", "delivery",   "feed",  "ack",
                                                      "read",       "connection", "fault", "node",
                                                      "violation",  "note"};

const char* feed_event_name(uint64_t type) {
  switch (static_cast<feed_event_type>(type)) {
    case feed_event_type::append:
      return "append";
    case feed_event_type::close:
      return "close";
    case feed_event_type::clear:
      return "clear";
    case feed_event_type::download:
      return "download";
    case feed_event_type::upload:
      return "upload";
    case feed_event_type::sync:
      return "sync";
    case feed_event_type::peer_add:
      return "peer_add";
    case feed_event_type::peer_remove:
      return "peer_remove";
    case feed_event_type::peer_open:
      return "peer_open";
    case feed_event_type::ack:
      return "peer_ack";
    case feed_event_type::error:
      return "error";
  }
  return "?";
}

}  // namespace

const char* to_string(trace_kind k) {
  auto i = static_cast<size_t>(k);
  return i < static_cast<size_t>(trace_kind_count) ? kind_names[i] : "?";
}

std::string event_name(const trace_event& e) {
  return e.kind == trace_kind::feed ? feed_event_name(e.b) : to_string(e.kind);
}

std::optional<trace_kind> trace_kind_named(std::string_view name) {
  for (int i = 0; i < trace_kind_count; ++i) {
    if (name == kind_names[i]) return static_cast<trace_kind>(i);
  }
  return std::nullopt;
}

std::string trace_kind_names() {
  std::string out;
  for (int i = 0; i < trace_kind_count; ++i) out += std::string(i ? "," : "") + kind_names[i];
  return out;
}

std::string describe(const trace_event& e) {
  std::string where = e.node < 0 ? std::string("world") : "node " + std::to_string(e.node);
  switch (e.kind) {
    case trace_kind::activation:
      return where + " activation actor " + std::to_string(e.a);
    case trace_kind::delivery:
      return "node " + std::to_string(e.node) + " delivery to node " + std::to_string(e.peer) +
             ": " + std::to_string(e.b) + " bytes (conn " + std::to_string(e.a / 2) + ")";
    case trace_kind::feed:
      return where + " feed " + std::to_string(e.a & 0xffffffffu) + " " + feed_event_name(e.b) +
             " length " + std::to_string(e.c);
    case trace_kind::ack:
      return where + " ack: acknowledged length " + std::to_string(e.c);
    case trace_kind::read:
      return where + " read block " + std::to_string(e.c);
    default:
      return std::string(e.text);
  }
}

}  // namespace ddb::sim
