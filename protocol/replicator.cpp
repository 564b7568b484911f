// Replicator: peer lifecycle, local changes, selections, and the output queues.
#include "protocol/replicator.hpp"

#include <algorithm>

namespace ddb::replication {

replicator::replicator(feed& f, replicator_options opts)
    : feed_(f), opts_(std::move(opts)), rng_state_(opts_.seed | 1) {
  if (opts_.max_requests == 0) opts_.max_requests = 1;
  if (opts_.limits.max_inflight_wants == 0) opts_.limits.max_inflight_wants = 1;
  if (opts_.limits.max_wants == 0) opts_.limits.max_wants = 1;
  last_bound_ = remote_bound();
  if (!opts_.sparse) {
    selection all;
    all.id = next_selection_++;
    all.implicit = true;
    all.linear = true;
    selections_.emplace(all.id, std::move(all));
  }
}

peer_state* replicator::find(uint64_t peer) {
  auto it = peers_.find(peer);
  return it == peers_.end() ? nullptr : &it->second;
}

void replicator::emit(event_kind kind, uint64_t peer, uint64_t index, uint64_t bytes,
                      std::string reason) {
  events_.push_back(replicator_event{kind, peer, index, bytes, std::move(reason), {}, {}});
}

void replicator::moved(peer_state& p, event_kind kind, uint64_t index, uint64_t bytes) {
  DDB_ASSERT(kind == event_kind::upload || kind == event_kind::download);
  if (opts_.stats) {
    for (transfer_stats* s : {&p.stats, &totals_}) {
      if (kind == event_kind::upload) {
        s->uploaded_blocks++;
        s->uploaded_bytes += bytes;
      } else {
        s->downloaded_blocks++;
        s->downloaded_bytes += bytes;
      }
    }
  }
  emit(kind, p.id, index, bytes);
}

void replicator::take(std::vector<outgoing>& out, std::vector<replicator_event>& events) {
  out = std::move(out_);
  events = std::move(events_);
  out_.clear();
  events_.clear();
}

void replicator::add_peer(uint64_t peer, const peer_info& info) {
  peer_state& p = peers_[peer];
  p.id = peer;
  p.info = info;
  p.downloading = info.download && downloading_;
  p.uploading = info.upload && uploading_;
  emit(event_kind::peer_add, peer);
}

void replicator::remote_open(uint64_t peer) {
  peer_state* p = find(peer);
  if (!p || p->remote_opened) return;
  p->remote_opened = true;
  send_options(*p);
  if (!p->uploading || !p->downloading) {
    wire::status_message s;
    s.uploading = p->uploading;
    s.downloading = p->downloading;
    send(*p, wire::message_type::status, s);
  }
  send_wants(*p);
  emit(event_kind::peer_open, peer);
}

void replicator::release(peer_state& p) {
  for (const auto& r : p.inflight) reserved_.erase(r.index);
  if (!p.inflight.empty()) {
    for (auto& [id, s] : selections_) s.scan_from = s.first_missing;  // rescan released blocks
  }
  p.inflight.clear();
}

void replicator::remove_peer(uint64_t peer, const std::string& reason) {
  peer_state* p = find(peer);
  if (!p) return;
  release(*p);
  peers_.erase(peer);
  emit(event_kind::peer_remove, peer, 0, 0, reason);
  fill_all();  // other peers take over what it had in flight
}

void replicator::drop(peer_state& p, const std::string& reason) {
  emit(event_kind::drop_peer, p.id, 0, 0, reason);
  uint64_t id = p.id;
  remove_peer(id, reason);
}

void replicator::on_local_append(uint64_t start, uint64_t count) {
  wire::have_message h;
  h.start = start;
  if (count > 1) h.length = count;
  for (auto& [id, p] : peers_) {
    if (p.remote_want) send(p, wire::message_type::have, h);
  }
  emit(event_kind::append, 0, feed_.length());
  check_selections();
  refresh_bound();
  fill_all();
}

void replicator::on_local_clear(uint64_t start, uint64_t end) {
  if (end <= start) return;
  wire::unhave_message u;
  u.start = start;
  if (end - start > 1) u.length = end - start;
  for (auto& [id, p] : peers_) {
    if (p.remote_want) send(p, wire::message_type::unhave, u);
  }
  synced_ = false;
  for (auto& [id, s] : selections_) {
    s.first_missing = std::min(s.first_missing, start);
    s.scan_from = std::min(s.scan_from, start);
  }
  fill_all();
}

uint64_t replicator::download(range_request r) {
  selection s;
  s.id = next_selection_++;
  s.start = r.start;
  if (r.end != UINT64_MAX) s.end = r.end;
  s.linear = r.linear;
  s.blocks = std::move(r.blocks);
  s.first_missing = s.start;
  uint64_t id = s.id;
  selections_.emplace(id, std::move(s));
  refresh_bound();
  for (auto& [pid, p] : peers_) {
    if (p.remote_opened) send_wants(p);
  }
  check_selections();
  fill_all();
  return id;
}

bool replicator::undownload(uint64_t id) {
  return selections_.erase(id) > 0;
}

void replicator::prioritize(uint64_t index) {
  priority_.insert(index);
  refresh_bound();
  for (auto& [id, p] : peers_) {
    if (p.remote_opened) send_want(p, index / want_chunk);
  }
  fill_all();
}

void replicator::deprioritize(uint64_t index) {
  priority_.erase(index);
}

void replicator::want_length(uint64_t min_length) {
  wanted_length_ = std::max(wanted_length_, min_length);
  refresh_bound();
  fill_all();
}

bool replicator::settled() const {
  for (const auto& [id, p] : peers_) {
    if (!p.remote_opened || p.inflight_wants > 0) return false;
  }
  return true;
}

uint64_t replicator::best_remote_length() const {
  uint64_t best = 0;
  for (const auto& [id, p] : peers_) best = std::max(best, p.remote_length);
  return best;
}

void replicator::set_downloading(bool on) {
  if (downloading_ == on) return;
  downloading_ = on;
  for (auto& [id, p] : peers_) {
    p.downloading = on && p.info.download;
    if (!p.remote_opened) continue;
    wire::status_message s;
    s.uploading = p.uploading;
    s.downloading = p.downloading;
    send(p, wire::message_type::status, s);
    if (on) {
      send_wants(p);  // none went out while downloading was off
    } else {
      release(p);
    }
  }
  fill_all();
}

void replicator::set_uploading(bool on) {
  if (uploading_ == on) return;
  uploading_ = on;
  for (auto& [id, p] : peers_) {
    p.uploading = on && p.info.upload;
    if (!p.remote_opened) continue;
    wire::status_message s;
    s.uploading = p.uploading;
    s.downloading = p.downloading;
    send(p, wire::message_type::status, s);
  }
}

std::vector<replicator::stats_row> replicator::peer_stats() const {
  std::vector<stats_row> rows;
  for (const auto& [id, p] : peers_) rows.push_back(stats_row{id, p.stats, p.remote_length});
  return rows;
}

}  // namespace ddb::replication
