#pragma once
// The storage actor: the blocking file writes of one feed (messages/storage_actor.hpp). Its feed
// actor owns the engine, the ordering and all visibility; it hands each prepared write batch to
// this actor and announces the batch's blocks (Have, acks, append replies and events) only
// after the reply. Writes happen in the order received; after a failed write the rest of that
// generation is refused with the same error, so no later bitfield page can make the failed
// batch visible. The actor shares the feed's files with the engine, whose reads meanwhile take
// feed_files' lock.
#include <memory>

#include <caf/actor_system.hpp>

#include "messages/storage_actor.hpp"
#include "storage/feed_files.hpp"

namespace ddb {

struct storage_actor_state {
  std::shared_ptr<feed_files> files;
  bool failed = false;
  uint64_t failed_generation = 0;
  status failure;
  uint64_t batches_written = 0;
  static inline const char* name = "ddb.storage";
};

using storage_self = storage_actor::stateful_pointer<storage_actor_state>;

storage_actor::behavior_type storage_behavior(storage_self self, std::shared_ptr<feed_files> files);

}  // namespace ddb
