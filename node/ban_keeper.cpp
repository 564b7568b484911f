#include "node/ban_keeper.hpp"

#include <map>
#include <optional>
#include <string>

#include <caf/all.hpp>

#include "actors/peer_actor.hpp"
#include "core/assert.hpp"
#include "messages/atoms.hpp"
#include "messages/peer_messages.hpp"
#include "net/peer_bans.hpp"

namespace ddb {

namespace {

// What the keeper knows of one peer actor. Its notices and the host's registration come from
// different senders, in either order: the ban is decided once both the host and the close are
// known.
struct peer_entry {
  std::optional<std::string> host;    // from the net host
  bool inbound = false;               // from the net host: accepted, not dialled
  std::optional<public_key> key;      // from the "handshake" notice
  std::optional<std::string> closed;  // the reason of its "closed" notice
  bool dropping = false;              // we dropped it: no ban
};

struct keeper_state {
  ban_keeper_options opts;
  peer_bans bans;
  std::map<caf::actor_addr, peer_entry> peers;
  static inline const char* name = "ddb.ban_keeper";
};

using self_ptr = caf::stateful_actor<keeper_state>*;

caf::actor_clock::time_point now(self_ptr self) {
  return self->clock().now();
}

bool parse_key(const std::string& hex, public_key& out) {
  byte_buffer raw;
  if (!from_hex(hex.substr(0, 64), raw) || raw.size() != out.size()) return false;
  std::copy(raw.begin(), raw.end(), out.begin());
  return true;
}

void drop(self_ptr self, const caf::actor& peer, peer_entry& e, const std::string& reason) {
  e.dropping = true;
  self->send(peer, ddb_kick_atom_v, hash_t{}, reason);
}

// Once a peer's host and close are both known: bans it if it misbehaved, and forgets it.
void settle(self_ptr self, const caf::actor_addr& addr) {
  auto& st = self->state;
  auto it = st.peers.find(addr);
  if (it == st.peers.end() || !it->second.host || !it->second.closed) return;
  peer_entry e = std::move(it->second);
  st.peers.erase(it);
  if (e.dropping || !closed_for_misbehaviour(*e.closed) || st.opts.ban.count() <= 0) return;
  ++st.opts.counters->bans;
  if (st.bans.ban(e.key, *e.host, now(self), st.opts.ban))
    self->delayed_send(self, st.opts.ban, ddb_tmo_atom_v, *e.host);
}

// An accepted connection from a banned key is dropped once both its key and its registration
// are known. A connection we dialled is the user's choice (clone --peer): never refused.
void check_key(self_ptr self, const caf::actor& peer, peer_entry& e) {
  auto& st = self->state;
  if (!e.host || !e.inbound || !e.key || e.dropping || e.closed) return;
  if (!st.bans.key_banned(*e.key, now(self))) return;
  ++st.opts.counters->refused_banned;
  drop(self, peer, e, "banned");
}

void on_notice(self_ptr self, const caf::actor& peer, const std::string& text) {
  auto& st = self->state;
  peer_entry& e = st.peers[caf::actor_cast<caf::actor_addr>(peer)];
  public_key key{};
  if (text.rfind("handshake ", 0) == 0 && parse_key(text.substr(10), key)) {
    e.key = key;
    check_key(self, peer, e);
  } else if (text.rfind("closed: ", 0) == 0) {
    e.closed = text.substr(8);
    settle(self, caf::actor_cast<caf::actor_addr>(peer));
  }
}

caf::behavior ban_keeper_impl(self_ptr self, ban_keeper_options opts) {
  DDB_ASSERT(opts.bans && opts.counters);
  self->state.bans = peer_bans(opts.bans);
  self->state.opts = std::move(opts);
  return {
      [=](ddb_event_atom, const std::string& text) {
        auto peer = caf::actor_cast<caf::actor>(self->current_sender());
        if (peer) on_notice(self, peer, text);
        if (self->state.opts.observer)
          self->delegate(self->state.opts.observer, ddb_event_atom_v, text);
      },
      [=](ddb_peer_atom, const caf::actor& peer, const std::string& host, bool inbound) {
        auto addr = caf::actor_cast<caf::actor_addr>(peer);
        peer_entry& e = self->state.peers[addr];
        e.host = host;
        e.inbound = inbound;
        check_key(self, peer, e);
        settle(self, addr);
      },
      [=](ddb_kick_atom, const caf::actor& peer, const std::string& reason) {
        auto addr = caf::actor_cast<caf::actor_addr>(peer);
        drop(self, peer, self->state.peers[addr], reason);
        settle(self, addr);
      },
      [=](ddb_tmo_atom, const std::string& host) { self->state.bans.lift_host(host, now(self)); },
  };
}

}  // namespace

caf::actor spawn_ban_keeper(caf::actor_system& sys, ban_keeper_options options) {
  return sys.spawn(ban_keeper_impl, std::move(options));
}

}  // namespace ddb
