#include "sim/network.hpp"

#include <algorithm>
#include <cmath>

#include "sim/pipe.hpp"
#include "sim/trace_event.hpp"

namespace ddb::sim {

network::network(core& c, uint64_t seed)
    : core_(c), seed_(seed), reset_rng_(rng::substream(seed, "net.reset")) {}

network::~network() = default;

void network::set_model(int n, link_model m) {
  models_[n] = m;
}

const link_model& network::model(int n) const {
  auto it = models_.find(n);
  return it == models_.end() ? default_model_ : it->second;
}

void network::set_region(int n, int r) {
  regions_[n] = r;
}

void network::set_region_link(int ra, int rb, latency_dist latency, uint64_t bandwidth) {
  region_links_[std::minmax(ra, rb)] = region_link{latency, bandwidth};
}

const network::region_link* network::region_link_of(int a, int b) const {
  if (region_links_.empty()) return nullptr;
  auto ia = regions_.find(a), ib = regions_.find(b);
  if (ia == regions_.end() || ib == regions_.end()) return nullptr;
  auto it = region_links_.find(std::minmax(ia->second, ib->second));
  return it == region_links_.end() ? nullptr : &it->second;
}

duration network::sample_latency(int from, int to, rng& r) const {
  const link_model& m = model(from);
  duration lat = clog_extra(from) + clog_extra(to);
  if (const region_link* rl = region_link_of(from, to)) {
    lat += rl->latency.sample(r);
  } else if (m.latency) {
    lat += m.latency->sample(r);
  } else {
    // The original model: a minimum plus, for some chunks, an exponential tail.
    lat += m.latency_min;
    if (m.tail_chance > 0 && r.chance(m.tail_chance)) {
      double u = std::max(r.unit(), 1e-12);
      lat += duration(
          static_cast<int64_t>(-std::log(u) * static_cast<double>(m.latency_tail.count())));
    }
  }
  if (m.jitter.count() > 0) {
    lat += duration(static_cast<int64_t>(r.unit() * static_cast<double>(m.jitter.count())));
  }
  return lat;
}

duration network::base_latency(int from, int to) const {
  if (const region_link* rl = region_link_of(from, to)) return rl->latency.base();
  const link_model& m = model(from);
  return m.latency ? m.latency->base() : m.latency_min;
}

rng& network::link_rng(int a, int b) {
  auto key = std::minmax(a, b);
  auto it = link_rngs_.find(key);
  if (it == link_rngs_.end()) {
    uint64_t idx = (static_cast<uint64_t>(key.first) << 32) | static_cast<uint32_t>(key.second);
    it = link_rngs_.emplace(key, rng::substream(seed_, "link", idx)).first;
  }
  return it->second;
}

std::pair<connection_ptr, connection_ptr> network::connect(int a, int b,
                                                           std::function<void()> on_end) {
  uint64_t id = next_pipe_++;
  auto p = std::make_shared<pipe>(*this, id, a, b, std::move(on_end));
  pipes_.emplace(id, p);
  stats_.connections++;
  core_.note("conn " + std::to_string(id) + " " + std::to_string(a) + "->" + std::to_string(b),
             trace_kind::connection, a);
  return p->make_ends();
}

void network::listen(int n, accept_handler on_accept) {
  listeners_[n] = std::move(on_accept);
}

void network::unlisten(int n) {
  listeners_.erase(n);
}

void network::dial(int from, int to, std::function<void(result<connection_ptr>)> done,
                   std::function<void()> on_end) {
  duration rtt = base_latency(from, to) + base_latency(to, from);
  if (!listeners_.count(to) || blocked(from, to) || blocked(to, from)) {
    duration wait = listeners_.count(to) ? std::chrono::seconds(3) : rtt;
    core_.after(wait, [done] { done(make_error(errc::unavailable, "connection refused")); });
    return;
  }
  auto ends = connect(from, to, std::move(on_end));
  auto accept_end = ends.second;
  core_.after(rtt / 2, [this, to, accept_end] {
    auto it = listeners_.find(to);
    if (it == listeners_.end()) {
      accept_end->close();
      return;
    }
    it->second(accept_end);
  });
  auto dial_end = ends.first;
  core_.after(rtt, [done, dial_end] { done(dial_end); });
}

void network::block(int from, int to) {
  blocked_.insert({from, to});
  core_.note("block " + std::to_string(from) + "->" + std::to_string(to), trace_kind::fault, from);
}

void network::isolate(int n) {
  isolated_.insert(n);
  core_.note("isolate " + std::to_string(n), trace_kind::fault, n);
}

void network::heal() {
  blocked_.clear();
  isolated_.clear();
  core_.note("heal", trace_kind::fault);
  std::vector<std::shared_ptr<pipe>> live;
  for (auto& kv : pipes_) live.push_back(kv.second);
  for (auto& p : live) p->resume();
}

bool network::blocked(int from, int to) const {
  if (isolated_.count(from) || isolated_.count(to)) return true;
  return !blocked_.empty() && blocked_.count({from, to}) > 0;
}

void network::clog(int n, duration extra, duration length) {
  clogs_[n] = {extra, core_.now() + length};
  core_.note("clog " + std::to_string(n), trace_kind::fault, n);
}

duration network::clog_extra(int n) const {
  if (clogs_.empty()) return duration{0};
  auto it = clogs_.find(n);
  if (it == clogs_.end() || it->second.second <= core_.now()) return duration{0};
  return it->second.first;
}

void network::reset_node(int n, const std::string& reason) {
  std::vector<std::shared_ptr<pipe>> hit;
  for (auto& kv : pipes_) {
    if (kv.second->node(0) == n || kv.second->node(1) == n) hit.push_back(kv.second);
  }
  for (auto& p : hit) p->reset(reason);
}

void network::reset_random(const std::string& reason) {
  if (pipes_.empty()) return;
  auto it = pipes_.begin();
  std::advance(it, static_cast<long>(reset_rng_.below(pipes_.size())));
  auto p = it->second;
  p->reset(reason);
}

void network::connection_counts(std::vector<int>& counts) const {
  std::fill(counts.begin(), counts.end(), 0);
  for (const auto& kv : pipes_) {
    if (kv.second->ended()) continue;
    for (int side = 0; side < 2; ++side) {
      auto n = static_cast<size_t>(kv.second->node(side));
      if (n >= counts.size()) counts.resize(n + 1, 0);
      counts[n]++;
    }
  }
}

void network::stat_delivered(size_t n) {
  stats_.bytes += n;
  stats_.chunks++;
}

void network::stat_queued(uint64_t q) {
  stats_.peak_queued = std::max(stats_.peak_queued, q);
}

void network::ended(uint64_t id) {
  pipes_.erase(id);
}

result<std::string> sim_transport::listen(const std::string& address, accept_handler on_accept) {
  net_.listen(node_, std::move(on_accept));
  return "sim:" + std::to_string(node_);
}

void sim_transport::dial(const std::string& address,
                         std::function<void(result<connection_ptr>)> done) {
  if (address.rfind("sim:", 0) != 0) {
    done(make_error(errc::invalid_argument, "not a sim address: " + address));
    return;
  }
  net_.dial(node_, std::stoi(address.substr(4)), std::move(done));
}

void sim_transport::shutdown() {
  net_.unlisten(node_);
  net_.reset_node(node_, "shutdown");
}

}  // namespace ddb::sim
