// The swarm actor: joins, discovery, listening, stats and stopping. The connection table is in
// swarm_peers.cpp.
#include "swarm/swarm_actor.hpp"

#include <caf/all.hpp>

#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "messages/peer_messages.hpp"
#include "swarm/swarm_state.hpp"

namespace ddb {

namespace {

using namespace swarm_detail;

void run_lookup(self_ptr self, const hash_t& dkey) {
  caf::actor me = caf::actor_cast<caf::actor>(self);
  for (auto& d : self->state.opts.backends) {
    d->lookup(dkey, [me](const hash_t& key, std::vector<std::string> addresses) {
      caf::anon_send(me, ddb_found_atom_v, key, std::move(addresses));
    });
  }
}

void announce(self_ptr self, const hash_t& dkey) {
  if (self->state.port == 0) return;
  for (auto& d : self->state.opts.backends) d->announce(dkey, self->state.port);
}

void join(self_ptr self, const hash_t& dkey) {
  auto& st = self->state;
  if (st.stopping || st.swarms.count(dkey) > 0) return;
  swarm_entry& s = st.swarms[dkey];
  s.lookup_delay = st.opts.lookup_min;
  s.generation = st.next_generation++;
  announce(self, dkey);
  run_lookup(self, dkey);
  self->delayed_send(self, s.lookup_delay, ddb_lookup_atom_v, dkey, s.generation);
  // Addresses already known for other keys may carry this one too (static peers do).
  service_all(self);
}

void leave(self_ptr self, const hash_t& dkey) {
  auto& st = self->state;
  if (st.swarms.erase(dkey) == 0) return;
  for (auto& d : st.opts.backends) d->leave(dkey);
  for (auto& kv : st.conns) {
    if (kv.second.requested.erase(dkey) > 0) self->send(kv.first, ddb_end_atom_v, dkey);
    kv.second.open.erase(dkey);
  }
  for (auto& kv : st.addrs) kv.second.dkeys.erase(dkey);
}

void on_lookup_timer(self_ptr self, const hash_t& dkey, uint64_t generation) {
  auto& st = self->state;
  auto it = st.swarms.find(dkey);
  if (st.stopping || it == st.swarms.end() || it->second.generation != generation) return;
  run_lookup(self, dkey);
  swarm_entry& s = it->second;
  if (feed_peers(st, dkey) == 0)
    s.lookup_delay = st.opts.lookup_min;
  else
    s.lookup_delay = std::min(s.lookup_delay * 2, st.opts.lookup_max);
  self->delayed_send(self, s.lookup_delay, ddb_lookup_atom_v, dkey, generation);
}

void on_found(self_ptr self, const hash_t& dkey, const std::vector<std::string>& addresses) {
  auto& st = self->state;
  if (st.stopping || st.swarms.count(dkey) == 0) return;
  for (const auto& a : addresses) {
    if (a == st.listen_address) continue;
    st.addrs[a].dkeys.insert(dkey);
    service_address(self, a);
  }
}

caf::result<std::string> listen(self_ptr self, const std::string& address) {
  auto& st = self->state;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto bound = st.opts.net->listen(address, [me](connection_ptr conn) {
    caf::anon_send(me, ddb_accept_atom_v, std::move(conn));
  });
  if (!bound) return to_caf_error(bound.error());
  st.listen_address = *bound;
  auto colon = bound->rfind(':');
  st.port = static_cast<uint16_t>(std::stoul(bound->substr(colon + 1)));
  for (const auto& kv : st.swarms) announce(self, kv.first);
  emit(self, {swarm_event_type::listening, *bound, {}, {}, "", 0});
  return *bound;
}

swarm_stats stats(self_ptr self) {
  auto& st = self->state;
  swarm_stats out;
  out.connections = st.conns.size();
  out.remotes = st.by_remote.size();
  out.dialing = st.dialing;
  out.banned += st.bans.size(now(self));
  for (const auto& kv : st.conns) out.handshaking += handshaking(kv.second) ? 1 : 0;
  const connection_counters& n = *st.opts.counters;
  out.accept_errors = n.accept_errors;
  out.handshake_timeouts = n.handshake_timeouts;
  out.handshakes_evicted = n.handshakes_evicted;
  out.refused_over_cap = n.refused_over_cap;
  out.refused_per_address = n.refused_per_address;
  out.refused_banned = n.refused_banned;
  for (const auto& kv : st.addrs) out.banned += kv.second.banned_until > now(self) ? 1 : 0;
  for (const auto& kv : st.swarms) {
    swarm_feed_stats f;
    f.dkey = kv.first;
    for (const auto& c : st.conns)
      f.peers += !c.second.dropping && c.second.open.count(kv.first) > 0 ? 1 : 0;
    for (const auto& a : st.addrs) f.addresses += a.second.dkeys.count(kv.first) > 0 ? 1 : 0;
    out.feeds.push_back(f);
  }
  return out;
}

caf::result<void> stop(self_ptr self) {
  auto& st = self->state;
  if (!st.stopping) {
    st.stopping = true;
    for (const auto& kv : st.swarms) {
      for (auto& d : st.opts.backends) d->leave(kv.first);
    }
    for (auto& kv : st.conns) drop(self, kv.second, "node stopping");
  }
  if (st.conns.empty()) {
    self->quit();
    return caf::unit;
  }
  st.stop_promise = self->make_response_promise();
  self->delayed_send(self, st.opts.stop_timeout, ddb_stopped_atom_v);
  return *st.stop_promise;
}

caf::behavior swarm_impl(self_ptr self, swarm_options opts) {
  self->state.opts = std::move(opts);
  if (!self->state.opts.counters)
    self->state.opts.counters = std::make_shared<connection_counters>();
  self->state.bans = peer_bans(self->state.opts.bans);
  self->set_down_handler([=](const caf::down_msg& dm) {
    on_closed(self, caf::actor_cast<caf::actor>(dm.source), "exited");
  });
  return {
      [=](ddb_listen_atom, const std::string& address) { return listen(self, address); },
      [=](ddb_join_atom, const hash_t& dkey) { join(self, dkey); },
      [=](ddb_leave_atom, const hash_t& dkey) { leave(self, dkey); },
      [=](ddb_sstat_atom) { return stats(self); },
      [=](ddb_stop_atom) { return stop(self); },
      [=](ddb_accept_atom, connection_ptr& conn) { on_accept(self, std::move(conn)); },
      [=](ddb_dialed_atom, const std::string& address, connection_ptr& conn) {
        on_dialed(self, address, std::move(conn));
      },
      [=](ddb_dialerr_atom, const std::string& address, const std::string& why) {
        on_dial_failed(self, address, why);
      },
      [=](ddb_found_atom, const hash_t& dkey, const std::vector<std::string>& addresses) {
        on_found(self, dkey, addresses);
      },
      [=](ddb_forget_atom, const std::vector<std::string>& addresses) { forget(self, addresses); },
      [=](ddb_retry_atom, const std::string& address) {
        auto it = self->state.addrs.find(address);
        if (it == self->state.addrs.end()) return;  // forgotten
        it->second.retry_pending = false;
        service_address(self, address);
      },
      [=](ddb_lookup_atom, const hash_t& dkey, uint64_t generation) {
        on_lookup_timer(self, dkey, generation);
      },
      [=](ddb_event_atom, const std::string& text) {
        on_notice(self, caf::actor_cast<caf::actor>(self->current_sender()), text);
      },
      [=](ddb_tmo_atom, const std::string& host) { unban_host(self, host); },
      [=](ddb_stopped_atom) {
        if (self->state.stop_promise) self->state.stop_promise->deliver(caf::unit);
        self->quit();
      },
  };
}

}  // namespace

caf::actor spawn_swarm_actor(caf::actor_system& sys, swarm_options options) {
  return sys.spawn(swarm_impl, std::move(options));
}

}  // namespace ddb
