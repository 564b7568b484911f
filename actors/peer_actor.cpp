// The peer actor: connection bytes in and out of a replication::session, channels attached to
// feed actors. See peer_actor.hpp for the behaviour.
#include "actors/peer_actor.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <string>
#include <utility>

#include <caf/all.hpp>

#include "messages/atoms.hpp"
#include "messages/peer_messages.hpp"
#include "wire/varint.hpp"

namespace ddb {

namespace {

// Frames held for a channel whose attach is still pending.
constexpr size_t max_held_bytes = 32 * 1024 * 1024;
// Keep-alive ticks per interval, and the tick counts that trigger a ping and a timeout.
constexpr int ticks_per_interval = 2;
constexpr int ping_after_ticks = 2;
constexpr int timeout_after_ticks = 4;

// Flow control (see check_flow): reading pauses while more than read_pause_bytes plus
// read_pause_per_channel per open channel wait to be sent, and resumes below read_resume_bytes.
// A feed's answers are bounded by its send window (replication::peer_limits::max_unsent_bytes
// plus one block), so honest traffic stays below the pause threshold.
constexpr uint64_t read_pause_bytes = 16 * 1024 * 1024;
constexpr uint64_t read_pause_per_channel = 16 * 1024 * 1024;
constexpr uint64_t read_resume_bytes = 1024 * 1024;
// While bytes wait to be reported or reading is paused, the connection is checked again after
// flow_recheck_min, doubling up to flow_recheck_max while nothing moves.
constexpr std::chrono::milliseconds flow_recheck_min{1};
constexpr std::chrono::milliseconds flow_recheck_max{64};

// A feed's frames written to the connection: reported to the feed once the connection's
// byte count passes `end` (the bytes before them and they themselves left).
struct sent_mark {
  hash_t dkey;
  uint64_t end = 0;         // connection bytes written up to and including these frames
  uint64_t body_bytes = 0;  // what the feed's replicator counted (frame bodies)
};

struct flow_state {
  uint64_t written = 0;  // bytes handed to conn->write so far
  std::deque<sent_mark> marks;
  bool timer = false;
  std::chrono::milliseconds delay = flow_recheck_min;
  uint64_t last_pending = 0;
  bool read_paused = false;
};

struct channel_state {
  feed_registry::entry feed;
  uint64_t generation = 0;
  bool attach_sent = false;
  bool attached = false;  // the feed replied to the attach
  bool remote_verified = false;
  bool ropen_sent = false;
  wire_frames held;
  size_t held_bytes = 0;
};

struct peer_state {
  connection_ptr conn;
  peer_actor_options opts;
  uint64_t peer_id = 0;
  std::unique_ptr<replication::session> session;
  std::map<hash_t, channel_state> channels;
  uint64_t next_generation = 1;
  public_key remote_static{};
  int ticks_since_send = 0;
  int ticks_since_recv = 0;
  bool closing = false;
  flow_state flow;
  static inline const char* name = "ddb.peer";
};

using self_ptr = caf::stateful_actor<peer_state>*;

void notice(self_ptr self, std::string what) {
  if (self->state.opts.observer) {
    self->send(self->state.opts.observer, ddb_event_atom_v, std::move(what));
  }
}

void flush_output(self_ptr self) {
  auto& st = self->state;
  if (!st.session->has_output()) return;
  byte_buffer out = st.session->take_output();
  st.flow.written += out.size();
  st.conn->write(std::move(out));
  st.ticks_since_send = 0;
}

void detach(self_ptr self, channel_state& ch, const std::string& reason) {
  if (ch.attach_sent) self->send(ch.feed.feed, ddb_detach_atom_v, self->state.peer_id, reason);
}

void shutdown(self_ptr self, const std::string& reason) {
  auto& st = self->state;
  if (st.closing) return;
  st.closing = true;
  for (auto& kv : st.channels) detach(self, kv.second, reason);
  st.channels.clear();
  flush_output(self);
  st.conn->close();
  notice(self, "closed: " + reason);
  self->quit();
}

// Hands held frames to an attached feed: one message per feed per call.
void flush_frames(self_ptr self, channel_state& ch) {
  if (!ch.attached || ch.held.empty()) return;
  self->send(ch.feed.feed, ddb_wire_atom_v, self->state.peer_id, std::move(ch.held));
  ch.held.clear();
  ch.held_bytes = 0;
}

void send_ropen(self_ptr self, channel_state& ch) {
  if (!ch.attached || !ch.remote_verified || ch.ropen_sent) return;
  ch.ropen_sent = true;
  self->send(ch.feed.feed, ddb_ropen_atom_v, self->state.peer_id);
}

void maybe_finish(self_ptr self) {
  auto& st = self->state;
  if (st.opts.live || st.closing) return;
  if (st.channels.empty() && st.session->channel_count() == 0) shutdown(self, "finished");
}

// Ends one feed's channel from our side.
void end_channel(self_ptr self, const hash_t& dkey, const std::string& reason) {
  auto& st = self->state;
  auto it = st.channels.find(dkey);
  if (it != st.channels.end()) {
    flush_frames(self, it->second);
    detach(self, it->second, reason);
    st.channels.erase(it);
  }
  st.session->close_channel(dkey);
  flush_output(self);
}

peer_info make_info(self_ptr self) {
  auto& st = self->state;
  peer_info info;
  info.remote_public_key = st.remote_static;
  info.remote_address = st.conn->remote_address();
  info.initiator = st.conn->initiator();
  info.live = st.opts.live;
  info.ack = st.opts.ack;
  info.download = st.opts.download;
  info.upload = st.opts.upload;
  return info;
}

void on_attached(self_ptr self, const hash_t& dkey, uint64_t generation) {
  auto& st = self->state;
  auto it = st.channels.find(dkey);
  if (st.closing || it == st.channels.end() || it->second.generation != generation) return;
  it->second.attached = true;
  send_ropen(self, it->second);
  flush_frames(self, it->second);
}

void on_attach_failed(self_ptr self, const hash_t& dkey, uint64_t generation,
                      const caf::error& err) {
  auto& st = self->state;
  auto it = st.channels.find(dkey);
  if (st.closing || it == st.channels.end() || it->second.generation != generation) return;
  st.channels.erase(it);  // the feed refused or is gone: nothing to detach
  st.session->close_channel(dkey);
  flush_output(self);
  notice(self, "refused " + to_hex(dkey) + ": attach failed: " + self->system().render(err));
  maybe_finish(self);
}

// Opens our side of `dkey` (if not yet) and attaches its feed actor.
channel_state* open_and_attach(self_ptr self, const hash_t& dkey,
                               const feed_registry::entry& feed) {
  auto& st = self->state;
  auto it = st.channels.find(dkey);
  if (it != st.channels.end()) return &it->second;
  auto id = st.session->open_channel(dkey, feed.key);
  if (!id) return nullptr;
  channel_state& ch = st.channels[dkey];
  ch.feed = feed;
  ch.generation = st.next_generation++;
  ch.attach_sent = true;
  uint64_t generation = ch.generation;
  self->request(feed.feed, caf::infinite, ddb_attach_atom_v, caf::actor_cast<caf::actor>(self),
                st.peer_id, make_info(self))
      .then([=]() { on_attached(self, dkey, generation); },
            [=](caf::error& err) { on_attach_failed(self, dkey, generation, err); });
  return &ch;
}

bool may_replicate(self_ptr self, const hash_t& dkey) {
  auto& st = self->state;
  return !st.opts.may_replicate || st.opts.may_replicate(dkey, st.remote_static);
}

void on_handshake(self_ptr self, const public_key& remote_static) {
  auto& st = self->state;
  st.remote_static = remote_static;
  if (st.opts.authenticate && !st.opts.authenticate(remote_static)) {
    // As the reference's onauthenticate refusal: our pending handshake message is not sent.
    if (st.session->has_output()) (void)st.session->take_output();
    shutdown(self, "authentication refused");
    return;
  }
  notice(self, "handshake " + to_hex(remote_static));
  st.conn->mark_handshaken();
  for (const hash_t& dkey : st.opts.feeds_to_open) {
    auto feed = st.opts.registry->find(dkey);
    if (feed && !may_replicate(self, dkey))
      notice(self, "refused " + to_hex(dkey) + ": not allowed");
    else if (feed)
      open_and_attach(self, dkey, *feed);
    else
      notice(self, "refused " + to_hex(dkey) + ": not in the registry");
  }
}

void on_remote_open(self_ptr self, const replication::remote_open_event& ev) {
  auto& st = self->state;
  const hash_t& dkey = ev.discovery_key;
  auto feed = st.opts.registry->find(dkey);
  if (!feed || !may_replicate(self, dkey)) {  // a feed it may not see is one we do not have
    st.session->close_channel(dkey);
    notice(self, "refused " + to_hex(dkey) + (feed ? ": not allowed" : ": unknown feed"));
    return;
  }
  if (!st.session->verify_remote_open(ev.channel, feed->key)) {
    end_channel(self, dkey, "bad capability");
    notice(self, "refused " + to_hex(dkey) + ": bad capability");
    return;
  }
  channel_state* ch = open_and_attach(self, dkey, *feed);
  if (ch == nullptr) return;
  ch->remote_verified = true;
  notice(self, "open " + to_hex(dkey));
  send_ropen(self, *ch);
}

void on_frame(self_ptr self, replication::frame_event& ev) {
  auto& st = self->state;
  auto it = st.channels.find(ev.discovery_key);
  if (it == st.channels.end()) return;
  channel_state& ch = it->second;
  ch.held_bytes += ev.body.size();
  ch.held.push_back(wire_frame{ev.type, std::move(ev.body)});
  if (!ch.attached && ch.held_bytes > max_held_bytes) {
    shutdown(self, "protocol error: too much data before the feed attached");
  }
}

void on_remote_close(self_ptr self, const hash_t& dkey) {
  auto& st = self->state;
  auto it = st.channels.find(dkey);
  if (it == st.channels.end()) return;
  flush_frames(self, it->second);
  detach(self, it->second, "remote closed");
  st.channels.erase(it);
  notice(self, "end " + to_hex(dkey));
  maybe_finish(self);
}

void handle_event(self_ptr self, replication::event& e) {
  if (auto* h = std::get_if<replication::handshake_event>(&e)) {
    on_handshake(self, h->remote_static);
  } else if (auto* o = std::get_if<replication::remote_open_event>(&e)) {
    on_remote_open(self, *o);
  } else if (auto* f = std::get_if<replication::frame_event>(&e)) {
    on_frame(self, *f);
  } else if (auto* c = std::get_if<replication::remote_close_event>(&e)) {
    on_remote_close(self, c->discovery_key);
  } else if (auto* err = std::get_if<replication::error_event>(&e)) {
    shutdown(self, "protocol error: " + err->error.message());
  }
}

// Runs the session's events, then hands each feed its frames (one message per feed).
void handle_events(self_ptr self) {
  auto& st = self->state;
  for (auto& e : st.session->take_events()) {
    if (st.closing) return;
    handle_event(self, e);
  }
  if (st.closing) return;
  for (auto& kv : st.channels) flush_frames(self, kv.second);
  flush_output(self);
}

// Opens one more feed on this connection (queued until the handshake is done).
void on_open(self_ptr self, const hash_t& dkey) {
  auto& st = self->state;
  if (!st.session->ready()) {
    st.opts.feeds_to_open.push_back(dkey);
    return;
  }
  auto feed = st.opts.registry->find(dkey);
  if (!feed || !may_replicate(self, dkey)) {
    notice(self, "refused " + to_hex(dkey) + (feed ? ": not allowed" : ": not in the registry"));
    return;
  }
  open_and_attach(self, dkey, *feed);
  flush_output(self);
}

// Reports to each feed the bytes of its frames the connection handed to the network (its
// replicator's send credit), and pauses reading while too much waits to be sent. Runs after
// every write and on a short timer while anything is unreported or reading is paused.
void check_flow(self_ptr self) {
  auto& st = self->state;
  flow_state& fl = st.flow;
  const uint64_t pending = st.conn->pending_bytes();
  const uint64_t handed = fl.written > pending ? fl.written - pending : 0;
  std::map<hash_t, uint64_t> reports;
  while (!fl.marks.empty() && fl.marks.front().end <= handed) {
    reports[fl.marks.front().dkey] += fl.marks.front().body_bytes;
    fl.marks.pop_front();
  }
  for (const auto& [dkey, bytes] : reports) {
    auto it = st.channels.find(dkey);
    if (it != st.channels.end() && it->second.attach_sent) {
      self->send(it->second.feed.feed, ddb_sent_atom_v, st.peer_id, bytes);
    }
  }
  const uint64_t pause_at = read_pause_bytes + read_pause_per_channel * st.channels.size();
  if (!fl.read_paused && pending > pause_at) {
    fl.read_paused = true;
    st.conn->set_reading(false);
    notice(self, "reading paused: " + std::to_string(pending) + " bytes wait to be sent");
  } else if (fl.read_paused && pending < read_resume_bytes) {
    fl.read_paused = false;
    st.conn->set_reading(true);
    notice(self, "reading resumed");
  }
  const bool moved = !reports.empty() || pending != fl.last_pending;
  fl.last_pending = pending;
  fl.delay = moved ? flow_recheck_min : std::min(fl.delay * 2, flow_recheck_max);
  if ((!fl.marks.empty() || fl.read_paused) && !fl.timer) {
    fl.timer = true;
    self->delayed_send(self, fl.delay, ddb_flow_atom_v);
  }
}

void on_flow_timer(self_ptr self) {
  self->state.flow.timer = false;
  if (!self->state.closing) check_flow(self);
}

void on_send(self_ptr self, const hash_t& dkey, const wire_frames& frames) {
  auto& st = self->state;
  auto id = st.session->local_channel(dkey);
  if (!id) return;  // closed meanwhile
  size_t bytes = 0;
  uint64_t body_bytes = 0;
  for (const wire_frame& f : frames) {
    bytes += f.body.size() + 2 * wire::max_varint_size;
    body_bytes += f.body.size();
  }
  st.session->reserve_output(bytes);
  for (const wire_frame& f : frames) st.session->send(*id, f.type, f.body);
  flush_output(self);
  st.flow.marks.push_back(sent_mark{dkey, st.flow.written, body_bytes});
  check_flow(self);
}

void tick(self_ptr self) {
  auto& st = self->state;
  if (st.closing) return;
  if (++st.ticks_since_recv >= timeout_after_ticks) {
    shutdown(self, "timeout");
    return;
  }
  if (st.session->ready() && ++st.ticks_since_send >= ping_after_ticks) {
    st.session->send_keep_alive();
    flush_output(self);
  }
  self->delayed_send(self, st.opts.keep_alive / ticks_per_interval, ddb_tmo_atom_v);
}

// The handshake deadline: a tagged keep-alive message (ddb_tmo_atom, true) on CAF's clock.
void arm_handshake_deadline(self_ptr self) {
  auto& st = self->state;
  if (st.opts.handshake_timeout.count() <= 0 || st.session->ready()) return;
  self->delayed_send(self, st.opts.handshake_timeout, ddb_tmo_atom_v, true);
}

void on_handshake_deadline(self_ptr self) {
  auto& st = self->state;
  if (st.closing || st.session->ready()) return;
  if (st.opts.counters) ++st.opts.counters->handshake_timeouts;
  shutdown(self, "handshake timeout");
}

caf::behavior peer_actor_impl(self_ptr self, connection_ptr conn, peer_actor_options opts,
                              uint64_t peer_id) {
  auto& st = self->state;
  st.conn = std::move(conn);
  st.opts = std::move(opts);
  st.peer_id = peer_id;
  st.opts.session.initiator = st.conn->initiator();
  st.session = std::make_unique<replication::session>(st.opts.session);
  st.conn->attach(caf::actor_cast<caf::actor>(self));
  st.session->start();
  handle_events(self);  // without Noise the session is ready at once
  flush_output(self);
  self->delayed_send(self, st.opts.keep_alive / ticks_per_interval, ddb_tmo_atom_v);
  arm_handshake_deadline(self);
  return {
      [=](ddb_recv_atom, byte_buffer& bytes) {
        if (self->state.closing) return;
        self->state.ticks_since_recv = 0;
        self->state.session->recv(std::move(bytes));
        handle_events(self);
      },
      [=](ddb_down_atom, const std::string& reason) { shutdown(self, "connection: " + reason); },
      [=](ddb_send_atom, const hash_t& dkey, const wire_frames& frames) {
        if (!self->state.closing) on_send(self, dkey, frames);
      },
      [=](ddb_end_atom, const hash_t& dkey) {
        if (self->state.closing) return;
        end_channel(self, dkey, "ended");
        maybe_finish(self);
      },
      [=](ddb_kick_atom, const hash_t& dkey, const std::string& reason) {
        shutdown(self, "kicked (" + to_hex(dkey) + "): " + reason);
      },
      [=](ddb_open_atom, const hash_t& dkey) {
        if (!self->state.closing) on_open(self, dkey);
      },
      [=](ddb_tmo_atom) { tick(self); },
      [=](ddb_flow_atom) { on_flow_timer(self); },
      [=](ddb_tmo_atom, bool) { on_handshake_deadline(self); },
  };
}

}  // namespace

bool closed_for_misbehaviour(const std::string& reason) {
  auto starts_with = [&](const char* prefix) { return reason.rfind(prefix, 0) == 0; };
  const bool stalled = reason.find("): request timeout") != std::string::npos;
  return starts_with("protocol error") || (starts_with("kicked") && !stalled);
}

uint64_t next_peer_id() {
  static std::atomic<uint64_t> counter{0};
  return ++counter;
}

caf::actor spawn_peer_actor(caf::actor_system& sys, connection_ptr conn,
                            peer_actor_options options) {
  uint64_t id = options.id != 0 ? options.id : next_peer_id();
  return sys.spawn(peer_actor_impl, std::move(conn), std::move(options), id);
}

}  // namespace ddb
