#pragma once
// The net host's ban keeper: the observer of every peer actor a net_host starts (`serve`,
// `clone`, `cat --peer`), which bans remotes that misbehave as the swarm actor does for `node`.
// A peer actor that ends with "protocol error..." or "kicked..." (closed_for_misbehaviour,
// actors/peer_actor.hpp) bans the remote's Noise key and its host (IP) for `ban`
// (net/peer_bans.hpp): the host goes into `bans`, which the transport checks at accept, so a
// fresh key from the same address is refused (refused_banned); a banned key that connects from
// elsewhere is dropped after its handshake (refused_banned too). Connections the host dialled
// are never refused: the user named that peer (a kicked one still gets banned for accepts). Bans
// end after `ban`, on CAF's clock (a delayed message). `ban` 0: nobody is banned.
//
// Every notice of the peers is passed on to `observer` with the peer as its sender (delegated),
// so that the host's own observer sees them as if it were theirs.
//
// Messages: the peers' notices (ddb_event_atom, std::string); from the net host
// (ddb_peer_atom, caf::actor peer, std::string host, bool inbound) for each peer it starts, and
// (ddb_kick_atom, caf::actor peer, std::string reason) for a peer it drops itself (never banned).
#include <memory>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include "net/connection_limits.hpp"

namespace ddb {

struct ban_keeper_options {
  caf::timespan ban = std::chrono::seconds(60);
  std::shared_ptr<address_bans> bans;             // required: the transport's, or the host's own
  std::shared_ptr<connection_counters> counters;  // required: bans, refused_banned
  caf::actor observer;                            // optional
};

// REQUIRES: options.bans and options.counters are set.
caf::actor spawn_ban_keeper(caf::actor_system& sys, ban_keeper_options options);

}  // namespace ddb
