#pragma once
// The simulator's own actors: observers (subscribed to a feed actor's events), writers
// (append batches at the workload's rate and record acknowledgements), sparse readers (random
// gets, compared with the oracle), and the tamper proxy of an adversarial node (sits between
// its production peer actors and its production feed actor and corrupts outgoing Data).
#include <cstdint>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "sim/core.hpp"
#include "sim/scenario.hpp"

namespace ddb::sim {

class world;

caf::actor spawn_observer(caf::actor_system& sys, world* w, int n, int f, uint64_t inc,
                          caf::actor feed);
caf::actor spawn_writer(caf::actor_system& sys, world* w, int n, int f, uint64_t inc,
                        caf::actor feed, const workload_spec& load, bool fork);
caf::actor spawn_reader(caf::actor_system& sys, world* w, int n, int f, uint64_t inc,
                        caf::actor feed, const workload_spec& load);
// Registered in the adversary's feed registry in place of the feed actor.
caf::actor spawn_tamper_proxy(caf::actor_system& sys, caf::actor feed, adversary_kind kind,
                              uint64_t seed);

}  // namespace ddb::sim
