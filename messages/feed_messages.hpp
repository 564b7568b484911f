#pragma once
// Payloads of the feed actor's messages (local only: never serialized).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/errc.hpp"
#include "core/types.hpp"
#include "protocol/limits.hpp"
#include "protocol/range_request.hpp"
#include "protocol/transfer_stats.hpp"

namespace ddb {

struct get_options {
  bool wait = true;         // wait for a block that is not stored yet
  uint32_t timeout_ms = 0;  // 0 = wait forever
};

struct feed_info {
  public_key key{};
  hash_t discovery_key{};
  uint64_t length = 0;
  uint64_t byte_length = 0;
  uint64_t downloaded = 0;  // stored blocks in [0, length)
  bool writable = false;
  bool readable = false;
};

struct signature_reply {
  uint64_t index = 0;
  signature_t signature{};
};

struct seek_reply {
  uint64_t index = 0;
  uint64_t offset = 0;
};

struct audit_reply {
  uint64_t valid = 0;
  uint64_t invalid = 0;
};

enum class feed_event_type : uint8_t {
  append = 0,  // the length grew (local append or a verified remote length)
  close = 1,
  clear = 2,
  download = 3,  // block `index` (`bytes`) was downloaded from `peer`
  upload = 4,    // block `index` (`bytes`) was uploaded to `peer`
  sync = 5,      // every block of [0, length) is stored
  peer_add = 6,
  peer_remove = 7,
  peer_open = 8,
  ack = 9,     // `peer` acknowledged writing block `index`
  error = 10,  // a critical error (`code`, `message`): the feed stopped replicating and closes
};

struct feed_event {
  feed_event_type type = feed_event_type::append;
  uint64_t length = 0;
  uint64_t byte_length = 0;
  uint64_t index = 0;
  uint64_t bytes = 0;
  uint64_t peer = 0;
  errc code = errc::ok;  // error: what failed (a stable code) and its one-line message
  std::string message;
};

// A range to download (the seed API's download()): the replicator's own request.
using download_request = replication::range_request;

struct update_request {
  uint64_t min_length = 0;    // 0 = current length + 1
  bool if_available = false;  // fail instead of waiting when no peer can update us
  uint32_t timeout_ms = 0;
};

struct peer_stats {
  uint64_t peer = 0;
  uint64_t remote_length = 0;
  replication::transfer_stats counts;
  public_key remote_public_key{};  // the remote's Noise static key (zero without Noise)
  std::string remote_address;
};

struct feed_stats {
  replication::transfer_stats totals;
  std::vector<peer_stats> peers;
  replication::abuse_stats abuse;  // what remote peers tried to make the feed spend
};

// "The latest block" where an index is expected.
inline constexpr uint64_t latest_index = UINT64_MAX;

using block_list = std::vector<byte_buffer>;
using node_list = std::vector<tree_node>;

}  // namespace ddb
