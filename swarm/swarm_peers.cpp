// The swarm actor's connection table: dials, accepts, handshakes, duplicates, bans, redials.
// See swarm_actor.hpp for the rules.
#include <algorithm>
#include <optional>
#include <set>
#include <vector>

#include <caf/all.hpp>

#include "actors/peer_actor.hpp"
#include "messages/atoms.hpp"
#include "messages/peer_messages.hpp"
#include "swarm/swarm_state.hpp"

namespace ddb::swarm_detail {

namespace {

bool joined(const swarm_state& st, const hash_t& dkey) {
  return st.swarms.count(dkey) > 0;
}

// Asks `c` to carry `dkey` too, unless it does or the feed has enough peers.
void open_on(self_ptr self, conn_entry& c, const hash_t& dkey) {
  auto& st = self->state;
  if (c.dropping || c.requested.count(dkey) > 0 || !joined(st, dkey)) return;
  if (feed_peers(st, dkey) >= st.opts.max_peers_per_feed) return;
  if (c.handshaken) {
    auto r = st.refusals.find({c.remote, dkey});
    if (r != st.refusals.end() && r->second.until > now(self)) return;  // asked again later
  }
  c.requested.insert(dkey);
  self->send(c.peer, ddb_open_atom_v, dkey);
}

// The joined keys of `e` that still want a peer.
std::vector<hash_t> wanted_keys(const swarm_state& st, const addr_entry& e) {
  std::vector<hash_t> out;
  for (const hash_t& k : e.dkeys) {
    if (joined(st, k) && feed_peers(st, k) < st.opts.max_peers_per_feed) out.push_back(k);
  }
  return out;
}

void schedule_retry(self_ptr self, const std::string& address, caf::timespan delay) {
  auto& e = self->state.addrs[address];
  if (e.retry_pending || e.self) return;
  e.retry_pending = true;
  self->delayed_send(self, delay, ddb_retry_atom_v, address);
}

void dial(self_ptr self, const std::string& address) {
  auto& st = self->state;
  st.addrs[address].dialing = true;
  ++st.dialing;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  st.opts.net->dial(address, [me, address](result<connection_ptr> conn) {
    if (conn)
      caf::anon_send(me, ddb_dialed_atom_v, address, std::move(*conn));
    else
      caf::anon_send(me, ddb_dialerr_atom_v, address, conn.error().to_string());
  });
}

conn_entry& add_conn(self_ptr self, connection_ptr conn, std::vector<hash_t> feeds,
                     const std::string& address) {
  auto& st = self->state;
  bool initiator = conn->initiator();
  std::string host = address_host(conn->remote_address());
  caf::actor peer = st.opts.spawn_peer(std::move(conn), feeds, caf::actor_cast<caf::actor>(self));
  self->monitor(peer);
  conn_entry& c = st.conns[peer];
  c.peer = peer;
  c.serial = st.next_serial++;
  c.address = address;
  c.initiator = initiator;
  c.host = std::move(host);
  c.requested.insert(feeds.begin(), feeds.end());
  return c;
}

// The key of the node that initiated `c`.
const public_key& initiator_key(const swarm_state& st, const conn_entry& c) {
  return c.initiator ? st.opts.self_key : c.remote;
}

// True when `a` should be kept rather than `b` (both to the same remote).
bool preferred(const swarm_state& st, const conn_entry& a, const conn_entry& b) {
  const public_key& ka = initiator_key(st, a);
  const public_key& kb = initiator_key(st, b);
  if (ka != kb) return ka < kb;
  return a.serial < b.serial;
}

// Points every address of `remote` at `peer` and opens their keys on it.
void adopt_addresses(self_ptr self, conn_entry& c) {
  auto& st = self->state;
  for (auto& kv : st.addrs) {
    addr_entry& e = kv.second;
    if (!e.remote || *e.remote != c.remote) continue;
    e.peer = c.peer;
    for (const hash_t& k : e.dkeys) open_on(self, c, k);
  }
}

void on_handshake(self_ptr self, conn_entry& c, const public_key& remote) {
  auto& st = self->state;
  c.handshaken = true;
  c.remote = remote;
  auto dialled = c.address.empty() ? st.addrs.end() : st.addrs.find(c.address);
  if (dialled != st.addrs.end()) dialled->second.remote = remote;
  if (remote == st.opts.self_key) {
    if (dialled != st.addrs.end()) dialled->second.self = true;
    drop(self, c, "self");
    return;
  }
  if (key_banned(self, remote)) {
    ++st.opts.counters->refused_banned;
    drop(self, c, "banned");
    return;
  }
  auto it = st.by_remote.find(remote);
  if (it != st.by_remote.end() && it->second != c.peer && st.conns.count(it->second) > 0) {
    conn_entry& old = st.conns[it->second];
    conn_entry& keep = preferred(st, c, old) ? c : old;
    conn_entry& lose = &keep == &c ? old : c;
    lose.dropping = true;  // no longer counted for the limits
    for (const hash_t& k : lose.requested) open_on(self, keep, k);
    st.by_remote[remote] = keep.peer;
    emit(self, {swarm_event_type::duplicate, lose.address, remote, {}, "", 0});
    drop(self, lose, "duplicate connection");
    adopt_addresses(self, keep);
    return;
  }
  // A new remote on a connection it dialled: it takes a max_peers slot now (live_conns counts
  // it). Duplicates above replace a connection and are never refused here.
  if (!c.initiator && live_conns(st) > st.opts.max_peers) {
    ++st.opts.counters->refused_over_cap;
    drop(self, c, "too many peers");
    return;
  }
  st.by_remote[remote] = c.peer;
  emit(self, {swarm_event_type::connected,
              c.address,
              remote,
              {},
              c.initiator ? "dialled" : "accepted",
              0});
  adopt_addresses(self, c);
}

void on_feed_open(self_ptr self, conn_entry& c, const hash_t& dkey) {
  auto& st = self->state;
  if (c.dropping) return;  // a duplicate on its way out: its feeds moved to the kept connection
  bool known = c.requested.count(dkey) > 0;
  if (!known && feed_peers(st, dkey) >= st.opts.max_peers_per_feed) {
    self->send(c.peer, ddb_end_atom_v, dkey);  // over the limit: close that channel again
    return;
  }
  c.requested.insert(dkey);
  if (c.open.insert(dkey).second)
    emit(self, {swarm_event_type::feed_open, c.address, c.remote, dkey, "", 0});
  // The remote replicates with us: its refusals and failed dials are forgotten.
  st.refusals.erase({c.remote, dkey});
  for (auto& kv : st.addrs)
    if (kv.second.peer == c.peer || (kv.second.remote && *kv.second.remote == c.remote))
      kv.second.failures = 0;
}

// A feed's channel refused on `c` (by the remote, or by our allow list): that feed is not asked
// for again on that remote before reconnect_min * 2^(refusals-1), capped at reconnect_max.
void on_refused(self_ptr self, conn_entry& c, const hash_t& dkey) {
  auto& st = self->state;
  c.requested.erase(dkey);
  c.open.erase(dkey);
  if (!c.handshaken) return;
  refusal& r = st.refusals[{c.remote, dkey}];
  ++r.count;
  r.until = now(self) + backoff(st.opts.reconnect_min, st.opts.reconnect_max, r.count);
}

bool parse_key(const std::string& hex, hash_t& out) {
  byte_buffer raw;
  if (!from_hex(hex.substr(0, 64), raw) || raw.size() != out.size()) return false;
  std::copy(raw.begin(), raw.end(), out.begin());
  return true;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

void ban(self_ptr self, conn_entry& c, const std::string& reason) {
  auto& st = self->state;
  time_point until = now(self) + st.opts.ban;
  if (!c.address.empty()) st.addrs[c.address].banned_until = until;
  std::optional<public_key> key;
  if (c.handshaken) key = c.remote;
  ++st.opts.counters->bans;
  if (st.bans.ban(key, c.host, now(self), st.opts.ban))
    self->delayed_send(self, st.opts.ban, ddb_tmo_atom_v, c.host);  // lifted by unban_host
  emit(self, {swarm_event_type::banned, c.address, c.remote, {}, reason, 0});
}

}  // namespace

void drop(self_ptr self, conn_entry& c, const std::string& reason) {
  c.dropping = true;
  if (c.kicked) return;
  c.kicked = true;
  self->send(c.peer, ddb_kick_atom_v, hash_t{}, reason);
}

void unban_host(self_ptr self, const std::string& host) {
  self->state.bans.lift_host(host, now(self));
}

void service_address(self_ptr self, const std::string& address) {
  auto& st = self->state;
  if (st.stopping || address == st.listen_address) return;
  addr_entry& e = st.addrs[address];
  if (e.self || e.dialing || e.retry_pending) return;
  caf::actor peer = e.peer;
  if (!peer && e.remote) {
    auto it = st.by_remote.find(*e.remote);
    if (it != st.by_remote.end()) peer = it->second;
  }
  if (peer && st.conns.count(peer) > 0) {
    for (const hash_t& k : e.dkeys) open_on(self, st.conns[peer], k);
    return;
  }
  e.peer = caf::actor{};
  if (e.banned_until > now(self)) return;
  if (e.remote && key_banned(self, *e.remote)) return;
  if (wanted_keys(st, e).empty() || live_conns(st) >= st.opts.max_peers) return;
  dial(self, address);
}

void service_all(self_ptr self) {
  std::vector<std::string> all;
  for (const auto& kv : self->state.addrs) all.push_back(kv.first);
  for (const auto& a : all) service_address(self, a);
}

void on_dialed(self_ptr self, const std::string& address, connection_ptr conn) {
  auto& st = self->state;
  --st.dialing;
  auto it = st.addrs.find(address);
  if (st.stopping || it == st.addrs.end()) {  // stopping, or the address was forgotten
    conn->close();
    return;
  }
  addr_entry& e = it->second;
  e.dialing = false;
  conn_entry& c = add_conn(self, std::move(conn), wanted_keys(st, e), address);
  e.peer = c.peer;
}

void on_dial_failed(self_ptr self, const std::string& address, const std::string& why) {
  auto& st = self->state;
  --st.dialing;
  auto it = st.addrs.find(address);
  if (it == st.addrs.end()) return;  // forgotten meanwhile
  addr_entry& e = it->second;
  e.dialing = false;
  ++e.failures;
  emit(self, {swarm_event_type::dial_failed, address, {}, {}, why, e.failures});
  if (!st.stopping)
    schedule_retry(self, address,
                   backoff(st.opts.reconnect_min, st.opts.reconnect_max, e.failures));
}

namespace {

// Drops the oldest accepted connections still in their handshake while max_handshakes are.
void make_handshake_room(self_ptr self) {
  auto& st = self->state;
  uint64_t max = st.opts.limits.max_handshakes;
  if (max == 0) return;
  std::vector<conn_entry*> pending;
  for (auto& kv : st.conns)
    if (handshaking(kv.second)) pending.push_back(&kv.second);
  std::sort(pending.begin(), pending.end(),
            [](const conn_entry* a, const conn_entry* b) { return a->serial < b->serial; });
  for (size_t i = 0; i + max <= pending.size(); ++i) {
    ++st.opts.counters->handshakes_evicted;
    drop(self, *pending[i], "handshake slots full");
  }
}

}  // namespace

void forget(self_ptr self, const std::vector<std::string>& addresses) {
  auto& st = self->state;
  std::set<caf::actor> served;  // connections that served a forgotten address
  for (const std::string& a : addresses) {
    auto it = st.addrs.find(a);
    if (it == st.addrs.end()) continue;
    caf::actor peer = it->second.peer;
    if (!peer && it->second.remote) {
      auto r = st.by_remote.find(*it->second.remote);
      if (r != st.by_remote.end()) peer = r->second;
    }
    if (peer) served.insert(peer);
    st.addrs.erase(it);  // a dial in flight is closed when it completes
  }
  for (const caf::actor& peer : served) {
    auto it = st.conns.find(peer);
    if (it == st.conns.end()) continue;
    conn_entry& c = it->second;
    // A connection the remote dialled is the remote's choice; one to a remote that another
    // known address still leads to is wanted.
    if (!c.initiator) continue;
    bool wanted = std::any_of(st.addrs.begin(), st.addrs.end(), [&](const auto& kv) {
      const addr_entry& e = kv.second;
      return e.peer == peer || (c.handshaken && e.remote && *e.remote == c.remote);
    });
    if (!wanted) drop(self, c, "static peer removed");
  }
}

void on_accept(self_ptr self, connection_ptr conn) {
  auto& st = self->state;
  if (st.stopping) {
    conn->close();
    return;
  }
  if (host_banned(self, address_host(conn->remote_address()))) {
    ++st.opts.counters->refused_banned;
    conn->close();
    return;
  }
  if (live_conns(st) >= st.opts.max_peers) {
    ++st.opts.counters->refused_over_cap;
    conn->close();
    return;
  }
  make_handshake_room(self);
  add_conn(self, std::move(conn), {}, "");
}

void on_notice(self_ptr self, const caf::actor& peer, const std::string& text) {
  auto& st = self->state;
  auto it = st.conns.find(peer);
  if (it == st.conns.end()) return;
  conn_entry& c = it->second;
  hash_t key{};
  if (starts_with(text, "handshake ") && parse_key(text.substr(10), key)) {
    on_handshake(self, c, key);
  } else if (starts_with(text, "open ") && parse_key(text.substr(5), key)) {
    on_feed_open(self, c, key);
  } else if (starts_with(text, "end ") && parse_key(text.substr(4), key)) {
    // The remote closed a channel it never opened: it refused the feed.
    if (c.open.count(key) == 0 && c.requested.count(key) > 0) {
      on_refused(self, c, key);
    } else {
      c.requested.erase(key);
      c.open.erase(key);
    }
  } else if (starts_with(text, "refused ") && parse_key(text.substr(8), key)) {
    if (text.find(": not allowed") != std::string::npos) {
      on_refused(self, c, key);  // our allow list: asking again soon would change nothing
    } else {
      c.requested.erase(key);
      c.open.erase(key);
    }
  } else if (starts_with(text, "closed: ")) {
    on_closed(self, peer, text.substr(8));
  }
}

void on_closed(self_ptr self, const caf::actor& peer, const std::string& reason) {
  auto& st = self->state;
  auto it = st.conns.find(peer);
  if (it == st.conns.end()) return;
  conn_entry c = std::move(it->second);
  st.conns.erase(it);
  bool kept = c.handshaken && st.by_remote.count(c.remote) > 0 && st.by_remote[c.remote] == peer;
  if (kept) st.by_remote.erase(c.remote);
  // A feed that dropped a peer for not answering in time is redialled with backoff, not banned.
  if (!c.dropping && closed_for_misbehaviour(reason)) ban(self, c, reason);
  if (kept && !st.stopping)
    emit(self, {swarm_event_type::disconnected, c.address, c.remote, {}, reason, 0});
  for (auto& kv : st.addrs) {
    addr_entry& e = kv.second;
    if (e.peer != peer) continue;
    e.peer = caf::actor{};
    if (st.stopping || e.self) continue;
    auto until = e.banned_until;
    caf::timespan delay = until > now(self)
                              ? caf::timespan{until - now(self)}
                              : backoff(st.opts.reconnect_min, st.opts.reconnect_max, ++e.failures);
    schedule_retry(self, kv.first, delay);
  }
  if (st.stopping && st.conns.empty() && st.stop_promise) {
    st.stop_promise->deliver(caf::unit);
    self->quit();
    return;
  }
  if (!st.stopping) service_all(self);
}

}  // namespace ddb::swarm_detail
