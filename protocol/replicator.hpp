#pragma once
// The replication state machine of one feed across all its peers, sans-I/O: peer channels feed
// decoded frames in, the replicator answers requests from the local feed, schedules its own
// requests (deeply pipelined, spread over peers), verifies and stages received blocks through
// the engine, and emits outgoing frames and events. The feed actor owns one replicator and
// drains its outbox and events after every call. Same semantics as the reference's peer
// (ddatabase lib/replicate.js) on the wire; scheduling is our own.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "feed/feed.hpp"
#include "protocol/limits.hpp"
#include "protocol/peer_info.hpp"
#include "protocol/peer_state.hpp"
#include "protocol/range_request.hpp"
#include "wire/messages.hpp"

namespace ddb::replication {

struct replicator_options {
  bool sparse = false;  // only download what get/download ask for
  // A sparse feed learns every longer length a peer announces, as if update() were called for
  // it (the seed API's eagerUpdate): the peer's signed tip is verified, no block is downloaded.
  // A non-sparse feed downloads everything anyway.
  bool eager_update = false;
  // Requests in flight per peer: at most max_requests, and about max_inflight_bytes worth of
  // blocks at the feed's average block size (128 while that size is not known yet). Small blocks
  // need many in flight to cover a round trip; large ones fill it with few.
  size_t max_requests = 512;
  uint64_t max_inflight_bytes = 8 << 20;
  uint64_t seed = 1;  // spreads non-linear downloads over peers
  peer_limits limits;
  // Count blocks and bytes moved, per peer and in total (the seed API's `stats`); off, the
  // counts stay 0 (peers are still listed).
  bool stats = true;
  // Called for every verified block before it is written; an error refuses the block.
  std::function<status(uint64_t index, byte_view data, uint64_t peer)> on_write;
};

enum class event_kind : uint8_t {
  peer_add,
  peer_remove,
  peer_open,
  download,        // index, bytes, peer
  upload,          // index, bytes, peer
  sync,            // every block of [0, length) is stored
  append,          // the verified length grew (index = new length)
  selection_done,  // selection id in `index`
  ack,             // the peer wrote block `index` we sent it
  drop_peer,       // the peer misbehaved: end its connection (reason)
  end_peer,        // one-shot replication with the peer is complete: close the channel
  extension,       // an Extension message for a local extension: `name`, `payload`
};

struct replicator_event {
  event_kind kind;
  uint64_t peer = 0;
  uint64_t index = 0;
  uint64_t bytes = 0;
  std::string reason;
  std::string name;     // extension: the local extension's name
  byte_buffer payload;  // extension: the message bytes
};

struct outgoing {
  uint64_t peer = 0;
  wire_frames frames;
};

class replicator {
 public:
  // Borrows `f`, which must outlive the replicator.
  replicator(feed& f, replicator_options opts);

  // --- peers (from the peer actor, through the feed actor) ---
  void add_peer(uint64_t peer, const peer_info& info);
  void remote_open(uint64_t peer);
  void remove_peer(uint64_t peer, const std::string& reason);
  void on_frames(uint64_t peer, const wire_frames& frames);
  // The peer's connection handed `bytes` (frame bodies, as emitted) to the network: send
  // credit for answering its queued Requests and Wants.
  void on_sent(uint64_t peer, uint64_t bytes);

  // --- local feed changes ---
  void on_local_append(uint64_t start, uint64_t count);
  void on_local_clear(uint64_t start, uint64_t end);

  // --- what to download ---
  uint64_t download(range_request r);
  bool undownload(uint64_t id);
  // A waiting get: fetch `index` before anything else.
  void prioritize(uint64_t index);
  void deprioritize(uint64_t index);
  // An update: fetch proof of a length >= min_length.
  void want_length(uint64_t min_length);
  // True when every open peer has answered our wants: "nothing more is known to be available".
  bool settled() const;
  // The longest length any open peer advertises.
  uint64_t best_remote_length() const;

  // --- time (replicator_deadline.cpp) ---
  // The caller's monotonic clock, in milliseconds (the feed actor passes CAF's clock, so the
  // simulator drives it): drops peers past peer_limits::request_timeout_ms.
  void on_tick(uint64_t now_ms);
  // True while some peer has Requests or Wants of ours in flight: the caller ticks only then.
  bool awaiting() const;

  void set_downloading(bool on);
  void set_uploading(bool on);
  bool downloading() const { return downloading_; }
  bool uploading() const { return uploading_; }

  struct stats_row {
    uint64_t peer = 0;
    transfer_stats stats;
    uint64_t remote_length = 0;
  };
  transfer_stats totals() const { return totals_; }
  std::vector<stats_row> peer_stats() const;
  size_t peer_count() const { return peers_.size(); }
  const abuse_stats& abuse() const { return abuse_; }
  // For tests and the fuzz harness: the peer's state (nullptr when unknown).
  const peer_state* peer(uint64_t id) const;
  // Remote Have claims are tracked below this block (see peer_limits::max_remote_ahead).
  uint64_t remote_bound() const;

