// Counting a mailbox uses CAF 0.17.6's intrusive task_queue, which static_casts its list sentinel
// (a plain node) to the element type while walking (caf/intrusive/task_queue.hpp, promote()).
// UBSan's vptr check reports that cast as a downcast to a wrong dynamic type although the
// sentinel is never dereferenced as an element. The cast is instantiated in this file only, and
// this file alone is built with -fno-sanitize=vptr under DDB_SANITIZE (CMakeLists.txt), so the
// rest of the simulator keeps every check.
#include "sim/mailbox_depth.hpp"

#include <caf/actor_cast.hpp>
#include <caf/scheduled_actor.hpp>

namespace ddb::sim {

size_t mailbox_depth(const caf::actor& a) {
  if (!a) return 0;
  auto* sa = dynamic_cast<caf::scheduled_actor*>(caf::actor_cast<caf::abstract_actor*>(a));
  // size() moves messages out of the inbox, which must not happen to an idle (blocked) inbox:
  // its next message would no longer schedule the actor.
  if (sa == nullptr || sa->mailbox().blocked() || sa->mailbox().closed()) return 0;
  return sa->mailbox().size();
}

size_t mailbox_depth(caf::scheduled_actor* a) {
  if (a == nullptr || a->mailbox().blocked() || a->mailbox().closed()) return 0;
  return a->mailbox().size();
}

}  // namespace ddb::sim
