#pragma once
// The peer actor: one per connection, a thin shell around replication::session. It owns the
// connection (net/transport.hpp), runs the handshake, maps channels to feed actors through a
// feed_registry and relays frames both ways (the contract: messages/peer_messages.hpp).
//
// Messages it handles (dynamically typed; feed actors send with their caf::actor handle):
//   (ddb_recv_atom, byte_buffer) / (ddb_down_atom, std::string)   from the connection
//   (ddb_send_atom, hash_t dkey, wire_frames)                      encode, encrypt, one write
//   (ddb_end_atom, hash_t dkey)                                    Close that channel; when no
//        channel is left and the peer is not live, the connection is closed
//   (ddb_kick_atom, hash_t dkey, std::string reason)               drop the connection
//   (ddb_open_atom, hash_t dkey)                                   open our channel for a feed
//        of the registry too (after the handshake; queued before it)
//
// Life cycle: attach the connection, handshake, authenticate(remote static key) (refusal closes
// before the "handshake" notice),
// open our channel for each of `feeds_to_open`. When the remote opens a channel for a feed in the
// registry and its capability verifies, open ours (if not yet), attach the feed actor (request
// (ddb_attach_atom, self, peer_id, peer_info), waiting for its reply), then (ddb_ropen_atom,
// peer_id). A capability that does not verify gets a Close and the feed is never attached (or is
// detached, if we had opened first); a discovery key not in the registry gets a Close. Frames of
// an attached channel go to its feed actor as one (ddb_wire_atom, peer_id, wire_frames) per feed
// per received chunk, in order; frames that arrive while the attach is pending are held (up to
// 32 MiB, more is a protocol error). A remote Close detaches that feed. A protocol error, a kick,
// a timeout or the connection going down detaches every feed (ddb_detach_atom, peer_id, reason),
// closes the connection and quits.
//
// Keep-alive runs on CAF's clock (delayed messages), never the wall clock: a keep-alive frame
// goes out when nothing was sent for `keep_alive` (at most 1.5x it), and the connection ends
// with "timeout" when nothing was received for 2x `keep_alive`.
//
// Handshake deadline, also on CAF's clock: a connection whose handshake has not completed
// `handshake_timeout` after the actor started ends with "handshake timeout" (and
// counters->handshake_timeouts counts it), so a peer that connects and stays silent, or drips
// bytes, cannot hold the connection. 0 disables it.
//
// Observer notices, (ddb_event_atom, std::string): "handshake <remote-static-key-hex>",
// "open <dkey-hex>", "end <dkey-hex>" (the remote closed that channel),
// "refused <dkey-hex>: <why>" (why: "unknown feed", "not in the registry", "not allowed" (by
// may_replicate), "bad capability", "attach failed: ..."), "closed: <reason>".
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include "actors/feed_registry.hpp"
#include "core/types.hpp"
#include "net/connection_limits.hpp"
#include "net/transport.hpp"
#include "protocol/session.hpp"

namespace ddb {

struct peer_actor_options {
  // Keys, nonce and RNG of the session (injected). `initiator` is taken from the connection.
  replication::session_options session;
  std::shared_ptr<feed_registry> registry;  // required
  std::vector<hash_t> feeds_to_open;        // discovery keys we open at once (e.g. a clone)
  // Sent to each feed in peer_info.
  bool live = false;
  bool ack = false;
  bool download = true;
  bool upload = true;
  caf::timespan keep_alive = std::chrono::seconds(10);
  caf::timespan handshake_timeout = std::chrono::seconds(10);  // 0: none
  std::shared_ptr<connection_counters> counters;               // optional
  // Called once with the remote's Noise static key after the handshake; false ends the
  // connection. Runs inside the actor: keep it short and thread-safe.
  // A refusal is what the reference does for an `onauthenticate` refusal: nothing more is
  // written (not even our last handshake message) and the connection is closed.
  std::function<bool(const public_key& remote_static)> authenticate;
  // Called before a channel opens (ours or the remote's) with its discovery key; false refuses
  // that feed as if it were not in the registry (the remote's Open gets a Close). Optional.
  std::function<bool(const hash_t& dkey, const public_key& remote_static)> may_replicate;
  caf::actor observer;  // optional
  // The id feeds and extensions know this peer by; 0 = next_peer_id(). The simulator numbers
  // peers per run, so that runs of one seed in one process see the same ids.
  uint64_t id = 0;
};

// True when a peer actor's "closed: <reason>" says the remote misbehaved: a protocol error, or a
// kick from a feed (bad proof, bad signature, invalid requests, ...). A feed that dropped the
// peer for not answering in time ("kicked (...): request timeout") says nothing about its honesty,
// nor does a timeout, a refused authentication or the connection going down. The owner of the
// peer actors (the swarm actor, the net host) bans the remote for it.
bool closed_for_misbehaviour(const std::string& reason);

// A process-unique peer id (an atomic counter).
uint64_t next_peer_id();

// Spawns the peer actor for `conn` and attaches the connection to it. REQUIRES: conn and
// options.registry are set; the connection was not attached before.
caf::actor spawn_peer_actor(caf::actor_system& sys, connection_ptr conn,
                            peer_actor_options options);

}  // namespace ddb
