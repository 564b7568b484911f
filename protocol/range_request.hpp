#pragma once
// What to download: the replicator's selection request, also the feed actor's download message
// (messages/feed_messages.hpp download_request).
#include <cstdint>
#include <vector>

namespace ddb::replication {

struct range_request {
  uint64_t start = 0;
  uint64_t end = UINT64_MAX;  // exclusive; UINT64_MAX = to the end of the feed, following it
  bool linear = false;
  std::vector<uint64_t> blocks;  // explicit block list (start/end ignored when non-empty)
};

}  // namespace ddb::replication
