// Replicator: handling the messages a peer sends on the feed's channel.
#include <algorithm>

#include "protocol/replicator.hpp"
#include "wire/bitfield_rle.hpp"

namespace ddb::replication {

void replicator::on_frames(uint64_t peer, const wire_frames& frames) {
  // Decode a slice of the batch at a time, so that the leaf hashes of its blocks are computed
  // together (on two threads when the slice is large) and verification starts from those
  // leaves; slices bound the decoded copies a huge batch makes before a frame drops the peer.
  constexpr size_t slice = 1024;
  std::vector<result<wire::message>> decoded;
  std::vector<byte_view> values;
  std::vector<size_t> owners;
  std::vector<std::optional<hash_t>> leaves;
  for (size_t from = 0; from < frames.size(); from += slice) {
    const size_t to = std::min(frames.size(), from + slice);
    decoded.clear();
    values.clear();
    owners.clear();
    for (size_t i = from; i < to; ++i) {
      decoded.push_back(wire::decode_message(frames[i].type, byte_view(frames[i].body)));
      auto* m = decoded.back() ? std::get_if<wire::data_message>(&*decoded.back()) : nullptr;
      if (m && m->value && !feed_.writable()) {
        values.emplace_back(*m->value);
        owners.push_back(i - from);
      }
    }
    leaves.assign(to - from, std::nullopt);
    if (!values.empty()) {
      std::vector<hash_t> hashes;
      feed_.leaf_hashes(values, hashes);
      for (size_t k = 0; k < owners.size(); ++k) leaves[owners[k]] = hashes[k];
    }
    for (size_t i = from; i < to; ++i) {
      peer_state* p = find(peer);  // a frame may have dropped the peer
      if (!p) return;
      on_message(*p, frames[i].type, decoded[i - from], leaves[i - from]);
    }
  }
  refresh_bound();
  if (peer_state* p = find(peer)) {
    fill(*p);
    check_done(*p);
  }
}

void replicator::on_message(peer_state& p, uint8_t type, result<wire::message>& decoded,
                            const std::optional<hash_t>& leaf) {
  using wire::message_type;
  if (!decoded) return drop(p, "malformed message: " + decoded.error().message());
  switch (static_cast<message_type>(type)) {
    case message_type::options:
      return on_options(p, std::get<wire::options_message>(*decoded));
    case message_type::status:
      return on_status(p, std::get<wire::status_message>(*decoded));
    case message_type::have:
      return on_have(p, std::get<wire::have_message>(*decoded));
    case message_type::unhave:
      return on_unhave(p, std::get<wire::unhave_message>(*decoded));
    case message_type::want:
      return on_want(p, std::get<wire::want_message>(*decoded));
    case message_type::request:
      return on_request(p, std::get<wire::request_message>(*decoded));
    case message_type::data:
      return on_data(p, std::get<wire::data_message>(*decoded), leaf);
    case message_type::extension:
      return on_extension(p, std::get<wire::extension_message>(*decoded));
    default:
      return;  // unwant, cancel and unknown types: nothing to do (as the reference)
  }
}

void replicator::on_options(peer_state& p, const wire::options_message& m) {
  p.remote_ack = m.ack.value_or(false);
  p.remote_extensions = m.extensions;
}

void replicator::on_status(peer_state& p, const wire::status_message& m) {
  const bool was_uploading = p.remote_uploading;
  p.remote_uploading = m.uploading.value_or(false);
  p.remote_downloading = m.downloading.value_or(false);
  if (!p.remote_uploading) {
    release(p);
    p.inflight_wants = 0;
  } else if (!was_uploading) {
    // It uploads again (its setUploading(true)): the Wants it ignored meanwhile are asked anew.
    p.wants.clear();
    p.inflight_wants = 0;
    send_wants(p);
  }
}

namespace {
uint64_t saturating_add(uint64_t a, uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}
uint64_t pages_in(uint64_t start, uint64_t end) {  // bitfield pages of [start, end)
  if (end <= start) return 0;
  return (end - 1) / bitfield::blocks_per_page - start / bitfield::blocks_per_page + 1;
}
}  // namespace

// Remote claims are tracked below the remote bound only (peer_limits::max_remote_ahead), with
// range writes whose cost follows the pages touched; a bitfield Have must answer one of our
// Wants and a range's pages are charged to the peer's work budget.
void replicator::on_have(peer_state& p, const wire::have_message& m) {
  if (m.ack.value_or(false) && !m.bitfield && feed_.has(m.start)) {
    emit(event_kind::ack, p.id, m.start);
    return;
  }
  const bool answer = m.length_or_default() == want_chunk && p.inflight_wants > 0;
  if (answer) {
    --p.inflight_wants;
    p.answered = true;
  }
  const uint64_t bound = remote_bound();
  uint64_t end = 0;  // one past the claims we keep
  if (m.bitfield) {
    if (!answer) {
      invalid(p, "a Have bitfield nobody asked for");
      return;
    }
    auto bits = wire::rle::decode(byte_view(*m.bitfield), 4, opts_.limits.max_have_bitfield_bytes);
    if (!bits) {
      invalid(p, "malformed or oversized Have bitfield");
      return;
    }
    const uint64_t claimed = saturating_add(m.start, 8 * uint64_t{bits->size()});
    const uint64_t keep = std::min(claimed, bound);
    if (m.start < keep) {
      if (!charge_work(p, pages_in(m.start, keep))) return;
      p.remote.assign(m.start, byte_view(*bits), keep - m.start);
      // One past the last set bit we kept.
      uint64_t nbytes = (keep - m.start + 7) / 8;
      while (nbytes > 0 && (*bits)[nbytes - 1] == 0) --nbytes;
      if (nbytes > 0) {
        const uint8_t last = (*bits)[nbytes - 1];
        const uint64_t bit = 8 * (nbytes - 1) + 7 - static_cast<uint64_t>(__builtin_ctz(last));
        end = std::min(keep, m.start + bit + 1);
      }
    }
    if (claimed > bound) {
      // Set bits beyond the bound are ignored until a verified length moves it.
      const uint64_t from = bound > m.start ? bound - m.start : 0;
      bool beyond = false;
      for (uint64_t i = from / 8; i < bits->size() && !beyond; ++i) beyond = (*bits)[i] != 0;
      if (beyond) {
        abuse_.haves_clamped++;
        p.clamped_from = std::min(p.clamped_from, std::max(bound, m.start));
        end = std::max(end, bound);
      }
    }
  } else {
    uint64_t len = m.length_or_default();
    if (len > (uint64_t{1} << 40)) return drop(p, "Have range too large");
    const uint64_t claimed = saturating_add(m.start, len);
    const uint64_t keep = std::min(claimed, bound);
    if (m.start < keep) {
      if (!charge_work(p, pages_in(m.start, keep))) return;
      p.remote.set_range(m.start, keep, true);
      end = keep;
    }
    if (claimed > bound) {
      abuse_.haves_clamped++;
      p.clamped_from = std::min(p.clamped_from, std::max(bound, m.start));
      end = std::max(end, bound);  // it claims at least up to the bound: ask it for that much
    }
  }
  p.remote_length = std::max(p.remote_length, end);
  // Blocks the remote gained may lie behind the scan cursors.
  for (auto& [id, sel] : selections_) sel.scan_from = std::min(sel.scan_from, m.start);
  if (p.remote_opened) send_wants(p);
}

void replicator::on_unhave(peer_state& p, const wire::unhave_message& m) {
  const uint64_t len = m.length_or_default();
  // Requests for blocks the remote no longer has will not be answered: free their slots.
  auto gone = [&](const inflight_request& r) {
    return r.index >= m.start && r.index - m.start < len;
  };
  for (const auto& r : p.inflight) {
    if (gone(r)) reserved_.erase(r.index);
  }
  p.inflight.erase(std::remove_if(p.inflight.begin(), p.inflight.end(), gone), p.inflight.end());
  if (m.start == 0 && len >= p.remote_length) {
    p.remote = bitfield();
    p.remote_length = 0;
    return;
  }
  const uint64_t end = std::min(saturating_add(m.start, len), p.remote_length);
  if (m.start >= end) return;
  if (!charge_work(p, pages_in(m.start, end))) return;
  p.remote.clear_range(m.start, end);
}

void replicator::on_data(peer_state& p, wire::data_message& m, const std::optional<hash_t>& leaf) {
  auto it = std::find_if(p.inflight.begin(), p.inflight.end(),
                         [&](const inflight_request& r) { return r.index == m.index; });
  const bool requested = it != p.inflight.end();
  if (m.value && !requested) return;  // unrequested push: ignored, as the reference
  if (feed_.writable()) return;       // a writer requests nothing (see pick)
  if (requested) {
    p.answered = true;
    p.inflight.erase(it);
    reserved_.erase(m.index);
    // A hash-only answer stores no data: the block's data may still be wanted, and scans
    // skipped it while it was reserved.
    if (!m.value) rescan_from(m.index);
  }
  put_item item;
  item.index = m.index;
  item.value = std::move(m.value);
  item.nodes = std::move(m.nodes);
  item.leaf_hash = leaf;
  if (m.signature) {
    if (m.signature->size() != 64) return drop(p, "malformed signature");
    signature_t sig;
    std::copy(m.signature->begin(), m.signature->end(), sig.begin());
    item.signature = sig;
  }
  const uint64_t before = feed_.length();
  const uint64_t size = item.value ? item.value->size() : 0;
  bool stored = false;
  feed::write_hook hook;
  if (opts_.on_write) {
    hook = [&](uint64_t index, byte_view data) { return opts_.on_write(index, data, p.id); };
  }
  status s = feed_.put(item, stored, hook);
  if (s.code() == errc::unlinked) {  // not the peer's fault: link first, then ask again
    link_needed_ = true;
    rescan_from(m.index);
    return fill(p);
  }
  if (!s)
    return drop(p, "rejected data for block " + std::to_string(m.index) + ": " + s.to_string());
  // The linking answer came (or the length grew otherwise): stop asking for it. When the
  // answer did not link (its leaf was known already), the next unlinked proof asks again.
  if (m.index == before) link_needed_ = false;
  if (feed_.length() > before) {
    link_needed_ = false;
    emit(event_kind::append, p.id, feed_.length());
    p.remote_length = std::max(p.remote_length, feed_.length());
  }
  if (!stored) return;
  moved(p, event_kind::download, m.index, size);
  if (p.remote_ack) {
    wire::have_message ack;
    ack.start = m.index;
    ack.length = 1;
    ack.ack = true;
    send(p, wire::message_type::have, ack);
  }
  wire::have_message have;
  have.start = m.index;
  for (auto& [id, other] : peers_) {
    if (id != p.id && other.remote_want) send(other, wire::message_type::have, have);
  }
  check_selections(true);
}

}  // namespace ddb::replication
