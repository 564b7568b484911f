// The feed actor: a thin shell around the `feed` engine. It groups concurrent appends into one
// signed batch, parks gets that wait for blocks, and publishes append/close events. Its storage
// actor writes the batches (feed_writes.cpp); blocks become visible once they are written.
#include "actors/feed_actor.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "actors/feed_state.hpp"
#include "actors/storage_actor.hpp"
#include "messages/errors.hpp"

namespace ddb {

namespace {

using namespace detail;

status validate_append(const feed& f, const block_list& blocks) {
  if (f.closed()) return make_error(errc::closed, "the feed is closed");
  if (!f.writable()) return make_error(errc::not_writable, "the feed has no secret key");
  for (const auto& b : blocks) {
    if (b.size() > max_block_size) {
      return make_error(errc::block_too_large, "blocks must be at most 8 MiB");
    }
  }
  return status::ok();
}

template <class T>
caf::result<T> reply(result<T> r) {
  if (!r) return to_caf_error(r.error());
  return std::move(*r);
}

// Closed or destroyed: the storage actor goes with the feed actor.
void finish(self_ptr self) {
  self->send_exit(self->state.storage, caf::exit_reason::user_shutdown);
  self->quit();
}

// close and destroy: once every write is done, shut down with `why`, run `last` on the engine
// and stop; the reply carries last's outcome.
caf::result<void> end_feed(self_ptr self, const char* why, status (feed::*last)()) {
  auto rp = self->make_response_promise();
  flush_appends(self);
  after_writes(self, [=]() mutable {
    shut_down(self, make_error(errc::closed, why));
    status s = ((*self->state.engine).*last)();
    finish(self);
    if (s)
      rp.deliver(caf::unit);
    else
      rp.deliver(to_caf_error(s));
  });
  return rp;
}

feed_actor::behavior_type feed_behavior(self_ptr self, std::shared_ptr<feed> engine,
                                        feed_actor_options opts) {
  self->state.engine = std::move(engine);
  self->state.opts = opts;
  self->state.engine->defer_writes(true);
  auto files = self->state.engine->files();
  self->state.storage = opts.detached
                            ? self->spawn<caf::detached + caf::linked>(storage_behavior, files)
                            : self->spawn<caf::linked>(storage_behavior, files);
  self->state.repl =
      std::make_unique<replication::replicator>(*self->state.engine, opts.replication);
  self->set_down_handler([=](caf::down_msg& m) { extension_down(self, m); });
  return {
      [=](ddb_append_atom, block_list& blocks) -> caf::result<uint64_t> {
        auto& st = self->state;
        status ok = validate_append(*st.engine, blocks);
        if (!ok) return to_caf_error(ok);
        auto rp = self->make_response_promise<uint64_t>();
        st.appends.push_back({std::move(blocks), rp});
        if (!st.flush_scheduled) {
          st.flush_scheduled = true;
          self->send(self, ddb_flush_atom_v);  // later appends already queued join this batch
        }
        return rp;
      },
      [=](ddb_flush_atom) { flush_appends(self); },
      [=](ddb_rtick_atom) {
        self->state.tick_scheduled = false;
        if (!self->state.repl || self->state.engine->closed()) return;
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
            self->clock().now().time_since_epoch());
        self->state.repl->on_tick(static_cast<uint64_t>(now.count()));
        pump(self);
      },
      [=](ddb_get_atom, uint64_t index, get_options o) -> caf::result<byte_buffer> {
        feed& f = *self->state.engine;
        const bool written = f.has(index) && !f.unwritten(index, index + 1);
        // Not waiting, a block still being written is served from its batch.
        if (f.closed() || written || !o.wait) return reply(f.get(index));
        waiting_get w;
        w.start = index;
        w.end = index + 1;
        w.one = self->make_response_promise<byte_buffer>();
        auto rp = w.one;
        park(self, std::move(w), o);
        return rp;
      },
      [=](ddb_batch_atom, uint64_t start, uint64_t end, get_options o) -> caf::result<block_list> {
        feed& f = *self->state.engine;
        if (end < start) return to_caf_error(make_error(errc::bad_index, "end before start"));
        const bool written = f.has(start, end) && !f.unwritten(start, end);
        if (f.closed() || written || !o.wait) {
          block_list out;
          status s = f.get_batch(start, end, out);
          if (!s) return to_caf_error(s);
          return out;
        }
        waiting_get w;
        w.start = start;
        w.end = end;
        w.batch = true;
        w.many = self->make_response_promise<block_list>();
        auto rp = w.many;
        park(self, std::move(w), o);
        return rp;
      },
      [=](ddb_head_atom, get_options o) -> caf::result<byte_buffer> {
        feed& f = *self->state.engine;
        const uint64_t length = f.written_length();
        if (length > 0 || f.closed() || !o.wait) {
          if (length == 0) return to_caf_error(make_error(errc::bad_index, "the feed is empty"));
          return reply(f.get(length - 1));
        }
        waiting_get w;
        w.head = true;
        w.one = self->make_response_promise<byte_buffer>();
        auto rp = w.one;
        park(self, std::move(w), o);
        return rp;
      },
      [=](ddb_tmo_atom, uint64_t id) {
        auto& ws = self->state.waiting;
        for (auto it = ws.begin(); it != ws.end(); ++it) {
          if (it->id != id) continue;
          fail(*it, make_error(errc::timeout, "timed out waiting for the block"));
          ws.erase(it);
          return;
        }
        auto& us = self->state.updates;
        for (auto it = us.begin(); it != us.end(); ++it) {
          if (it->id != id) continue;
          it->rp.deliver(
              to_caf_error(make_error(errc::timeout, "timed out waiting for an update")));
          us.erase(it);
          return;
        }
      },
      [=](ddb_cancel_atom, uint64_t start, uint64_t end) -> caf::result<void> {
        auto& ws = self->state.waiting;
        auto it = ws.begin();
        while (it != ws.end()) {
          bool hit = !it->head && it->start < end && start < it->end;
          if (hit) {
            fail(*it, make_error(errc::cancelled, "the get was cancelled"));
            it = ws.erase(it);
          } else {
            ++it;
          }
        }
        return caf::unit;
      },
      [=](ddb_has_atom, uint64_t start, uint64_t end) -> bool {
        const feed& f = *self->state.engine;
        return f.has(start, end) && !f.unwritten(start, end);
      },
      [=](ddb_dl_atom, uint64_t start, uint64_t end) -> uint64_t {
        const feed& f = *self->state.engine;
        return f.downloaded(start, end) - f.unwritten_count(start, end);
      },
      [=](ddb_clear_atom, uint64_t start, uint64_t end) -> caf::result<void> {
        auto rp = self->make_response_promise();
        after_writes(self, [=]() mutable {
          status s = self->state.engine->clear(start, end);
          if (s) {
            publish(self, feed_event_type::clear);
            self->state.repl->on_local_clear(start, end);
            pump(self);
          }
          if (s)
            rp.deliver(caf::unit);
          else
            rp.deliver(to_caf_error(s));
        });
        return rp;
      },
      [=](ddb_seek_atom, uint64_t bytes) -> caf::result<seek_reply> {
        auto r = self->state.engine->seek(bytes);
        if (!r) return to_caf_error(r.error());
        return seek_reply{r->index, r->offset};
      },
      [=](ddb_sig_atom, uint64_t index) -> caf::result<signature_reply> {
        std::optional<uint64_t> at;
        if (index != latest_index) at = index;
        auto r = self->state.engine->signature(at);
        if (!r) return to_caf_error(r.error());
        return signature_reply{r->index, r->signature};
      },
      [=](ddb_verify_atom, uint64_t index, signature_t sig) -> caf::result<bool> {
        return reply(self->state.engine->verify(index, sig));
      },
      [=](ddb_roots_atom, uint64_t index) -> caf::result<node_list> {
        return reply(self->state.engine->root_hashes(index));
      },
      [=](ddb_audit_atom) -> caf::result<audit_reply> {
        auto rp = self->make_response_promise<audit_reply>();
        after_writes(self, [=]() mutable {
          auto r = self->state.engine->audit();
          if (r)
            rp.deliver(audit_reply{r->valid, r->invalid});
          else
            rp.deliver(to_caf_error(r.error()));
        });
        return rp;
      },
      [=](ddb_info_atom) -> feed_info {
        const feed& f = *self->state.engine;
        feed_info info;
        info.key = f.key();
        info.discovery_key = f.discovery_key();
        info.length = f.written_length();
        info.byte_length = f.byte_length();
        info.downloaded = f.downloaded() - f.unwritten_count(0, f.length());
        info.writable = f.writable();
        info.readable = f.readable();
        return info;
      },
      [=](ddb_sub_atom, caf::actor sub) -> caf::result<void> {
        self->state.subscribers.push_back(std::move(sub));
        return caf::unit;
      },
      [=](ddb_unsub_atom, caf::actor sub) -> caf::result<void> {
        auto& subs = self->state.subscribers;
        subs.erase(std::remove(subs.begin(), subs.end(), sub), subs.end());
        return caf::unit;
      },
      [=](ddb_dload_atom, download_request& r) -> uint64_t {
        uint64_t id = self->state.repl->download(std::move(r));
        self->state.open_downloads.insert(id);
        pump(self);  // may complete at once
        return id;
      },
      [=](ddb_dwait_atom, uint64_t id) -> caf::result<void> {
        auto& st = self->state;
        if (!st.open_downloads.count(id)) return caf::unit;  // done already
        auto rp = self->make_response_promise();
        st.download_waits[id].push_back(rp);
        return rp;
      },
      [=](ddb_undl_atom, uint64_t id) -> caf::result<void> {
        auto& st = self->state;
        st.repl->undownload(id);
        st.open_downloads.erase(id);
        auto it = st.download_waits.find(id);
        if (it != st.download_waits.end()) {
          for (auto& rp : it->second) {
            rp.deliver(to_caf_error(make_error(errc::cancelled, "the download was cancelled")));
          }
          st.download_waits.erase(it);
        }
        return caf::unit;
      },
      [=](ddb_update_atom, update_request r) -> caf::result<uint64_t> {
        auto& st = self->state;
        const uint64_t length = st.engine->written_length();
        uint64_t min = r.min_length ? r.min_length : length + 1;
        if (length >= min) return length;
        if (r.if_available && st.engine->writable()) {
          return to_caf_error(make_error(errc::unavailable, "no update available from peers"));
        }
        waiting_update w;
        w.id = st.next_wait_id++;
        w.min_length = min;
        w.if_available = r.if_available;
        w.rp = self->make_response_promise<uint64_t>();
        auto rp = w.rp;
        if (r.timeout_ms > 0) {
          self->delayed_send(self, std::chrono::milliseconds(r.timeout_ms), ddb_tmo_atom_v, w.id);
        }
        st.updates.push_back(std::move(w));
        st.repl->want_length(min);
        pump(self);
        service_waiting(self);
        return rp;
      },
      [=](ddb_setdl_atom, bool on) -> caf::result<void> {
        self->state.repl->set_downloading(on);
        pump(self);
        return caf::unit;
      },
      [=](ddb_setul_atom, bool on) -> caf::result<void> {
        self->state.repl->set_uploading(on);
        pump(self);
        return caf::unit;
      },
      [=](ddb_stats_atom) -> feed_stats {
        auto& repl = *self->state.repl;
        feed_stats out;
        out.totals = repl.totals();
        for (const auto& row : repl.peer_stats()) {
          peer_stats p{row.peer, row.remote_length, row.stats, {}, {}};
          if (const auto* state = repl.peer(row.peer)) {
            p.remote_public_key = state->info.remote_public_key;
            p.remote_address = state->info.remote_address;
          }
          out.peers.push_back(std::move(p));
        }
        out.abuse = repl.abuse();
        return out;
      },
      [=](ddb_attach_atom, caf::actor peer, uint64_t id, peer_info info) -> caf::result<void> {
        auto& st = self->state;
        if (st.engine->closed()) return to_caf_error(make_error(errc::closed, "feed closed"));
        st.peers[id] = std::move(peer);
        extension_peer_attached(self, id, info);
        st.repl->add_peer(id, info);
        pump(self);
        return caf::unit;
      },
      [=](ddb_ropen_atom, uint64_t id) {
        self->state.repl->remote_open(id);
        pump(self);
      },
      [=](ddb_wire_atom, uint64_t id, wire_frames& frames) {
        self->state.repl->on_frames(id, frames);
        pump(self);
      },
      [=](ddb_sent_atom, uint64_t id, uint64_t bytes) {
        self->state.repl->on_sent(id, bytes);
        pump(self);
      },
      [=](ddb_detach_atom, uint64_t id, std::string& reason) {
        self->state.repl->remove_peer(id, reason);
        self->state.peers.erase(id);
        pump(self);
      },
      [=](ddb_extreg_atom, std::string& name, extension_actor ext) -> caf::result<void> {
        return register_extension(self, name, std::move(ext));
      },
      [=](ddb_extunr_atom, const std::string& name) -> caf::result<void> {
        return unregister_extension(self, name);
      },
      [=](ddb_extsnd_atom, const std::string& name, uint64_t peer, const byte_buffer& b) {
        send_extension(self, name, peer, b);
      },
      [=](ddb_extbc_atom, const std::string& name, const byte_buffer& b) {
        broadcast_extension(self, name, b);
      },
      [=](ddb_close_atom) -> caf::result<void> {
        return end_feed(self, "the feed was closed", &feed::close);
      },
      [=](ddb_destroy_atom) -> caf::result<void> {
        return end_feed(self, "the feed was destroyed", &feed::destroy_storage);
      },
  };
}

}  // namespace

feed_actor spawn_feed_actor(caf::actor_system& sys, std::unique_ptr<feed> f,
                            feed_actor_options opts) {
  std::shared_ptr<feed> engine(std::move(f));
  if (opts.detached) return sys.spawn<caf::detached>(feed_behavior, std::move(engine), opts);
  return sys.spawn(feed_behavior, std::move(engine), opts);
}

}  // namespace ddb
