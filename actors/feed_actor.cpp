// The feed actor: a thin shell around the `feed` engine. It groups concurrent appends into one
// signed batch, parks gets that wait for blocks, and publishes append/close events.
#include "actors/feed_actor.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "messages/errors.hpp"

namespace ddb {

namespace {

struct pending_append {
  block_list blocks;
  caf::typed_response_promise<uint64_t> rp;
};

struct waiting_get {
  uint64_t id = 0;
  uint64_t start = 0;
  uint64_t end = 0;     // exclusive
  bool batch = false;   // reply with a block_list instead of one block
  bool head = false;    // wait for any block, reply with the latest
  caf::typed_response_promise<byte_buffer> one;
  caf::typed_response_promise<block_list> many;
};

struct feed_state {
  std::shared_ptr<feed> engine;
  feed_actor_options opts;
  std::vector<pending_append> appends;
  bool flush_scheduled = false;
  std::vector<waiting_get> waiting;
  uint64_t next_wait_id = 1;
  std::vector<caf::actor> subscribers;
  static inline const char* name = "ddb.feed";
};

using self_ptr = feed_actor::stateful_pointer<feed_state>;

void publish(self_ptr self, feed_event_type type) {
  auto& st = self->state;
  feed_event ev{type, st.engine->length(), st.engine->byte_length()};
  for (auto& sub : st.subscribers) caf::anon_send(sub, ddb_event_atom_v, ev);
}

bool ready(const feed& f, const waiting_get& w) {
  if (w.head) return f.length() > 0 && f.has(f.length() - 1);
  return f.has(w.start, w.end);
}

void fulfil(self_ptr self, waiting_get& w) {
  feed& f = *self->state.engine;
  if (w.batch) {
    block_list out;
    status s = f.get_batch(w.start, w.end, out);
    if (s) w.many.deliver(std::move(out));
    else w.many.deliver(to_caf_error(s));
    return;
  }
  auto r = f.get(w.head ? f.length() - 1 : w.start);
  if (r) w.one.deliver(std::move(*r));
  else w.one.deliver(to_caf_error(r.error()));
}

void fail(waiting_get& w, const status& s) {
  if (w.batch) w.many.deliver(to_caf_error(s));
  else w.one.deliver(to_caf_error(s));
}

// Answers every parked get that the feed can now satisfy.
void service_waiting(self_ptr self) {
  auto& st = self->state;
  auto it = st.waiting.begin();
  while (it != st.waiting.end()) {
    if (ready(*st.engine, *it)) {
      fulfil(self, *it);
      it = st.waiting.erase(it);
    } else {
      ++it;
    }
  }
}

void park(self_ptr self, waiting_get w, const get_options& opts) {
  auto& st = self->state;
  w.id = st.next_wait_id++;
  if (opts.timeout_ms > 0) {
    self->delayed_send(self, std::chrono::milliseconds(opts.timeout_ms), ddb_tmo_atom_v, w.id);
  }
  st.waiting.push_back(std::move(w));
}

// Appends every queued request as one batch (bounded by max_append_batch blocks).
void flush_appends(self_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  while (!st.appends.empty()) {
    std::vector<byte_view> views;
    size_t taken = 0;
    while (taken < st.appends.size() &&
           (views.empty() || views.size() + st.appends[taken].blocks.size() <=
                                 st.opts.max_append_batch)) {
      for (const auto& b : st.appends[taken].blocks) views.emplace_back(b);
      ++taken;
    }
    auto first = st.engine->append(views);
    uint64_t at = first ? *first : 0;
    for (size_t i = 0; i < taken; ++i) {
      auto& req = st.appends[i];
      if (first) req.rp.deliver(at);
      else req.rp.deliver(to_caf_error(first.error()));
      at += req.blocks.size();
    }
    st.appends.erase(st.appends.begin(), st.appends.begin() + taken);
    if (first) {
      service_waiting(self);
      publish(self, feed_event_type::append);
    }
  }
}

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

void shut_down(self_ptr self, const status& why) {
  auto& st = self->state;
  for (auto& w : st.waiting) fail(w, why);
  st.waiting.clear();
  publish(self, feed_event_type::close);
  st.subscribers.clear();
}

template <class T>
caf::result<T> reply(result<T> r) {
  if (!r) return to_caf_error(r.error());
  return std::move(*r);
}

caf::result<void> reply(const status& s) {
  if (!s) return to_caf_error(s);
  return caf::unit;
}

feed_actor::behavior_type feed_behavior(self_ptr self, std::shared_ptr<feed> engine,
                                        feed_actor_options opts) {
  self->state.engine = std::move(engine);
  self->state.opts = opts;
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
      [=](ddb_get_atom, uint64_t index, get_options o) -> caf::result<byte_buffer> {
        feed& f = *self->state.engine;
        if (f.closed() || f.has(index) || !o.wait) return reply(f.get(index));
        waiting_get w;
        w.start = index;
        w.end = index + 1;
        w.one = self->make_response_promise<byte_buffer>();
        auto rp = w.one;
        park(self, std::move(w), o);
        return rp;
      },
      [=](ddb_batch_atom, uint64_t start, uint64_t end,
          get_options o) -> caf::result<block_list> {
        feed& f = *self->state.engine;
        if (end < start) return to_caf_error(make_error(errc::bad_index, "end before start"));
        if (f.closed() || f.has(start, end) || !o.wait) {
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
        if (f.length() > 0 || f.closed() || !o.wait) {
          if (f.length() == 0) return to_caf_error(make_error(errc::bad_index, "the feed is empty"));
          return reply(f.get(f.length() - 1));
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
        return self->state.engine->has(start, end);
      },
      [=](ddb_dl_atom, uint64_t start, uint64_t end) -> uint64_t {
        return self->state.engine->downloaded(start, end);
      },
      [=](ddb_clear_atom, uint64_t start, uint64_t end) -> caf::result<void> {
        status s = self->state.engine->clear(start, end);
        if (s) publish(self, feed_event_type::clear);
        return reply(s);
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
        auto r = self->state.engine->audit();
        if (!r) return to_caf_error(r.error());
        return audit_reply{r->valid, r->invalid};
      },
      [=](ddb_info_atom) -> feed_info {
        const feed& f = *self->state.engine;
        feed_info info;
        info.key = f.key();
        info.discovery_key = f.discovery_key();
        info.length = f.length();
        info.byte_length = f.byte_length();
        info.downloaded = f.downloaded();
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
      [=](ddb_close_atom) -> caf::result<void> {
        flush_appends(self);
        shut_down(self, make_error(errc::closed, "the feed was closed"));
        status s = self->state.engine->close();
        self->quit();
        return reply(s);
      },
      [=](ddb_destroy_atom) -> caf::result<void> {
        flush_appends(self);
        shut_down(self, make_error(errc::closed, "the feed was destroyed"));
        status s = self->state.engine->destroy_storage();
        self->quit();
        return reply(s);
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
