#pragma once
// What the replicator knows about one peer of a feed, and one download selection.
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/bitfield.hpp"
#include "protocol/peer_info.hpp"
#include "protocol/transfer_stats.hpp"

namespace ddb::replication {

struct inflight_request {
  uint64_t index = 0;
  bool hash = false;
};

// A Request or a Want the peer sent that we have not answered yet (served while the peer has
// send credit, see peer_limits::max_unsent_bytes).
struct queued_ask {
  bool want = false;    // a Want (start, length) rather than a Request
  uint64_t index = 0;   // Request: block; Want: start
  uint64_t length = 0;  // Want: blocks
  uint64_t bytes = 0;   // Request: byte offset (0: by index)
  uint64_t nodes = 0;   // Request: the requester's digest
  bool hash = false;    // Request: proof only
};

struct peer_state {
  uint64_t id = 0;
  peer_info info;
  bool remote_opened = false;
  bool remote_uploading = true;
  bool remote_downloading = true;
  bool remote_ack = false;
  bool remote_want = false;                    // the remote sent a Want: it follows our Haves
  std::vector<std::string> remote_extensions;  // as its last Options announced them (sorted)
  bool downloading = true;
  bool uploading = true;
  bool ended = false;  // we sent Status{downloading: false} (one-shot)
  bitfield remote;     // blocks the remote has (data bits only)
  uint64_t remote_length = 0;
  std::set<uint64_t> wants;  // 1M-block chunks we sent a Want for
  uint64_t inflight_wants = 0;
  std::vector<inflight_request> inflight;
  uint64_t cursor = UINT64_MAX;  // where this peer's non-linear scan resumes
  transfer_stats stats;
  // --- limits on what the peer can make us spend (replicator_limits.cpp) ---
  // The lowest block of a Have claim we ignored for lying beyond the remote bound; once the
  // bound grows past it, the chunks from there are asked for again.
  uint64_t clamped_from = UINT64_MAX;
  std::deque<queued_ask> asks;  // received, not yet answered, in order
  size_t queued_requests = 0;   // Requests in `asks`
  size_t queued_wants = 0;      // Wants in `asks`
  // Frame bytes (bodies) we emitted for the peer that its connection has not yet reported as
  // handed to the network (on_sent).
  uint64_t unsent_bytes = 0;
  uint32_t invalid = 0;     // invalid messages so far
  uint64_t work_pages = 0;  // bitfield pages spent on its Have/Unhave ranges and Want answers
  // --- request deadline (replicator_deadline.cpp) ---
  bool answered = false;  // a requested block or a Want answer arrived since the last tick
  std::optional<uint64_t> waiting_since;  // tick time (ms) from which nothing arrived
};

struct selection {
  uint64_t id = 0;
  uint64_t start = 0;
  std::optional<uint64_t> end;
  bool linear = false;
  bool implicit = false;  // the whole-feed selection of a non-sparse feed
  std::vector<uint64_t> blocks;
  uint64_t first_missing = 0;  // everything before is stored (linear scans start here)
  // Linear scans resume here: blocks in [first_missing, scan_from) are stored or in flight.
  // Rewound to first_missing whenever in-flight requests are released.
  uint64_t scan_from = 0;
};

inline constexpr uint64_t want_chunk = 1024 * 1024;  // blocks per Want, as the reference

}  // namespace ddb::replication
