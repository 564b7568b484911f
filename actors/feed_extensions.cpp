// The feed actor's side of replication extensions: registration, sends, and notices to the
// extension actors.
#include "actors/feed_extensions.hpp"

#include <caf/all.hpp>

#include "actors/feed_state.hpp"
#include "messages/errors.hpp"

namespace ddb::detail {

namespace {

extension_feed snapshot(self_ptr self) {
  const feed& f = *self->state.engine;
  extension_feed out;
  out.feed = caf::actor_cast<caf::actor>(self);
  out.key = f.key();
  out.length = f.length();
  out.byte_length = f.byte_length();
  out.writable = f.writable();
  return out;
}

extension_peer peer_notice(self_ptr self, const std::string& name, uint64_t peer, bool joined) {
  extension_peer ev;
  ev.feed = snapshot(self);
  ev.name = name;
  ev.peer = peer;
  ev.joined = joined;
  auto& peers = self->state.ext.peers;
  if (auto it = peers.find(peer); it != peers.end()) {
    ev.remote_public_key = it->second.remote_public_key;
    ev.remote_address = it->second.remote_address;
  }
  return ev;
}

void notify_peer(self_ptr self, uint64_t peer, bool joined) {
  for (auto& [name, ext] : self->state.ext.by_name) {
    self->send(ext, ddb_extpr_atom_v, peer_notice(self, name, peer, joined));
  }
}

void announce(self_ptr self) {
  std::vector<std::string> names;
  for (auto& [name, ext] : self->state.ext.by_name) names.push_back(name);
  self->state.repl->set_extensions(std::move(names));
  pump(self);
}

}  // namespace

caf::result<void> register_extension(self_ptr self, const std::string& name, extension_actor ext) {
  auto& st = self->state;
  if (name.empty() || !ext) {
    return to_caf_error(make_error(errc::invalid_argument, "an extension needs a name and actor"));
  }
  if (st.engine->closed()) return to_caf_error(make_error(errc::closed, "the feed is closed"));
  auto it = st.ext.by_name.find(name);
  if (it != st.ext.by_name.end()) {
    if (it->second == ext) return caf::unit;
    return to_caf_error(make_error(errc::invalid_argument,
                                   "extension " + name + " is already registered on this feed"));
  }
  st.ext.by_name.emplace(name, ext);
  self->monitor(ext);
  announce(self);
  self->send(ext, ddb_extfd_atom_v, snapshot(self));
  for (uint64_t peer : st.ext.joined) {
    self->send(ext, ddb_extpr_atom_v, peer_notice(self, name, peer, true));
  }
  return caf::unit;
}

caf::result<void> unregister_extension(self_ptr self, const std::string& name) {
  if (self->state.ext.by_name.erase(name) > 0) announce(self);
  return caf::unit;
}

void send_extension(self_ptr self, const std::string& name, uint64_t peer, const byte_buffer& b) {
  // A name or peer that is gone by now (the peer left meanwhile): dropped, nothing to answer.
  if (!self->state.repl->send_extension(peer, name, byte_view(b))) return;
  pump(self);
}

void broadcast_extension(self_ptr self, const std::string& name, const byte_buffer& b) {
  if (self->state.repl->broadcast_extension(name, byte_view(b)) > 0) pump(self);
}

void extension_peer_attached(self_ptr self, uint64_t peer, const peer_info& info) {
  self->state.ext.peers[peer] = info;
}

bool extension_event(self_ptr self, const replication::replicator_event& e) {
  using replication::event_kind;
  auto& ext = self->state.ext;
  switch (e.kind) {
    case event_kind::extension: {
      auto it = ext.by_name.find(e.name);
      if (it == ext.by_name.end()) return true;
      extension_in m{snapshot(self), e.name, e.peer, e.payload, {}, {}};
      if (auto p = ext.peers.find(e.peer); p != ext.peers.end()) {
        m.remote_public_key = p->second.remote_public_key;
        m.remote_address = p->second.remote_address;
      }
      self->send(it->second, ddb_extmsg_atom_v, std::move(m));
      return true;
    }
    case event_kind::peer_open:
      if (ext.joined.insert(e.peer).second) notify_peer(self, e.peer, true);
      return false;
    case event_kind::peer_remove:
      if (ext.joined.erase(e.peer) > 0) notify_peer(self, e.peer, false);
      ext.peers.erase(e.peer);
      return false;
    case event_kind::peer_add:
    case event_kind::download:
    case event_kind::upload:
    case event_kind::sync:
    case event_kind::append:
    case event_kind::selection_done:
    case event_kind::ack:
    case event_kind::drop_peer:
    case event_kind::end_peer:
      return false;
  }
  return false;
}

void extension_feed_changed(self_ptr self) {
  auto& by_name = self->state.ext.by_name;
  if (by_name.empty()) return;
  auto snap = snapshot(self);
  std::set<caf::actor_addr> told;  // one actor may serve several names
  for (auto& [name, ext] : by_name) {
    if (told.insert(ext.address()).second) self->send(ext, ddb_extfd_atom_v, snap);
  }
}

void extension_down(self_ptr self, const caf::down_msg& m) {
  auto& by_name = self->state.ext.by_name;
  bool changed = false;
  for (auto it = by_name.begin(); it != by_name.end();) {
    if (it->second.address() == m.source) {
      it = by_name.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  if (changed && !self->state.engine->closed()) announce(self);
}

void extensions_close(self_ptr self) {
  auto& ext = self->state.ext;
  for (uint64_t peer : ext.joined) notify_peer(self, peer, false);
  ext.joined.clear();
  ext.peers.clear();
}

}  // namespace ddb::detail
