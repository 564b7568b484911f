#pragma once
// The swarm actor: one per node. For every discovery key it joined it keeps the addresses that
// discovery found and the connections (peer actors) that carry the feed; it dials and accepts
// through an injected transport, asks injected discovery backends, and keeps ONE connection per
// remote node (identified by its Noise static key) that carries every feed both sides share.
//
//  - Dials: an address found for a joined key is dialled when the feed has fewer than
//    max_peers_per_feed peers and the node fewer than max_peers connections; a failed dial is
//    retried after reconnect_min * 2^(failures-1), capped at reconnect_max; a connection that
//    ends is redialled after the same backoff (while some joined key still wants the address),
//    `failures` counting every dial and connection since a feed last opened on that remote, so
//    a remote that refuses us at the handshake is redialled ever more slowly, and one that
//    replicated is redialled after reconnect_min.
//  - Refusals: a feed whose channel the remote closed before opening it (it refused the feed:
//    a per-feed allow list, or it does not have it), or that our allow list refused, is not
//    asked for again on that remote before reconnect_min * 2^(refusals-1), capped at
//    reconnect_max; the count restarts when the feed opens with that remote.
//  - Forget (static peers removed by a reload): the addresses are dropped, and the connections
//    we dialled to them end ("static peer removed", no ban) unless another known address leads
//    to the same remote; connections the remote dialled stay.
//  - Duplicates: when a second connection to the same remote completes its handshake, both
//    nodes keep the one whose initiator has the lower Noise key (the older one if the same node
//    initiated both) and drop the other; its feeds are opened on the kept one.
//  - Bans: a peer actor that ends with "protocol error..." or "kicked..." (a feed actor caught
//    the remote misbehaving) bans the remote key, the dialled address and the remote's IP for
//    `ban`; a banned remote's new connections are dropped after the handshake, banned addresses
//    are not dialled, and connections from a banned IP are refused at accept (by the transport
//    when it shares `bans`, else here), so a fresh key from the same address gets nowhere.
//  - Limits (net/connection_limits.hpp): max_peers counts dials and connections whose handshake
//    completed (or that we dialled); accepted connections still in their handshake are limited
//    by limits.max_handshakes instead, a new one evicting the oldest, so handshake-less
//    connections never take the slots of honest peers. An accept while max_peers handshaken
//    peers are connected is closed; an accepted connection that completes its handshake when
//    max_peers are connected is dropped. `counters` (shared with the transport and the peer
//    actors) count what was refused; stats report them.
//  - Itself (our own key or listen address) is never kept nor redialled.
//  - Discovery lookups repeat every lookup_min, doubling up to lookup_max while the feed has
//    peers (back to lookup_min when it has none); announces start once we listen.
//
// Time only through CAF's clock (delayed messages), no threads, no asio: the simulator drives
// the same actor over a simulated transport on the test coordinator. Messages:
// messages/swarm_messages.hpp.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include "core/types.hpp"
#include "messages/swarm_messages.hpp"
#include "net/connection_limits.hpp"
#include "net/transport.hpp"
#include "swarm/discovery.hpp"

namespace ddb {

// Spawns the peer actor for a connection: `feeds` are the discovery keys to open at once and
// `observer` (the swarm actor) must receive its notices (actors/peer_actor.hpp).
using peer_spawner =
    std::function<caf::actor(connection_ptr conn, std::vector<hash_t> feeds, caf::actor observer)>;

struct swarm_options {
  public_key self_key{};                             // our Noise static public key
  transport* net = nullptr;                          // borrowed, required; must outlive the actor
  std::vector<std::shared_ptr<discovery>> backends;  // discovery, shared with the node
  peer_spawner spawn_peer;                           // required
  caf::actor observer;                               // optional: swarm_event notices
  uint64_t max_peers_per_feed = 16;
  uint64_t max_peers = 64;
  caf::timespan reconnect_min = std::chrono::milliseconds(200);
  caf::timespan reconnect_max = std::chrono::seconds(10);
  caf::timespan ban = std::chrono::seconds(60);
  caf::timespan lookup_min = std::chrono::milliseconds(500);
  caf::timespan lookup_max = std::chrono::seconds(15);
  caf::timespan stop_timeout = std::chrono::seconds(3);  // waiting for peers to close
  connection_limits limits;                              // max_handshakes is used here
  std::shared_ptr<connection_counters> counters;         // null: the actor makes its own
  std::shared_ptr<address_bans> bans;                    // optional: the transport's ban list
};

// REQUIRES: options.net and options.spawn_peer are set.
caf::actor spawn_swarm_actor(caf::actor_system& sys, swarm_options options);

}  // namespace ddb
