// Replicator: what a remote peer can make us spend. Requests and Wants are queued and answered
// while the peer has send credit (bytes we emitted for it that its connection has not yet handed
// to the network); Have claims are tracked only below the remote bound; range work and invalid
// messages are counted per peer, with a backoff and a drop past their limits (peer_limits).
#include <algorithm>

#include "protocol/replicator.hpp"
#include "wire/bitfield_rle.hpp"

namespace ddb::replication {

const peer_state* replicator::peer(uint64_t id) const {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : &it->second;
}

uint64_t replicator::remote_bound() const {
  uint64_t known = feed_.length();
  if (feed_.writable()) return known;  // the writer's length is the whole feed
  known = std::max(known, wanted_length_);
  for (const auto& [id, s] : selections_) {
    if (s.end) known = std::max(known, *s.end);
    for (uint64_t b : s.blocks) known = std::max(known, b + 1);
  }
  if (!priority_.empty()) known = std::max(known, *priority_.rbegin() + 1);
  const uint64_t ahead = opts_.limits.max_remote_ahead;
  return known > UINT64_MAX - ahead ? UINT64_MAX : known + ahead;
}

void replicator::refresh_bound() {
  const uint64_t bound = remote_bound();
  const bool grew = bound > last_bound_;
  last_bound_ = bound;
  if (!grew) return;
  for (auto& [id, p] : peers_) {
    if (p.clamped_from >= bound) continue;
    // Claims from clamped_from on were ignored: ask for those chunks again.
    p.wants.erase(p.wants.lower_bound(p.clamped_from / want_chunk), p.wants.end());
    p.clamped_from = UINT64_MAX;
    if (p.remote_opened) send_wants(p);
  }
}

bool replicator::invalid(peer_state& p, const std::string& why) {
  p.invalid++;
  abuse_.invalid_messages++;
  if (p.invalid <= opts_.limits.max_invalid_messages) return true;
  abuse_.peers_dropped_for_invalid++;
  drop(p, "too many invalid messages (last: " + why + ")");
  return false;
}

bool replicator::charge_work(peer_state& p, uint64_t pages) {
  if (pages <= 1) return true;
  const uint64_t bound_pages = remote_bound() / bitfield::blocks_per_page + 1;
  const uint64_t per = opts_.limits.work_pages_per_page;
  const uint64_t allowance =
      (bound_pages > UINT64_MAX / std::max<uint64_t>(per, 1) ? UINT64_MAX / 2 : bound_pages * per) +
      opts_.limits.work_pages_slack;
  const uint64_t extra = pages - 1;
  if (p.work_pages + extra > allowance) {
    abuse_.work_refused++;
    invalid(p, "range work budget exceeded");
    return false;
  }
  p.work_pages += extra;
  return true;
}

uint64_t replicator::send_window(const peer_state& p) const {
  uint64_t w = opts_.limits.max_unsent_bytes;
  const uint32_t after = opts_.limits.invalid_backoff_after;
  if (p.invalid >= after) {
    const uint32_t halvings = p.invalid - after + 1;
    w = halvings >= 63 ? 0 : w >> halvings;
  }
  return std::max<uint64_t>(w, 1);  // one answer at a time at least
}

void replicator::on_sent(uint64_t peer, uint64_t bytes) {
  peer_state* p = find(peer);
  if (!p) return;
  p->unsent_bytes -= std::min(p->unsent_bytes, bytes);
  serve(*p);
}

void replicator::serve(peer_state& p) {
  const uint64_t id = p.id;
  while (true) {
    peer_state* q = find(id);  // an answer may have dropped the peer
    if (!q || q->asks.empty()) return;
    if (q->unsent_bytes >= send_window(*q)) {
      abuse_.send_window_waits++;
      return;
    }
    queued_ask a = q->asks.front();
    q->asks.pop_front();
    if (a.want) {
      q->queued_wants--;
      answer_want(*q, a);
    } else {
      q->queued_requests--;
      answer_request(*q, a);
    }
  }
}

void replicator::on_want(peer_state& p, const wire::want_message& m) {
  if (!p.uploading) return;
  uint64_t len = m.length.value_or(0);
  // As the reference: only ranges aligned to bitfield pages (8192 blocks) are answered.
  if ((m.start & 8191) || (len & 8191)) return;
  if (len == 0 || len > 16 * want_chunk) len = want_chunk;
  if (p.queued_wants >= opts_.limits.max_queued_wants) {
    abuse_.peers_dropped_for_overflow++;
    return drop(p, "too many queued Wants");
  }
  queued_ask a;
  a.want = true;
  a.index = m.start;
  a.length = len;
  p.asks.push_back(a);
  p.queued_wants++;
  abuse_.requests_queued_peak = std::max<uint64_t>(abuse_.requests_queued_peak, p.asks.size());
  serve(p);
}

void replicator::answer_want(peer_state& p, const queued_ask& a) {
  const uint64_t length = feed_.length();
  const uint64_t len = a.length;
  // As the reference's bitfield.compress: only up to the bits we can have (our length); the
  // rest of the range is zero and the decoder pads it, so a new feed does not copy and scan a
  // mostly empty megabit per Want.
  uint64_t bits = len;
  if (a.index + len > length) bits = a.index < length ? length - a.index : 1;
  if (!charge_work(p, (bits + bitfield::blocks_per_page - 1) / bitfield::blocks_per_page)) return;
  if (!p.remote_want && length > 0 && feed_.has(length - 1)) {
    wire::have_message tip;
    tip.start = length - 1;
    send(p, wire::message_type::have, tip);
  }
  p.remote_want = true;
  wire::have_message h;
  h.start = a.index;
  h.length = len;
  h.bitfield = wire::rle::encode(byte_view(feed_.data_bits(a.index, (bits + 7) / 8)));
  send(p, wire::message_type::have, h);
}

void replicator::on_request(peer_state& p, const wire::request_message& m) {
  if (!p.uploading) return;
  if (p.queued_requests >= opts_.limits.max_queued_requests) {
    abuse_.peers_dropped_for_overflow++;
    return drop(p, "too many queued requests");
  }
  queued_ask a;
  a.index = m.index;
  a.bytes = m.bytes.value_or(0);
  a.nodes = m.nodes.value_or(0);
  a.hash = m.hash.value_or(false);
  p.asks.push_back(a);
  p.queued_requests++;
  abuse_.requests_queued_peak = std::max<uint64_t>(abuse_.requests_queued_peak, p.asks.size());
  serve(p);
}

void replicator::answer_request(peer_state& p, const queued_ask& a) {
  if (!p.uploading) return;
  uint64_t index = a.index;
  if (a.bytes > 0) {
    auto at = feed_.seek(a.bytes);
    if (!at) {
      invalid(p, "request for an unknown byte offset");
      return;
    }
    index = at->index;
  }
  if (index >= feed_.length()) {
    invalid(p, "request beyond the feed's length");
    return;
  }
  if (!a.hash && !feed_.has(index)) {
    wire::unhave_message u;  // we cleared it: tell the peer instead of failing
    u.start = index;
    send(p, wire::message_type::unhave, u);
    return;
  }
  auto proof = feed_.proof(index, a.bytes > 0 ? 0 : a.nodes, a.hash);
  if (!proof) {
    invalid(p, "cannot prove block: " + proof.error().message());
    return;
  }
  wire::data_message d;
  d.index = index;
  d.nodes = std::move(proof->nodes);
  if (proof->signature)
    d.signature = byte_buffer(proof->signature->begin(), proof->signature->end());
  if (!a.hash) {
    auto value = feed_.get(index);
    if (!value) return drop(p, "cannot read block: " + value.error().message());
    moved(p, event_kind::upload, index, value->size());
    d.value = std::move(*value);
  }
  send(p, wire::message_type::data, d);
}

}  // namespace ddb::replication
