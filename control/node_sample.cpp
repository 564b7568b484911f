#include "control/node_sample.hpp"

#include "control/feed_calls.hpp"

namespace ddb::control {

namespace {

constexpr size_t window = 6;  // samples kept per remote: rates over the last 5 s

}  // namespace

std::vector<feed_sample> sample_feeds(api_context& ctx, const swarm_stats& st) {
  std::vector<feed_sample> out;
  for (node_feed_handle& f : ctx.n.feed_handles()) {
    feed_sample s;
    auto info = ask<feed_info>(ctx.sys, f.actor, call_timeout, ddb_info_atom_v);
    if (!info) continue;  // closed meanwhile
    s.info = *info;
    if (auto stats = ask<feed_stats>(ctx.sys, f.actor, call_timeout, ddb_stats_atom_v))
      s.stats = std::move(*stats);
    s.peers = peers_of(st, f.dkey);
    s.feed = std::move(f);
    out.push_back(std::move(s));
  }
  return out;
}

replication::transfer_stats totals_of(const std::vector<feed_sample>& feeds) {
  replication::transfer_stats t;
  for (const feed_sample& f : feeds) {
    t.uploaded_bytes += f.stats.totals.uploaded_bytes;
    t.uploaded_blocks += f.stats.totals.uploaded_blocks;
    t.downloaded_bytes += f.stats.totals.downloaded_bytes;
    t.downloaded_blocks += f.stats.totals.downloaded_blocks;
  }
  return t;
}

std::map<std::string, peer_row> peer_rows(const std::vector<feed_sample>& feeds) {
  std::map<std::string, peer_row> rows;
  for (const feed_sample& f : feeds) {
    for (const peer_stats& p : f.stats.peers) {
      peer_row& r = rows[to_hex(p.remote_public_key)];
      if (r.address.empty()) r.address = p.remote_address;
      r.feeds.push_back(f.feed.name);
      r.counts.uploaded_bytes += p.counts.uploaded_bytes;
      r.counts.uploaded_blocks += p.counts.uploaded_blocks;
      r.counts.downloaded_bytes += p.counts.downloaded_bytes;
      r.counts.downloaded_blocks += p.counts.downloaded_blocks;
    }
  }
  return rows;
}

void peer_rates::start() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      sample();
      lock.lock();
      wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
    }
  });
}

void peer_rates::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void peer_rates::sample() {
  auto rows = peer_rows(sample_feeds(ctx_, swarm_stats{}));
  auto now = ctx_.sys.clock().now();
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = history_.begin(); it != history_.end();)  // peers that left
    it = rows.count(it->first) == 0 ? history_.erase(it) : std::next(it);
  for (const auto& [key, r] : rows) {
    auto& h = history_[key];
    h.push_back({now, r.counts.uploaded_bytes, r.counts.downloaded_bytes});
    if (h.size() > window) h.erase(h.begin());
  }
}

peer_rates::rate peer_rates::of(const std::string& remote) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = history_.find(remote);
  if (it == history_.end() || it->second.size() < 2) return {};
  const point& a = it->second.front();
  const point& b = it->second.back();
  double seconds = std::chrono::duration<double>(b.at - a.at).count();
  if (seconds <= 0 || b.up < a.up || b.down < a.down) return {};
  return {static_cast<double>(b.up - a.up) / seconds,
          static_cast<double>(b.down - a.down) / seconds};
}

}  // namespace ddb::control
