#pragma once
// The contract between a peer actor (one per connection) and the feed actors it replicates.
//
// peer actor -> feed actor
//   (ddb_attach_atom, caf::actor peer, uint64_t peer_id, peer_info)   -> void
//       our side of the channel for this feed is open on `peer`'s connection.
//   (ddb_ropen_atom, uint64_t peer_id)                                  (no reply)
//       the remote opened the channel too and its capability verified.
//   (ddb_wire_atom, uint64_t peer_id, wire_frames)                     (no reply)
//       decoded frames of this feed's channel, in arrival order (types 1..9 and 15).
//   (ddb_detach_atom, uint64_t peer_id, std::string reason)             (no reply)
//       the channel or the connection ended.
// feed actor -> peer actor
//   (ddb_send_atom, hash_t discovery_key, wire_frames)                  (no reply)
//       frames to send on this feed's channel, in order.
//   (ddb_end_atom, hash_t discovery_key)                                (no reply)
//       this feed is done with the channel (one-shot sync complete): send Close for it.
//   (ddb_kick_atom, hash_t discovery_key, std::string reason)          (no reply)
//       the remote misbehaved on this feed (bad proof, bad signature, ...): drop the connection.
// swarm actor -> peer actor
//   (ddb_open_atom, hash_t discovery_key)                               (no reply)
//       open our channel for this registered feed too (one connection carries every common feed).
// net host -> its ban keeper (node/ban_keeper.hpp)
//   (ddb_peer_atom, caf::actor peer, std::string host, bool inbound)    (no reply)
//       a peer actor was started for a connection from (inbound) or to `host` (the remote IP).
//   (ddb_kick_atom, caf::actor peer, std::string reason)                (no reply)
//       drop that peer for a reason of ours (not the remote misbehaving): no ban.
#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include "core/types.hpp"
#include "protocol/peer_info.hpp"

namespace ddb {

using ddb_attach_atom = caf::atom_constant<caf::atom("ddb_attach")>;
using ddb_ropen_atom = caf::atom_constant<caf::atom("ddb_ropen")>;
using ddb_wire_atom = caf::atom_constant<caf::atom("ddb_wire")>;
using ddb_detach_atom = caf::atom_constant<caf::atom("ddb_detach")>;
using ddb_send_atom = caf::atom_constant<caf::atom("ddb_send")>;
using ddb_end_atom = caf::atom_constant<caf::atom("ddb_end")>;
using ddb_kick_atom = caf::atom_constant<caf::atom("ddb_kick")>;
constexpr ddb_attach_atom ddb_attach_atom_v{};
constexpr ddb_ropen_atom ddb_ropen_atom_v{};
constexpr ddb_wire_atom ddb_wire_atom_v{};
constexpr ddb_detach_atom ddb_detach_atom_v{};
constexpr ddb_send_atom ddb_send_atom_v{};
constexpr ddb_end_atom ddb_end_atom_v{};
constexpr ddb_kick_atom ddb_kick_atom_v{};
using ddb_open_atom = caf::atom_constant<caf::atom("ddb_open")>;
constexpr ddb_open_atom ddb_open_atom_v{};
using ddb_peer_atom = caf::atom_constant<caf::atom("ddb_peer")>;
constexpr ddb_peer_atom ddb_peer_atom_v{};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_frame& x) {
  return f(caf::meta::type_name("wire_frame"), x.type, x.body);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_info& x) {
  return f(caf::meta::type_name("peer_info"), x.remote_public_key, x.remote_address, x.initiator,
           x.live, x.ack, x.download, x.upload);
}

}  // namespace ddb
