#pragma once
// Spawning the feed actor: one per open feed; it owns the `feed` engine and is its only caller.
// Run it `detached` in production (its storage I/O then never blocks the cooperative scheduler);
// the simulator spawns it on the deterministic test coordinator instead.
#include <memory>

#include <caf/actor_system.hpp>

#include "log/feed.hpp"
#include "replication/replicator.hpp"
#include "messages/feed_actor.hpp"

namespace ddb {

struct feed_actor_options {
  bool detached = true;
  size_t max_append_batch = 4096;  // blocks grouped into one signed batch at most
  replication::replicator_options replication;  // sparse, pipelining depth, write hook
};

// Takes ownership of an open feed.
feed_actor spawn_feed_actor(caf::actor_system& sys, std::unique_ptr<feed> f,
                            feed_actor_options opts = {});

}  // namespace ddb
