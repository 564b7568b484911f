#pragma once
// The feed actor's side of replication extensions (private to actors/): which extension actor
// serves which name, which peers have joined, and the routing between the replicator's
// extension events and the extension actors (protocol in messages/extension_messages.hpp).
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include <caf/result.hpp>
#include <caf/system_messages.hpp>

#include "messages/extension_messages.hpp"
#include "messages/feed_actor.hpp"
#include "protocol/replicator.hpp"

namespace ddb::detail {

struct feed_state;
using self_ptr = feed_actor::stateful_pointer<feed_state>;

struct feed_extensions {
  std::map<std::string, extension_actor> by_name;
  std::map<uint64_t, peer_info> peers;  // attached peers
  std::set<uint64_t> joined;            // peers whose channel is open both ways
};

caf::result<void> register_extension(self_ptr self, const std::string& name, extension_actor ext);
caf::result<void> unregister_extension(self_ptr self, const std::string& name);
void send_extension(self_ptr self, const std::string& name, uint64_t peer, const byte_buffer& b);
void broadcast_extension(self_ptr self, const std::string& name, const byte_buffer& b);
// A peer attached (remembered for join notices).
void extension_peer_attached(self_ptr self, uint64_t peer, const peer_info& info);
// Routes extension messages and peer open/remove to extension actors. True if `e` was an
// extension message (consumed: not a feed event).
bool extension_event(self_ptr self, const replication::replicator_event& e);
// The feed's length changed: every extension actor hears it.
void extension_feed_changed(self_ptr self);
// An extension actor exited: drop its names.
void extension_down(self_ptr self, const caf::down_msg& m);
// The feed closes: every joined peer leaves.
void extensions_close(self_ptr self);

}  // namespace ddb::detail
