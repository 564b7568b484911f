#pragma once
// What the replicator knows about one peer of a feed, and one download selection.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/bitfield.hpp"
#include "messages/peer_messages.hpp"

namespace ddb::replication {

struct transfer_stats {
  uint64_t uploaded_bytes = 0;
  uint64_t uploaded_blocks = 0;
  uint64_t downloaded_bytes = 0;
  uint64_t downloaded_blocks = 0;
};

struct inflight_request {
  uint64_t index = 0;
  bool hash = false;
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
