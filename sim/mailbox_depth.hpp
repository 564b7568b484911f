// How many messages wait in an actor's mailbox, for the simulator's queue checker.
#pragma once

#include <cstddef>

#include <caf/actor.hpp>

namespace caf {
class scheduled_actor;
}

namespace ddb::sim {

// Messages queued for `a`; 0 for a null handle, an idle (blocked) or closed mailbox, and for an
// actor that is not a scheduled actor.
size_t mailbox_depth(const caf::actor& a);
// The same for an actor the run loop is about to run (scheduled, so its mailbox is not blocked).
size_t mailbox_depth(caf::scheduled_actor* a);

}  // namespace ddb::sim
