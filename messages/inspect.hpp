#pragma once
// CAF inspection for every type carried in actor messages (printing in logs and traces;
// messages stay local, but CAF 0.17 requires every message type to be inspectable).
#include <caf/meta/type_name.hpp>

#include "core/types.hpp"
#include "messages/feed_messages.hpp"

namespace ddb {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tree_node& x) {
  return f(caf::meta::type_name("tree_node"), x.index, x.size, x.hash);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_options& x) {
  return f(caf::meta::type_name("get_options"), x.wait, x.timeout_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, feed_info& x) {
  return f(caf::meta::type_name("feed_info"), x.key, x.discovery_key, x.length, x.byte_length,
           x.downloaded, x.writable, x.readable);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, signature_reply& x) {
  return f(caf::meta::type_name("signature_reply"), x.index, x.signature);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, seek_reply& x) {
  return f(caf::meta::type_name("seek_reply"), x.index, x.offset);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, audit_reply& x) {
  return f(caf::meta::type_name("audit_reply"), x.valid, x.invalid);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, feed_event& x) {
  return f(caf::meta::type_name("feed_event"), x.type, x.length, x.byte_length, x.index, x.bytes,
           x.peer, x.code, x.message);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, update_request& x) {
  return f(caf::meta::type_name("update_request"), x.min_length, x.if_available, x.timeout_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_stats& x) {
  return f(caf::meta::type_name("peer_stats"), x.peer, x.remote_length, x.counts,
           x.remote_public_key, x.remote_address);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, feed_stats& x) {
  return f(caf::meta::type_name("feed_stats"), x.totals, x.peers, x.abuse);
}

}  // namespace ddb

namespace ddb::replication {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, abuse_stats& x) {
  return f(caf::meta::type_name("abuse_stats"), x.haves_clamped, x.wants_capped,
           x.requests_queued_peak, x.send_window_waits, x.work_refused, x.invalid_messages,
           x.peers_dropped_for_overflow, x.peers_dropped_for_invalid, x.peers_dropped_for_timeout);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, range_request& x) {
  return f(caf::meta::type_name("range_request"), x.start, x.end, x.linear, x.blocks);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, transfer_stats& x) {
  return f(caf::meta::type_name("transfer_stats"), x.uploaded_bytes, x.uploaded_blocks,
           x.downloaded_bytes, x.downloaded_blocks);
}

}  // namespace ddb::replication
