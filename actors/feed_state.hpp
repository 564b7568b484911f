#pragma once
// The feed actor's state and the helpers its handlers share (private to actors/).
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include <caf/response_promise.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/feed_actor.hpp"
#include "actors/feed_extensions.hpp"
#include "messages/storage_actor.hpp"
#include "protocol/replicator.hpp"

namespace ddb::detail {

struct pending_append {
  block_list blocks;
  caf::typed_response_promise<uint64_t> rp;
};

struct waiting_get {
  uint64_t id = 0;
  uint64_t start = 0;
  uint64_t end = 0;    // exclusive
  bool batch = false;  // reply with a block_list instead of one block
  bool head = false;   // wait for any block, reply with the latest
  caf::typed_response_promise<byte_buffer> one;
  caf::typed_response_promise<block_list> many;
};

struct waiting_update {
  uint64_t id = 0;
  uint64_t min_length = 0;
  bool if_available = false;
  caf::typed_response_promise<uint64_t> rp;
};

// Replicator output produced while put batches were being written: sent once the storage actor
// has confirmed every batch up to `after` (nothing is announced before it is on disk).
struct held_output {
  std::vector<replication::outgoing> out;
  std::vector<replication::replicator_event> events;
  uint64_t after = 0;
};

struct feed_state {
  std::shared_ptr<feed> engine;
  feed_actor_options opts;
  std::unique_ptr<replication::replicator> repl;
  std::vector<pending_append> appends;
  bool flush_scheduled = false;
  bool tick_scheduled = false;  // a replication deadline tick is on its way (see pump)
  std::vector<waiting_get> waiting;
  std::vector<waiting_update> updates;
  uint64_t next_wait_id = 1;
  std::vector<caf::actor> subscribers;
  std::map<uint64_t, caf::actor> peers;  // peer id -> its peer actor
  std::map<uint64_t, std::vector<caf::response_promise>> download_waits;
  std::set<uint64_t> open_downloads;
  feed_extensions ext;  // replication extensions (feed_extensions.cpp)
  // Writes (feed_writes.cpp): the storage actor, the put batches sent to it and confirmed, the
  // append being written, output held until its batches are confirmed, and work that waits
  // until nothing is being written (clear, audit, close, appends behind puts).
  storage_actor storage;
  uint64_t write_generation = 0;
  uint64_t puts_sent = 0;
  uint64_t puts_done = 0;
  bool puts_failed = false;
  bool appending = false;
  bool appends_waiting = false;  // flush_appends is queued in when_written
  std::deque<held_output> held;
  std::deque<std::function<void()>> when_written;
  static inline const char* name = "ddb.feed";
};

using self_ptr = feed_actor::stateful_pointer<feed_state>;

void publish(self_ptr self, feed_event ev);
void publish(self_ptr self, feed_event_type type);
// Answers every parked get and update that can now be answered.
void service_waiting(self_ptr self);
void park(self_ptr self, waiting_get w, const get_options& opts);
void fail(waiting_get& w, const status& s);
// Appends the queued requests as one batch (bounded by max_append_batch blocks), written by the
// storage actor while this actor awaits it; the next batch follows the reply.
void flush_appends(self_ptr self);
// Sends the staged puts to the storage actor as one batch, unless a batch is being written: then
// they go, with all staged meanwhile, when it is confirmed.
void ship_puts(self_ptr self);
// Runs `fn` once nothing is staged or being written (at once when nothing is).
void after_writes(self_ptr self, std::function<void()> fn);
bool writes_quiet(self_ptr self);
// Sends replicator output and acts on its events (pump, or a confirmed batch releasing it).
void deliver(self_ptr self, std::vector<replication::outgoing>& out,
             std::vector<replication::replicator_event>& events);
void service_updates(self_ptr self);
// After any replication input: flush staged puts, send frames, act on events.
void pump(self_ptr self);
// Fails every waiter with `why`, ends every peer's channel and publishes close; unless `why`
// is errc::closed (a close or destroy asked for), an error event carrying it goes first.
void shut_down(self_ptr self, const status& why);

}  // namespace ddb::detail
