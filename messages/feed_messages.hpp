#pragma once
// Payloads of the feed actor's messages (local only: never serialized).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/types.hpp"

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

enum class feed_event_type : uint8_t { append = 0, close = 1, clear = 2 };

struct feed_event {
  feed_event_type type = feed_event_type::append;
  uint64_t length = 0;
  uint64_t byte_length = 0;
};

// "The latest block" where an index is expected.
inline constexpr uint64_t latest_index = UINT64_MAX;

using block_list = std::vector<byte_buffer>;
using node_list = std::vector<tree_node>;

}  // namespace ddb
