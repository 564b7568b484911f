#pragma once
// What a feed's replicator has sent and received, in total or with one peer. The feed actor
// reports it as is (messages/feed_messages.hpp feed_stats).
#include <cstdint>

namespace ddb::replication {

struct transfer_stats {
  uint64_t uploaded_bytes = 0;
  uint64_t uploaded_blocks = 0;
  uint64_t downloaded_bytes = 0;
  uint64_t downloaded_blocks = 0;
};

}  // namespace ddb::replication
