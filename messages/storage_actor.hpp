#pragma once
// The storage actor's typed interface: one per open feed, spawned and linked by its feed actor
// (actors/storage_actor.hpp). It writes the write batches the feed engine prepared, in the order
// it receives them, each in the crash-safe order of feed_files::write (data, tree, signatures,
// then the journaled bitfield that makes the batch's blocks visible). Messages stay local.
#include <cstdint>
#include <memory>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"
#include "storage/feed_files.hpp"

namespace ddb {

// One prepared batch. The batch is shared, not copied: the engine keeps serving reads from it
// until the reply, and does not change it before then.
struct storage_write {
  uint64_t sequence = 0;  // the feed actor's count of batches sent, echoed in the reply
  // After a failed write the storage actor refuses every later batch of the same generation
  // (their bitfield pages would make the failed batch's blocks visible); the feed actor starts
  // a new generation once it has rolled the failed batch back.
  uint64_t generation = 0;
  std::shared_ptr<const write_batch> batch;
};

using storage_actor = caf::typed_actor<
    // write a batch -> its sequence number, once it is written (errc in a caf::error otherwise)
    caf::replies_to<ddb_write_atom, storage_write>::with<uint64_t>>;

}  // namespace ddb

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ddb::storage_write)
