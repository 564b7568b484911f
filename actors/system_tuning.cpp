#include "actors/system_tuning.hpp"

#include <cstddef>

namespace ddb {

void tune_actor_system(caf::actor_system_config& cfg) {
  cfg.set("work-stealing.moderate-poll-attempts", size_t{0});
}

}  // namespace ddb
