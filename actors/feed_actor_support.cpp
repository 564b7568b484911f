// Feed actor helpers: waiting gets and updates, grouped appends, and the replication pump.
#include <algorithm>
#include <optional>

#include <caf/all.hpp>

#include "actors/feed_state.hpp"
#include "core/assert.hpp"
#include "messages/errors.hpp"
#include "wire/messages.hpp"

namespace ddb::detail {

void publish(self_ptr self, feed_event ev) {
  auto& st = self->state;
  ev.length = st.engine->written_length();
  ev.byte_length = st.engine->byte_length();
  for (auto& sub : st.subscribers) caf::anon_send(sub, ddb_event_atom_v, ev);
  if (ev.type == feed_event_type::append) extension_feed_changed(self);
}

void publish(self_ptr self, feed_event_type type) {
  feed_event ev;
  ev.type = type;
  publish(self, ev);
}

namespace {

// Stored and on disk: a block still in a batch being written is not served to a waiting get.
bool ready(const feed& f, const waiting_get& w) {
  const uint64_t length = f.written_length();
  if (w.head) return length > 0 && f.has(length - 1) && !f.unwritten(length - 1, length);
  return f.has(w.start, w.end) && !f.unwritten(w.start, w.end);
}

void fulfil(self_ptr self, waiting_get& w) {
  feed& f = *self->state.engine;
  if (w.batch) {
    block_list out;
    status s = f.get_batch(w.start, w.end, out);
    if (s)
      w.many.deliver(std::move(out));
    else
      w.many.deliver(to_caf_error(s));
    return;
  }
  auto r = f.get(w.head ? f.written_length() - 1 : w.start);
  if (r)
    w.one.deliver(std::move(*r));
  else
    w.one.deliver(to_caf_error(r.error()));
}

void unprioritize(self_ptr self, const waiting_get& w) {
  if (w.head || !self->state.repl) return;
  for (uint64_t i = w.start; i < w.end && i < w.start + 4096; ++i) {
    self->state.repl->deprioritize(i);
  }
}

}  // namespace

void service_updates(self_ptr self) {
  auto& st = self->state;
  auto it = st.updates.begin();
  const uint64_t length = st.engine->written_length();
  while (it != st.updates.end()) {
    if (length >= it->min_length) {
      it->rp.deliver(length);
    } else if (it->if_available && st.repl->settled() &&
               st.repl->best_remote_length() < it->min_length) {
      it->rp.deliver(to_caf_error(make_error(errc::unavailable, "no update available from peers")));
    } else {
      ++it;
      continue;
    }
    it = st.updates.erase(it);
  }
}

void fail(waiting_get& w, const status& s) {
  if (w.batch)
    w.many.deliver(to_caf_error(s));
  else
    w.one.deliver(to_caf_error(s));
}

void service_waiting(self_ptr self) {
  auto& st = self->state;
  auto it = st.waiting.begin();
  while (it != st.waiting.end()) {
    if (ready(*st.engine, *it)) {
      unprioritize(self, *it);
      fulfil(self, *it);
      it = st.waiting.erase(it);
    } else {
      ++it;
    }
  }
  service_updates(self);
}

void park(self_ptr self, waiting_get w, const get_options& opts) {
  auto& st = self->state;
  w.id = st.next_wait_id++;
  if (opts.timeout_ms > 0) {
    self->delayed_send(self, std::chrono::milliseconds(opts.timeout_ms), ddb_tmo_atom_v, w.id);
  }
  if (!w.head && st.repl && !st.engine->writable()) {
    for (uint64_t i = w.start; i < w.end && i < w.start + 4096; ++i) {
      if (!st.engine->has(i)) st.repl->prioritize(i);
    }
  }
  st.waiting.push_back(std::move(w));
  pump(self);
}

namespace {

// The feed event a replicator event publishes; none for those that only steer this actor.
// Exhaustive (no default): a new event_kind does not compile until it is placed here.
std::optional<feed_event_type> to_feed_event(replication::event_kind k) {
  using replication::event_kind;
  switch (k) {
    case event_kind::download:
      return feed_event_type::download;
    case event_kind::upload:
      return feed_event_type::upload;
    case event_kind::sync:
      return feed_event_type::sync;
    case event_kind::peer_add:
      return feed_event_type::peer_add;
    case event_kind::peer_remove:
      return feed_event_type::peer_remove;
    case event_kind::peer_open:
      return feed_event_type::peer_open;
    case event_kind::ack:
      return feed_event_type::ack;
    case event_kind::append:
      return feed_event_type::append;
    case event_kind::selection_done:
    case event_kind::drop_peer:
    case event_kind::end_peer:
    case event_kind::extension:
      return std::nullopt;
  }
  DDB_ASSERT(false && "an event_kind out of range");
  return std::nullopt;
}

void on_event(self_ptr self, const replication::replicator_event& e) {
  using replication::event_kind;
  if (extension_event(self, e)) return;
  auto& st = self->state;
  auto peer = st.peers.find(e.peer);
  switch (e.kind) {
    case event_kind::selection_done: {
      st.open_downloads.erase(e.index);
      auto it = st.download_waits.find(e.index);
      if (it != st.download_waits.end()) {
        for (auto& rp : it->second) rp.deliver(caf::unit);
        st.download_waits.erase(it);
      }
      return;
    }
    case event_kind::drop_peer:
      if (peer != st.peers.end()) {
        caf::anon_send(peer->second, ddb_kick_atom_v, st.engine->discovery_key(), e.reason);
      }
      return;
    case event_kind::end_peer:
      if (peer != st.peers.end()) {
        caf::anon_send(peer->second, ddb_end_atom_v, st.engine->discovery_key());
      }
      return;
    case event_kind::peer_remove:
      st.peers.erase(e.peer);
      break;
    case event_kind::peer_add:
    case event_kind::peer_open:
    case event_kind::download:
    case event_kind::upload:
    case event_kind::sync:
    case event_kind::append:
    case event_kind::ack:
    case event_kind::extension:
      break;
  }
  auto type = to_feed_event(e.kind);
  if (!type) return;
  feed_event ev;
  ev.type = *type;
  ev.index = e.index;
  ev.bytes = e.bytes;
  ev.peer = e.peer;
  publish(self, ev);
}

// While anything of ours is in flight to a peer, the replicator sees CAF's clock every fifth of
// its request deadline (the simulator's clock in a simulation).
void schedule_tick(self_ptr self) {
  auto& st = self->state;
  const uint64_t timeout = st.opts.replication.limits.request_timeout_ms;
  if (st.tick_scheduled || timeout == 0 || !st.repl->awaiting()) return;
  st.tick_scheduled = true;
  self->delayed_send(self, std::chrono::milliseconds(std::max<uint64_t>(timeout / 5, 1)),
                     ddb_rtick_atom_v);
}

}  // namespace

void deliver(self_ptr self, std::vector<replication::outgoing>& out,
             std::vector<replication::replicator_event>& events) {
  auto& st = self->state;
  for (auto& o : out) {
    auto peer = st.peers.find(o.peer);
    if (peer == st.peers.end() || o.frames.empty()) continue;
    caf::anon_send(peer->second, ddb_send_atom_v, st.engine->discovery_key(), std::move(o.frames));
  }
  bool progressed = false;
  for (const auto& e : events) {
    progressed |=
        e.kind == replication::event_kind::download || e.kind == replication::event_kind::append;
    on_event(self, e);
  }
  if (progressed)
    service_waiting(self);
  else
    service_updates(self);
}

namespace {

// Requests and cancels say nothing about what we store: they go out at once, so the remote
// keeps sending while our batches are written (the rest of `out` waits, in order).
void send_requests_now(self_ptr self, std::vector<replication::outgoing>& out) {
  auto& st = self->state;
  for (auto& o : out) {
    auto peer = st.peers.find(o.peer);
    if (peer == st.peers.end()) continue;
    wire_frames now;
    auto keep = std::stable_partition(o.frames.begin(), o.frames.end(), [](const wire_frame& f) {
      const auto t = static_cast<wire::message_type>(f.type);
      return t != wire::message_type::request && t != wire::message_type::cancel;
    });
    if (keep == o.frames.end()) continue;
    now.assign(std::make_move_iterator(keep), std::make_move_iterator(o.frames.end()));
    o.frames.erase(keep, o.frames.end());
    caf::anon_send(peer->second, ddb_send_atom_v, st.engine->discovery_key(), std::move(now));
  }
}

}  // namespace

void pump(self_ptr self) {
  auto& st = self->state;
  if (!st.repl) return;
  std::vector<replication::outgoing> out;
  std::vector<replication::replicator_event> events;
  for (int round = 0; round < 8; ++round) {
    st.repl->take(out, events);
    if (out.empty() && events.empty()) break;
    // Durable before we announce or acknowledge anything we received: the staged puts go to
    // the storage actor, and what this round says waits for its reply (and every earlier one).
    const bool idle = st.puts_done == st.puts_sent;
    ship_puts(self);
    if (st.puts_failed) return;
    if (st.puts_done < st.puts_sent || !st.held.empty()) {
      send_requests_now(self, out);
      // Idle, this round's puts went out just now; otherwise they stay staged behind the batch
      // being written and go with the next one.
      st.held.push_back({std::move(out), std::move(events), st.puts_sent + (idle ? 0 : 1)});
      out.clear();
      events.clear();
      continue;
    }
    deliver(self, out, events);
    out.clear();
    events.clear();
  }
  schedule_tick(self);
}

void shut_down(self_ptr self, const status& why) {
  auto& st = self->state;
  if (why.code() != errc::closed) {
    // Not a close someone asked for: the seed's 'error' event, before 'close'.
    feed_event ev;
    ev.type = feed_event_type::error;
    ev.code = why.code();
    ev.message = why.message();
    publish(self, ev);
  }
  for (auto& w : st.waiting) fail(w, why);
  st.waiting.clear();
  for (auto& u : st.updates) u.rp.deliver(to_caf_error(why));
  st.updates.clear();
  for (auto& [id, rps] : st.download_waits) {
    for (auto& rp : rps) rp.deliver(to_caf_error(why));
  }
  st.download_waits.clear();
  extensions_close(self);
  for (auto& [id, peer] : st.peers) {
    caf::anon_send(peer, ddb_end_atom_v, st.engine->discovery_key());
  }
  st.peers.clear();
  publish(self, feed_event_type::close);
  st.subscribers.clear();
}

}  // namespace ddb::detail
