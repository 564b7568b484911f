#pragma once
// What one remote peer can make the replicator spend (peer_limits) and how often peers ran into
// those bounds (abuse_stats). Plain values: the node's YAML (`limits:`, config/) fills
// peer_limits, the feed actor reports abuse_stats in feed_stats. See docs/config.md.
#include <cstddef>
#include <cstdint>

namespace ddb::replication {

// What one remote peer can make the replicator spend. Every bound holds for any message
// sequence; the defaults leave an honest peer (ours or the reference) far below each of them.
struct peer_limits {
  // A remote's Have claims are tracked only below the remote bound: the longest length we know
  // (verified) or ask for (update, selection ends, waiting gets) plus this many blocks (a
  // writer's bound is its own length: nobody holds more of its feed). Claims beyond are ignored
  // and asked for again with Wants once a verified length moves the bound past them.
  uint64_t max_remote_ahead = 4 * 1024 * 1024;
  // Wants (1M-block chunks) sent to a peer and not answered yet; and chunks wanted in total.
  size_t max_inflight_wants = 16;
  size_t max_wants = 4096;
  // Requests (and Wants) received from a peer and not answered yet: past this the peer is
  // dropped ("too many queued requests"). Our own client keeps at most max_requests (512) in
  // flight, the reference 16.
  size_t max_queued_requests = 2048;
  size_t max_queued_wants = 1024;
  // Bytes (frame bodies) emitted for a peer and not yet reported handed to the network
  // (on_sent): queued Requests and Wants are answered only below this.
  uint64_t max_unsent_bytes = 8 << 20;
  // A remote Have bitfield decodes to at most this many bytes (an answer to a Want covers at
  // most 16 chunks, 2 MiB); a larger one is an invalid message.
  size_t max_have_bitfield_bytes = 2 << 20;
  // Bitfield pages (8192 blocks each) a peer may make us touch with Have/Unhave ranges and
  // Want answers, beyond the first page of each message: work_pages_per_page per page of the
  // remote bound plus work_pages_slack. Past it such messages are ignored as invalid.
  uint64_t work_pages_per_page = 8;
  uint64_t work_pages_slack = 4096;
  // Invalid messages (Requests beyond our length or that we cannot prove, unknown byte
  // offsets, bitfield Haves nobody asked for, over-budget ranges...): from backoff_after on, the
  // peer's send window halves with each (min. one answer at a time); past max_invalid_messages
  // the peer is dropped.
  uint32_t invalid_backoff_after = 4;
  uint32_t max_invalid_messages = 16;
  // A peer with Requests or Wants of ours in flight that sends neither a requested block nor a
  // Want answer for this long is dropped ("request timeout: block N"); what it had reserved
  // goes to other peers. The clock restarts with every block or Want answer it sends, so a slow
  // peer that keeps delivering is never dropped. Time comes in through replicator::on_tick
  // (the feed actor ticks every request_timeout_ms / 5 while anything is in flight), so a drop
  // comes between one and 1.2 timeouts after the last answer. 0 = never.
  uint64_t request_timeout_ms = 5000;
};

// Counters of the limits above, summed over the replicator's peers (past and present).
struct abuse_stats {
  uint64_t haves_clamped = 0;         // Have claims cut at (or ignored beyond) the remote bound
  uint64_t wants_capped = 0;          // times a peer's Wants stopped at a cap
  uint64_t requests_queued_peak = 0;  // most Requests + Wants queued for one peer
  uint64_t send_window_waits = 0;     // times answers waited for a peer's send credit
  uint64_t work_refused = 0;          // ranges and Wants refused past a peer's work budget
  uint64_t invalid_messages = 0;
  uint64_t peers_dropped_for_overflow = 0;  // too many queued Requests/Wants
  uint64_t peers_dropped_for_invalid = 0;   // too many invalid messages
  uint64_t peers_dropped_for_timeout = 0;   // nothing we asked for arrived in time
};

}  // namespace ddb::replication