  // --- extensions (replicator_ext.cpp; the reference's abstract-extension semantics) ---
  // The local extension names; announced (sorted, deduplicated) in Options on remote open and
  // re-announced to open peers when they change. An outgoing message carries our sorted index;
  // an incoming one is resolved through the remote's announced list, then matched by name.
  void set_extensions(std::vector<std::string> names);
  const std::vector<std::string>& extensions() const { return extensions_; }
  // invalid_argument if `name` is not a local extension, not_found for an unknown peer.
  status send_extension(uint64_t peer, const std::string& name, byte_view payload);
  // To every peer (as the reference: also those that have not announced it). Returns the count.
  size_t broadcast_extension(const std::string& name, byte_view payload);
  // The names the peer announced (empty when unknown).
  std::vector<std::string> remote_extensions(uint64_t peer) const;

  // Drains what the last calls produced.
  void take(std::vector<outgoing>& out, std::vector<replicator_event>& events);

 private:
  // messages (replicator_recv.cpp)
  // `leaf`: the leaf hash of a Data value, when on_frames hashed it with its batch.
  void on_message(peer_state& p, uint8_t type, result<wire::message>& decoded,
                  const std::optional<hash_t>& leaf);
  void on_options(peer_state& p, const wire::options_message& m);
  void on_status(peer_state& p, const wire::status_message& m);
  void on_have(peer_state& p, const wire::have_message& m);
  void on_unhave(peer_state& p, const wire::unhave_message& m);
  void on_want(peer_state& p, const wire::want_message& m);
  void on_request(peer_state& p, const wire::request_message& m);
  void on_data(peer_state& p, wire::data_message& m, const std::optional<hash_t>& leaf);
  void on_extension(peer_state& p, const wire::extension_message& m);
  void send_options(peer_state& p);
  // limits (replicator_limits.cpp)
  void answer_request(peer_state& p, const queued_ask& a);
  void answer_want(peer_state& p, const queued_ask& a);
  void serve(peer_state& p);  // answers queued asks while the peer has send credit
  uint64_t send_window(const peer_state& p) const;
  // Counts an invalid message; drops the peer past the limit. Returns false when dropped.
  bool invalid(peer_state& p, const std::string& why);
  // Charges `pages` of range work beyond the first; false (and counted invalid) past the budget.
  bool charge_work(peer_state& p, uint64_t pages);
  // The remote bound grew: ask again for chunks whose claims were ignored.
  void refresh_bound();
  bool waiting_on(const peer_state& p) const;  // our Requests or Wants in flight
  // scheduling (replicator_schedule.cpp)
  void fill(peer_state& p);
  size_t request_limit() const;  // requests in flight per peer (replicator_options)
  void fill_all();
  std::optional<std::pair<uint64_t, bool>> pick(peer_state& p);
  bool wants_length_of(const peer_state& p) const;
  std::optional<uint64_t> pick_in(peer_state& p, selection& s);
  void request(peer_state& p, uint64_t index, bool hash);
  void send_wants(peer_state& p);
  bool send_want(peer_state& p, uint64_t chunk);  // false: a want cap was reached
  void check_selections(bool downloaded = false);
  // Block `index` was skipped by the scans (reserved) and is still wanted: scan from it again.
  void rescan_from(uint64_t index);  // after a verified download: true
  void check_done(peer_state& p);
  void release(peer_state& p);
  // output helpers
  template <class M>
  void send(peer_state& p, wire::message_type type, const M& m);
  // Block `index` (`bytes`) went to (upload) or came from (download) `p`: counted unless stats
  // are off, then emitted.
  void moved(peer_state& p, event_kind kind, uint64_t index, uint64_t bytes);
  void emit(event_kind kind, uint64_t peer, uint64_t index = 0, uint64_t bytes = 0,
            std::string reason = {});
  void drop(peer_state& p, const std::string& reason);
  peer_state* find(uint64_t peer);

  feed& feed_;
  replicator_options opts_;
  std::map<uint64_t, peer_state> peers_;
  std::map<uint64_t, selection> selections_;
  uint64_t next_selection_ = 1;
  std::set<uint64_t> priority_;
  // A peer's longer signed tree did not link to ours: fetch block length() first (its proof
  // links every current root), then the rest.
  bool link_needed_ = false;
  std::set<uint64_t> reserved_;  // blocks requested from some peer
  uint64_t wanted_length_ = 0;
  bool downloading_ = true;
  bool uploading_ = true;
  bool synced_ = false;
  uint64_t synced_length_ = 0;  // the length the last sync event reported
  uint64_t rng_state_;
  transfer_stats totals_;
  abuse_stats abuse_;
  uint64_t last_bound_ = 0;
  std::vector<std::string> extensions_;  // sorted, unique
  std::vector<outgoing> out_;
  std::vector<replicator_event> events_;
};

template <class M>
inline void replicator::send(peer_state& p, wire::message_type type, const M& m) {
  if (out_.empty() || out_.back().peer != p.id) out_.push_back(outgoing{p.id, {}});
  wire_frame f;
  f.type = static_cast<uint8_t>(type);
  wire::encode(m, f.body);
  p.unsent_bytes += f.body.size();
  out_.back().frames.push_back(std::move(f));
}

}  // namespace ddb::replication
