// Replicator: choosing what to request from whom. Priorities: blocks that gets wait for, then
// proof of a wanted length, then the download selections. Each peer keeps up to max_requests in
// flight; a block is requested from one peer at a time (reserved_).
#include <algorithm>

#include "core/assert.hpp"
#include "core/splitmix.hpp"
#include "protocol/replicator.hpp"

namespace ddb::replication {

void replicator::fill_all() {
  for (auto& [id, p] : peers_) fill(p);
}

size_t replicator::request_limit() const {
  constexpr size_t unknown_size = 128;  // before the first signed length tells the block size
  constexpr uint64_t at_least = 8;
  const uint64_t length = feed_.length();
  if (length == 0 || feed_.byte_length() == 0) return std::min(opts_.max_requests, unknown_size);
  const uint64_t average = std::max<uint64_t>(1, feed_.byte_length() / length);
  const uint64_t by_bytes = std::max(at_least, opts_.max_inflight_bytes / average);
  return static_cast<size_t>(std::min<uint64_t>(opts_.max_requests, by_bytes));
}

void replicator::fill(peer_state& p) {
  if (!p.downloading || !p.remote_uploading || !p.remote_opened) return;
  const size_t limit = request_limit();
  while (p.inflight.size() < limit) {
    auto next = pick(p);
    if (!next) break;
    request(p, next->first, next->second);
  }
}

void replicator::request(peer_state& p, uint64_t index, bool hash) {
  DDB_ASSERT(!feed_.writable());  // a writer never takes blocks from peers (pick)
  wire::request_message r;
  r.index = index;
  if (hash) r.hash = true;
  uint64_t digest = feed_.tree().digest(2 * index);
  if (digest) r.nodes = digest;
  reserved_.insert(index);
  p.inflight.push_back(inflight_request{index, hash});
  send(p, wire::message_type::request, r);
}

// Whether `p`'s length is one to verify now: an update asked for it, or (eager_update) it is
// longer than ours. Then its tip's proof is fetched, which moves our verified length.
bool replicator::wants_length_of(const peer_state& p) const {
  const uint64_t target =
      opts_.eager_update ? std::max(wanted_length_, p.remote_length) : wanted_length_;
  return target > feed_.length() && p.remote_length >= target;
}

std::optional<std::pair<uint64_t, bool>> replicator::pick(peer_state& p) {
  // The writer is the authority on its feed: it never takes blocks (or a longer signed length)
  // from peers, which could only come from another holder of its key, that is, a fork.
  if (feed_.writable()) return std::nullopt;
  if (link_needed_) {  // the block whose proof links our roots, from a peer that has it
    const uint64_t at = feed_.length();
    // A sparse feed asks for hashes only: it must not download what nobody asked for.
    if (p.remote.get(at) && !reserved_.count(at)) return std::make_pair(at, opts_.sparse);
  }
  for (uint64_t index : priority_) {
    if (!feed_.has(index) && p.remote.get(index) && !reserved_.count(index)) {
      return std::make_pair(index, false);
    }
  }
  if (wants_length_of(p)) {
    uint64_t tip = p.remote_length - 1;
    if (!reserved_.count(tip) && !feed_.tree().get(2 * tip)) return std::make_pair(tip, true);
  }
  for (auto& [id, s] : selections_) {
    if (auto index = pick_in(p, s)) return std::make_pair(*index, false);
  }
  return std::nullopt;
}

std::optional<uint64_t> replicator::pick_in(peer_state& p, selection& s) {
  if (!s.blocks.empty()) {
    for (uint64_t b : s.blocks) {
      if (!feed_.has(b) && p.remote.get(b) && !reserved_.count(b)) return b;
    }
    return std::nullopt;
  }
  const uint64_t end = std::min(s.end.value_or(UINT64_MAX), p.remote_length);
  if (s.first_missing >= end) return std::nullopt;
  // Skip the prefix we hold.
  auto first = feed_.bits().next_unset(s.first_missing, end);
  s.first_missing = first.value_or(end);
  if (!first) return std::nullopt;
  auto scan = [&](uint64_t from, uint64_t to) -> std::optional<uint64_t> {
    for (uint64_t i = from; i < to;) {
      auto want = feed_.bits().next_unset(i, to);
      if (!want) return std::nullopt;
      auto have = p.remote.next_set(*want, to);
      if (!have) return std::nullopt;
      if (!feed_.has(*have) && !reserved_.count(*have)) return *have;
      i = *have + 1;
    }
    return std::nullopt;
  };
  if (s.linear || end - s.first_missing <= request_limit() * 4) {
    uint64_t from = std::max(s.first_missing, s.scan_from);
    auto found = scan(from, end);
    if (found) s.scan_from = *found + 1;
    return found;
  }
  // Non-linear: each peer scans from its own random cursor, so peers spread over the range
  // while each still reads runs of neighbouring blocks.
  if (p.cursor < s.first_missing || p.cursor >= end) {
    p.cursor = s.first_missing + splitmix64(rng_state_) % (end - s.first_missing);
  }
  auto found = scan(p.cursor, end);
  if (!found) found = scan(s.first_missing, p.cursor);
  if (found) p.cursor = *found + 1;
  return found;
}

bool replicator::send_want(peer_state& p, uint64_t chunk) {
  if (p.wants.count(chunk) || !p.downloading) return true;
  if (p.inflight_wants >= opts_.limits.max_inflight_wants ||
      p.wants.size() >= opts_.limits.max_wants) {
    abuse_.wants_capped++;  // more follow as answers come in
    return false;
  }
  p.wants.insert(chunk);
  p.inflight_wants++;
  DDB_ASSERT(p.inflight_wants <= opts_.limits.max_inflight_wants &&
             p.wants.size() <= opts_.limits.max_wants);
  wire::want_message w;
  w.start = chunk * want_chunk;
  w.length = want_chunk;
  send(p, wire::message_type::want, w);
  return true;
}

// Wants only for chunks we may need: below the remote bound and the peer's (clamped) length;
// at most max_inflight_wants unanswered, max_wants in all.
void replicator::send_wants(peer_state& p) {
  if (!p.downloading || !p.remote_uploading) return;
  if (!send_want(p, 0)) return;  // always follow the start of the feed, as the reference
  const uint64_t bound = std::max<uint64_t>(remote_bound(), 1);
  for (uint64_t index : priority_) {
    if (!send_want(p, index / want_chunk)) return;
  }
  for (const auto& [id, s] : selections_) {
    if (!s.blocks.empty()) {
      for (uint64_t b : s.blocks) {
        if (!send_want(p, b / want_chunk)) return;
      }
      continue;
    }
    const uint64_t end =
        std::min({s.end.value_or(UINT64_MAX), std::max(p.remote_length, uint64_t{1}), bound});
    for (uint64_t c = s.start / want_chunk; c < UINT64_MAX / want_chunk && c * want_chunk < end;
         ++c) {
      if (!send_want(p, c)) return;
    }
  }
}

void replicator::rescan_from(uint64_t index) {
  for (auto& [id, s] : selections_) s.scan_from = std::min(s.scan_from, index);
}

void replicator::check_selections(bool downloaded) {
  const uint64_t length = feed_.length();
  for (auto it = selections_.begin(); it != selections_.end();) {
    selection& s = it->second;
    bool done = false;
    if (s.implicit) {
      done = false;
    } else if (!s.blocks.empty()) {
      done =
          std::all_of(s.blocks.begin(), s.blocks.end(), [&](uint64_t b) { return feed_.has(b); });
    } else if (s.end) {
      done = length >= *s.end && feed_.has(s.start, *s.end);
    }
    if (done) {
      emit(event_kind::selection_done, 0, s.id);
      it = selections_.erase(it);
    } else {
      ++it;
    }
  }
  // As the reference: whenever a download leaves the feed complete, also at a longer length
  // (local appends of a writer do not count).
  bool synced = length > 0 && feed_.has(0, length);
  if (synced && (!synced_ || (downloaded && length > synced_length_))) {
    emit(event_kind::sync, 0, length);
    synced_length_ = length;
  }
  synced_ = synced;
}

// One-shot replication: once we need nothing more from the peer, tell it (Status); once
// neither side downloads, the channel can close.
void replicator::check_done(peer_state& p) {
  if (p.info.live || !p.remote_opened || p.inflight_wants > 0) return;
  const bool need_more = p.downloading && !p.inflight.empty();
  bool wants_more = false;
  if (p.downloading) {
    for (const auto& [id, s] : selections_) {
      uint64_t end = std::min(s.end.value_or(UINT64_MAX), p.remote_length);
      if (!s.blocks.empty() || (s.start < end && !feed_.has(s.start, end))) wants_more = true;
    }
    if (wants_length_of(p)) wants_more = true;
  }
  if (need_more || wants_more) return;
  if (!p.ended) {
    p.ended = true;
    wire::status_message st;
    st.downloading = false;
    st.uploading = p.uploading;
    send(p, wire::message_type::status, st);
  }
  if (!p.remote_downloading || !p.uploading) emit(event_kind::end_peer, p.id);
}

}  // namespace ddb::replication
