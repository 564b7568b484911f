#pragma once
// A planted bug for the simulator's self-tests: an env whose files acknowledge sync() without
// syncing, so a crash loses "durable" writes. The durability invariant must catch it.
#include <memory>

#include "storage/env.hpp"

namespace ddb::sim {

std::unique_ptr<env> make_lying_env(std::unique_ptr<env> base);

}  // namespace ddb::sim
