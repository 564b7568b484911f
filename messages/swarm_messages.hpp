#pragma once
// The swarm actor's messages (swarm/swarm_actor.hpp), dynamically typed.
//
// from the node (or a test)
//   (ddb_listen_atom, std::string address)  -> std::string bound   listen through the transport
//   (ddb_join_atom, hash_t dkey)                                    announce, look up, connect
//   (ddb_leave_atom, hash_t dkey)                                   stop announcing, end channels
//   (ddb_forget_atom, std::vector<std::string> addresses)           static peers removed: no more
//        dials to them, and the connections we dialled to them end (unless a known address
//        still leads to that remote)
//   (ddb_sstat_atom)                        -> swarm_stats
//   (ddb_stop_atom)                         -> void   drop every connection, then quit
// from the transport and discovery threads (anon_send)
//   (ddb_accept_atom, connection_ptr)
//   (ddb_dialed_atom, std::string address, connection_ptr)
//   (ddb_dialerr_atom, std::string address, std::string why)
//   (ddb_found_atom, hash_t dkey, std::vector<std::string> addresses)
// to the observer
//   (ddb_event_atom, swarm_event)
#include <cstdint>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include "core/types.hpp"
#include "net/transport.hpp"

namespace ddb {

using ddb_listen_atom = caf::atom_constant<caf::atom("ddb_listen")>;
using ddb_join_atom = caf::atom_constant<caf::atom("ddb_join")>;
using ddb_leave_atom = caf::atom_constant<caf::atom("ddb_leave")>;
using ddb_forget_atom = caf::atom_constant<caf::atom("ddb_forget")>;
using ddb_sstat_atom = caf::atom_constant<caf::atom("ddb_sstat")>;
using ddb_stop_atom = caf::atom_constant<caf::atom("ddb_stop")>;
using ddb_accept_atom = caf::atom_constant<caf::atom("ddb_accept")>;
using ddb_dialed_atom = caf::atom_constant<caf::atom("ddb_dialed")>;
using ddb_dialerr_atom = caf::atom_constant<caf::atom("ddb_dialer")>;
using ddb_found_atom = caf::atom_constant<caf::atom("ddb_found")>;
// Internal timers of the swarm actor.
using ddb_retry_atom = caf::atom_constant<caf::atom("ddb_retry")>;
using ddb_lookup_atom = caf::atom_constant<caf::atom("ddb_lookup")>;
using ddb_stopped_atom = caf::atom_constant<caf::atom("ddb_stoppd")>;

constexpr ddb_listen_atom ddb_listen_atom_v{};
constexpr ddb_join_atom ddb_join_atom_v{};
constexpr ddb_leave_atom ddb_leave_atom_v{};
constexpr ddb_forget_atom ddb_forget_atom_v{};
constexpr ddb_sstat_atom ddb_sstat_atom_v{};
constexpr ddb_stop_atom ddb_stop_atom_v{};
constexpr ddb_accept_atom ddb_accept_atom_v{};
constexpr ddb_dialed_atom ddb_dialed_atom_v{};
constexpr ddb_dialerr_atom ddb_dialerr_atom_v{};
constexpr ddb_found_atom ddb_found_atom_v{};
constexpr ddb_retry_atom ddb_retry_atom_v{};
constexpr ddb_lookup_atom ddb_lookup_atom_v{};
constexpr ddb_stopped_atom ddb_stopped_atom_v{};

enum class swarm_event_type : uint8_t {
  listening = 0,     // address: the bound address
  connected = 1,     // a remote node joined (handshake done, not a duplicate)
  disconnected = 2,  // it left; detail: the reason
  feed_open = 3,     // dkey is replicating with remote
  dial_failed = 4,   // address, detail: why; count: failures in a row
  banned = 5,        // remote (and address) banned; detail: the reason
  duplicate = 6,     // a second connection to remote was dropped
};

struct swarm_event {
  swarm_event_type type = swarm_event_type::connected;
  std::string address;
  public_key remote{};
  hash_t dkey{};
  std::string detail;
  uint64_t count = 0;
};

struct swarm_feed_stats {
  hash_t dkey{};
  uint64_t peers = 0;      // connections on which the feed's channel is open both ways
  uint64_t addresses = 0;  // addresses discovery found for it
};

struct swarm_stats {
  uint64_t connections = 0;  // live peer actors (including ones still in the handshake)
  uint64_t remotes = 0;      // distinct remote nodes
  uint64_t dialing = 0;
  uint64_t banned = 0;  // remote keys and addresses banned right now
  std::vector<swarm_feed_stats> feeds;
  uint64_t handshaking = 0;  // accepted connections still in their handshake
  // Connection limits (net/connection_limits.hpp), counted since the node started.
  uint64_t accept_errors = 0;
  uint64_t handshake_timeouts = 0;
  uint64_t handshakes_evicted = 0;
  uint64_t refused_over_cap = 0;
  uint64_t refused_per_address = 0;
  uint64_t refused_banned = 0;
};

inline std::string to_string(swarm_event_type type) {
  switch (type) {
    case swarm_event_type::listening:
      return "listening";
    case swarm_event_type::connected:
      return "connected";
    case swarm_event_type::disconnected:
      return "disconnected";
    case swarm_event_type::feed_open:
      return "feed_open";
    case swarm_event_type::dial_failed:
      return "dial_failed";
    case swarm_event_type::banned:
      return "banned";
    case swarm_event_type::duplicate:
      return "duplicate";
  }
  return "unknown";
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, swarm_event& x) {
  return f(caf::meta::type_name("swarm_event"), x.type, x.address, x.remote, x.dkey, x.detail,
           x.count);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, swarm_feed_stats& x) {
  return f(caf::meta::type_name("swarm_feed_stats"), x.dkey, x.peers, x.addresses);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, swarm_stats& x) {
  return f(caf::meta::type_name("swarm_stats"), x.connections, x.remotes, x.dialing, x.banned,
           x.feeds, x.handshaking, x.accept_errors, x.handshake_timeouts, x.handshakes_evicted,
           x.refused_over_cap, x.refused_per_address, x.refused_banned);
}

}  // namespace ddb

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ddb::connection_ptr)
