// The feed actor's writes: append batches and put batches go to its storage actor; what they
// make visible (append replies and events, Haves, acks, downloads) waits for its reply.
#include <caf/all.hpp>

#include "actors/feed_state.hpp"
#include "core/assert.hpp"
#include "messages/errors.hpp"

namespace ddb::detail {

namespace {

storage_write make_write(self_ptr self, uint64_t sequence,
                         std::shared_ptr<const write_batch> batch) {
  return storage_write{sequence, self->state.write_generation, std::move(batch)};
}

void run_when_written(self_ptr self) {
  auto& st = self->state;
  while (!st.when_written.empty() && writes_quiet(self)) {
    auto fn = std::move(st.when_written.front());
    st.when_written.pop_front();
    fn();
  }
}

// The storage actor answered put batch `sequence` (in order): release what waited for it.
void puts_confirmed(self_ptr self, uint64_t sequence, const status& written) {
  auto& st = self->state;
  DDB_ASSERT(sequence == st.puts_done + 1 && "the storage actor answers in order");
  st.engine->puts_written();
  st.puts_done = sequence;
  if (!written && !st.puts_failed) {
    // As a failed synchronous flush did: nothing of this batch (or after it) is announced, and
    // replication stops. The storage actor refuses the rest of this generation.
    st.puts_failed = true;
    st.held.clear();
    shut_down(self, written);
  }
  // What was staged while this batch was written goes next, as one batch. When nothing was,
  // every held output rests on written batches only.
  ship_puts(self);
  const bool idle = st.puts_done == st.puts_sent;
  while (!st.puts_failed && !st.held.empty() && (idle || st.held.front().after <= st.puts_done)) {
    held_output h = std::move(st.held.front());
    st.held.pop_front();
    deliver(self, h.out, h.events);
  }
  if (!st.waiting.empty()) service_waiting(self);
  if (!st.puts_failed) pump(self);
  run_when_written(self);
}

// The storage actor answered the append being written (this actor awaited it).
void appended(self_ptr self, const std::shared_ptr<std::vector<pending_append>>& reqs,
              uint64_t count, const status& written) {
  auto& st = self->state;
  st.appending = false;
  auto first = st.engine->finish_append(written);
  // Rolled back: the next batch rewrites the pages, so the storage actor may write again.
  if (!first) ++st.write_generation;
  uint64_t at = first ? *first : 0;
  for (auto& req : *reqs) {
    if (first)
      req.rp.deliver(at);
    else
      req.rp.deliver(to_caf_error(first.error()));
    at += req.blocks.size();
  }
  if (first) {
    service_waiting(self);
    // The replicator emits the append event (published by pump), once per batch.
    st.repl->on_local_append(*first, count);
    pump(self);
  }
  flush_appends(self);
  run_when_written(self);
}

}  // namespace

bool writes_quiet(self_ptr self) {
  auto& st = self->state;
  return !st.appending && st.puts_done == st.puts_sent && st.engine->quiet();
}

void after_writes(self_ptr self, std::function<void()> fn) {
  ship_puts(self);
  self->state.when_written.push_back(std::move(fn));
  run_when_written(self);
}

void ship_puts(self_ptr self) {
  auto& st = self->state;
  if (st.puts_done < st.puts_sent) return;  // one batch at a time (see puts_confirmed)
  auto batch = st.engine->prepare_puts();
  if (!batch) return;
  const uint64_t sequence = ++st.puts_sent;
  self->request(st.storage, caf::infinite, ddb_write_atom_v, make_write(self, sequence, batch))
      .then([=](uint64_t) { puts_confirmed(self, sequence, status::ok()); },
            [=](caf::error& e) { puts_confirmed(self, sequence, from_caf_error(e)); });
}

void flush_appends(self_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.appending || st.appends_waiting) return;  // the reply (or the wait) flushes again
  while (!st.appends.empty()) {
    if (!writes_quiet(self)) {
      // Appends follow the put batches already on their way (files in order, one at a time).
      st.appends_waiting = true;
      after_writes(self, [=] {
        self->state.appends_waiting = false;
        flush_appends(self);
      });
      return;
    }
    std::vector<byte_view> views;
    size_t taken = 0;
    while (taken < st.appends.size() &&
           (views.empty() ||
            views.size() + st.appends[taken].blocks.size() <= st.opts.max_append_batch)) {
      for (const auto& b : st.appends[taken].blocks) views.emplace_back(b);
      ++taken;
    }
    auto prepared = st.engine->prepare_append(views);
    auto reqs = std::make_shared<std::vector<pending_append>>(
        std::make_move_iterator(st.appends.begin()),
        std::make_move_iterator(st.appends.begin() + static_cast<long>(taken)));
    st.appends.erase(st.appends.begin(), st.appends.begin() + static_cast<long>(taken));
    if (!prepared || !prepared->batch) {  // refused, or nothing to write
      uint64_t at = prepared ? prepared->first : 0;
      for (auto& req : *reqs) {
        if (prepared)
          req.rp.deliver(at);
        else
          req.rp.deliver(to_caf_error(prepared.error()));
      }
      continue;
    }
    st.appending = true;
    const uint64_t count = views.size();
    // Awaited: nothing else touches the engine until the batch is on disk (as before, when the
    // write was a call), so a half-appended feed is never seen.
    self->request(st.storage, caf::infinite, ddb_write_atom_v, make_write(self, 0, prepared->batch))
        .await([=](uint64_t) { appended(self, reqs, count, status::ok()); },
               [=](caf::error& e) { appended(self, reqs, count, from_caf_error(e)); });
    return;
  }
}

}  // namespace ddb::detail
