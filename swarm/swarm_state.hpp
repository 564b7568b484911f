#pragma once
// Private to swarm/swarm_actor.cpp and swarm/swarm_peers.cpp: the swarm actor's state (the
// connection table) and its helpers. Everything here runs inside the actor.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include <caf/actor_clock.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "net/peer_bans.hpp"
#include "swarm/swarm_actor.hpp"

namespace ddb::swarm_detail {

using time_point = caf::actor_clock::time_point;

// One live peer actor (a connection), dialled or accepted.
struct conn_entry {
  caf::actor peer;
  uint64_t serial = 0;  // order of creation: the older of two duplicates has the lower one
  std::string address;  // the address we dialled; empty when accepted
  std::string host;     // the remote IP (from the connection)
  bool initiator = false;
  bool handshaken = false;
  public_key remote{};
  bool dropping = false;       // we dropped it: no ban, no redial, no "disconnected"
  bool kicked = false;         // the kick was sent
  std::set<hash_t> requested;  // channels we opened or were asked to open
  std::set<hash_t> open;       // channels open both ways
};

// An address discovery found.
struct addr_entry {
  std::set<hash_t> dkeys;  // the joined keys it was found for
  caf::actor peer;         // the connection serving it (dialled, or the same remote's)
  std::optional<public_key> remote;
  bool dialing = false;
  bool retry_pending = false;
  bool self = false;  // it is us
  uint64_t failures = 0;
  time_point banned_until{};
};

// A feed a remote refused to open with us (or we with it): not asked again before `until`.
struct refusal {
  uint64_t count = 0;  // refusals in a row
  time_point until{};
};

struct swarm_entry {
  caf::timespan lookup_delay{};
  uint64_t generation = 0;  // of its lookup timer chain
};

struct swarm_state {
  swarm_options opts;
  std::map<caf::actor, conn_entry> conns;
  std::map<public_key, caf::actor> by_remote;  // the kept connection per remote node
  std::map<std::string, addr_entry> addrs;
  std::map<hash_t, swarm_entry> swarms;
  std::map<std::pair<public_key, hash_t>, refusal> refusals;  // (remote, dkey)
  peer_bans bans;  // remote keys and IPs (shares opts.bans with the transport)
  std::string listen_address;
  uint16_t port = 0;
  uint64_t next_serial = 1;
  uint64_t next_generation = 1;
  uint64_t dialing = 0;
  bool stopping = false;
  std::optional<caf::response_promise> stop_promise;
  static inline const char* name = "ddb.swarm";
};

using self_ptr = caf::stateful_actor<swarm_state>*;

inline time_point now(self_ptr self) {
  return self->clock().now();
}

inline void emit(self_ptr self, swarm_event ev) {
  if (self->state.opts.observer) self->send(self->state.opts.observer, ddb_event_atom_v, ev);
}

// Connections on which `dkey` is open (or being opened), not counting dropped ones.
inline uint64_t feed_peers(const swarm_state& st, const hash_t& dkey) {
  uint64_t n = 0;
  for (const auto& kv : st.conns) {
    if (!kv.second.dropping && kv.second.requested.count(dkey) > 0) ++n;
  }
  return n;
}

// An accepted connection still in its handshake: it does not count against max_peers.
inline bool handshaking(const conn_entry& c) {
  return !c.dropping && !c.initiator && !c.handshaken;
}

// Dials and connections that count against max_peers.
inline uint64_t live_conns(const swarm_state& st) {
  uint64_t n = st.dialing;
  for (const auto& kv : st.conns) n += kv.second.dropping || handshaking(kv.second) ? 0 : 1;
  return n;
}

inline bool host_banned(self_ptr self, const std::string& host) {
  return self->state.bans.host_banned(host, now(self));
}

inline bool key_banned(self_ptr self, const public_key& key) {
  return self->state.bans.key_banned(key, now(self));
}

// Exponential backoff: min * 2^(failures-1), capped at max.
inline caf::timespan backoff(caf::timespan min, caf::timespan max, uint64_t failures) {
  caf::timespan d = min;
  for (uint64_t i = 1; i < failures && d < max; ++i) d *= 2;
  return std::min(d, max);
}

// swarm_peers.cpp: connections.
void service_address(self_ptr self, const std::string& address);
void service_all(self_ptr self);
void on_dialed(self_ptr self, const std::string& address, connection_ptr conn);
void on_dial_failed(self_ptr self, const std::string& address, const std::string& why);
void on_accept(self_ptr self, connection_ptr conn);
void forget(self_ptr self, const std::vector<std::string>& addresses);
void on_notice(self_ptr self, const caf::actor& peer, const std::string& text);
void on_closed(self_ptr self, const caf::actor& peer, const std::string& reason);
void drop(self_ptr self, conn_entry& c, const std::string& reason);
void unban_host(self_ptr self, const std::string& host);

}  // namespace ddb::swarm_detail
