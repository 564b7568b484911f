// The CAF settings ddatabase runs best with, in one place for the CLI and for programs that embed
// the library in their own actor_system (docs/library.md).
#pragma once

#include <caf/actor_system_config.hpp>

namespace ddb {

// Applies the settings to `cfg` before the actor_system is made from it:
// - work-stealing.moderate-poll-attempts = 0. CAF's idle workers poll their queue, then sleep
//   50 us between polls 500 times before they block on a condition variable that an enqueue
//   wakes at once. Every hop of an awaited request (client -> feed actor -> peer actor ...)
//   could land in those sleeps; skipping the sleeping phase doubled awaited appends
//   (8-11k/s -> 18k/s) at no cost when busy.
// Settings already made on `cfg` other than these are left alone.
void tune_actor_system(caf::actor_system_config& cfg);

}  // namespace ddb
