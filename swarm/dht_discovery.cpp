#include "swarm/dht_discovery.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include <libtorrent/alert_types.hpp>
#include <libtorrent/disabled_disk_io.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>

namespace ddb {

namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds bootstrap_retry{50};
constexpr milliseconds bootstrap_slow_retry{2000};
constexpr milliseconds bootstrap_fast_window{10000};
constexpr milliseconds stats_interval{50};
constexpr milliseconds first_requery{100};
constexpr milliseconds startup_limit{3000};
// DHT.md: keep the number of traversals started at once small (≤ 10–20 in flight).
constexpr int queries_per_tick = 8;
constexpr int socket_buffer_bytes = 4 * 1024 * 1024;

lt::sha1_hash info_hash_of(const hash_t& key) {
  return lt::sha1_hash(reinterpret_cast<const char*>(key.data()));  // the first 20 bytes
}

std::string to_host_port(const lt::tcp::endpoint& ep) {
  std::string host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

// "HOST:PORT" or "[V6]:PORT" -> (host, port); false when malformed.
bool split_host_port(const std::string& text, std::string& host, int& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
  host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  }
  std::string digits = text.substr(colon + 1);
  if (digits.size() > 5 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  port = std::stoi(digits);
  return port > 0 && port <= 65535;
}

lt::settings_pack make_settings(const dht_options& options) {
  lt::settings_pack s;
  s.set_str(lt::settings_pack::listen_interfaces, options.listen);
  s.set_bool(lt::settings_pack::enable_dht, true);
  s.set_str(lt::settings_pack::dht_bootstrap_nodes, "");
  s.set_bool(lt::settings_pack::enable_lsd, false);
  s.set_bool(lt::settings_pack::enable_upnp, false);
  s.set_bool(lt::settings_pack::enable_natpmp, false);
  s.set_bool(lt::settings_pack::enable_ip_notifier, false);
  s.set_bool(lt::settings_pack::dht_restrict_routing_ips, false);
  s.set_bool(lt::settings_pack::dht_restrict_search_ips, false);
  s.set_int(lt::settings_pack::dht_block_ratelimit, 1000000);
  s.set_int(lt::settings_pack::dht_block_timeout, 0);
  s.set_int(lt::settings_pack::dht_upload_rate_limit, 10000000);
  s.set_int(lt::settings_pack::recv_socket_buffer_size, socket_buffer_bytes);
  s.set_int(lt::settings_pack::send_socket_buffer_size, socket_buffer_bytes);
  s.set_int(lt::settings_pack::alert_mask,
            static_cast<int>(lt::alert_category::dht | lt::alert_category::dht_operation |
                             lt::alert_category::error));
  return s;
}

status check_options(const dht_options& options) {
  std::string host;
  int port = 0;
  if (options.listen.empty()) return make_error(errc::invalid_argument, "dht: empty listen");
  for (const auto& node : options.bootstrap) {
    if (!split_host_port(node, host, port)) {
      return make_error(errc::invalid_argument, "dht: bad bootstrap node '" + node + "'");
    }
  }
  if (options.announce_interval_ms <= 0 || options.lookup_deadline_ms <= 0 ||
      options.poll_ms <= 0) {
    return make_error(errc::invalid_argument, "dht: intervals must be positive");
  }
  return status::ok();
}

}  // namespace

struct dht_discovery::impl {
  struct announcement {
    uint16_t port = 0;
    clock_type::time_point due;
  };
  struct lookup_state {
    hash_t key{};
    lt::sha1_hash info_hash;
    peers_found_fn found;
    std::set<std::string> reported;
    clock_type::time_point deadline;
    clock_type::time_point next_query;
    milliseconds backoff = first_requery;
  };
  using command = std::function<void()>;  // runs on the worker

  impl(dht_options o, lt::session_params params)
      : options(std::move(o)), session(std::move(params)) {}

  // Any thread.
  void post(command c);
  void stop_and_join();

  // Worker only.
  void run();
  void run_commands();
  void handle_alerts();
  void on_reply(const lt::dht_get_peers_reply_alert& alert);
  void on_stats(const lt::dht_stats_alert& alert);
  void tick(clock_type::time_point now);
  void tick_bootstrap(clock_type::time_point now);
  void tick_announces(clock_type::time_point now);
  void tick_lookups(clock_type::time_point now);

  const dht_options options;
  lt::session session;
  uint16_t port = 0;  // set before the worker starts, then read-only
  std::atomic<size_t> nodes{0};
  std::atomic<bool> stop{false};
  std::thread worker;

  std::mutex mu;
  std::vector<command> queue;  // GUARDED_BY(mu)
  bool closed = false;         // GUARDED_BY(mu)

  // Worker-owned state.
  std::map<hash_t, announcement> announcements;
  std::vector<lookup_state> lookups;
  std::vector<std::pair<std::string, int>> bootstrap;
  clock_type::time_point bootstrap_fast_until;
  clock_type::time_point next_bootstrap;
  clock_type::time_point next_stats;
  size_t last_nodes = 0;
  int budget = 0;
};

void dht_discovery::impl::post(command c) {
  std::lock_guard<std::mutex> lock(mu);
  if (!closed) queue.push_back(std::move(c));
}

void dht_discovery::impl::stop_and_join() {
  {
    std::lock_guard<std::mutex> lock(mu);
    closed = true;
    queue.clear();
  }
  stop.store(true);
  if (worker.joinable() && worker.get_id() != std::this_thread::get_id()) worker.join();
}

void dht_discovery::impl::run() {
  while (!stop.load()) {
    try {
      run_commands();
      session.wait_for_alert(milliseconds(options.poll_ms));
      handle_alerts();
      tick(clock_type::now());
    } catch (const std::exception&) {
      // A throwing callback or libtorrent call must not end the worker; keep serving.
    }
  }
}

void dht_discovery::impl::run_commands() {
  std::vector<command> batch;
  {
    std::lock_guard<std::mutex> lock(mu);
    batch.swap(queue);
  }
  for (auto& c : batch) c();
}

void dht_discovery::impl::handle_alerts() {
  std::vector<lt::alert*> alerts;
  session.pop_alerts(&alerts);
  for (lt::alert* a : alerts) {
    if (auto* reply = lt::alert_cast<lt::dht_get_peers_reply_alert>(a)) on_reply(*reply);
    if (auto* stats = lt::alert_cast<lt::dht_stats_alert>(a)) on_stats(*stats);
  }
}

void dht_discovery::impl::on_reply(const lt::dht_get_peers_reply_alert& alert) {
  std::vector<lt::tcp::endpoint> peers = alert.peers();
  for (auto& l : lookups) {
    if (l.info_hash != alert.info_hash) continue;
    std::vector<std::string> fresh;
    for (const auto& ep : peers) {
      std::string address = to_host_port(ep);
      if (l.reported.insert(address).second) fresh.push_back(std::move(address));
    }
    if (!fresh.empty() && l.found) l.found(l.key, std::move(fresh));
  }
}

void dht_discovery::impl::on_stats(const lt::dht_stats_alert& alert) {
  size_t n = 0;
  for (const auto& bucket : alert.routing_table) n += static_cast<size_t>(bucket.num_nodes);
  nodes.store(n);
  if (n > last_nodes) {  // a bigger table: announce and query again right away
    auto now = clock_type::now();
    for (auto& entry : announcements) entry.second.due = now;
    for (auto& l : lookups) l.next_query = now;
  }
  last_nodes = n;
}

void dht_discovery::impl::tick(clock_type::time_point now) {
  budget = queries_per_tick;
  tick_bootstrap(now);
  if (now >= next_stats) {
    session.post_dht_stats();
    next_stats = now + stats_interval;
  }
  tick_announces(now);
  tick_lookups(now);
}

void dht_discovery::impl::tick_bootstrap(clock_type::time_point now) {
  if (bootstrap.empty() || now < next_bootstrap) return;
  size_t n = nodes.load();
  bool fast = now < bootstrap_fast_until && n < bootstrap.size();
  if (!fast && n > 0) return;
  for (const auto& node : bootstrap) session.add_dht_node(node);
  next_bootstrap = now + (fast ? bootstrap_retry : bootstrap_slow_retry);
}

void dht_discovery::impl::tick_announces(clock_type::time_point now) {
  for (auto& [key, entry] : announcements) {
    if (budget <= 0) return;
    if (entry.due > now) continue;
    session.dht_announce(info_hash_of(key), entry.port);
    entry.due = now + milliseconds(options.announce_interval_ms);
    --budget;
  }
}

void dht_discovery::impl::tick_lookups(clock_type::time_point now) {
  lookups.erase(std::remove_if(lookups.begin(), lookups.end(),
                               [&](const lookup_state& l) { return l.deadline <= now; }),
                lookups.end());
  for (auto& l : lookups) {
    if (budget <= 0) return;
    if (l.next_query > now) continue;
    session.dht_get_peers(l.info_hash);
    l.next_query = now + l.backoff;
    l.backoff *= 2;
    --budget;
  }
}

dht_discovery::dht_discovery(std::unique_ptr<impl> impl) : impl_(std::move(impl)) {}

dht_discovery::~dht_discovery() {
  shutdown();
}

void dht_discovery::announce(const hash_t& discovery_key, uint16_t port) {
  impl* self = impl_.get();
  self->post([self, discovery_key, port] {
    self->announcements[discovery_key] = impl::announcement{port, clock_type::now()};
  });
}

void dht_discovery::lookup(const hash_t& discovery_key, peers_found_fn found) {
  impl* self = impl_.get();
  self->post([self, discovery_key, found = std::move(found)]() mutable {
    impl::lookup_state l;
    l.key = discovery_key;
    l.info_hash = info_hash_of(discovery_key);
    l.found = std::move(found);
    l.next_query = clock_type::now();
    l.deadline = l.next_query + milliseconds(self->options.lookup_deadline_ms);
    self->lookups.push_back(std::move(l));
  });
}

void dht_discovery::leave(const hash_t& discovery_key) {
  impl* self = impl_.get();
  self->post([self, discovery_key] { self->announcements.erase(discovery_key); });
}

void dht_discovery::shutdown() {
  impl_->stop_and_join();
}

uint16_t dht_discovery::dht_port() const {
  return impl_->port;
}

size_t dht_discovery::routing_nodes() const {
  return impl_->nodes.load();
}

status dht_discovery::add_node(const std::string& host_port) {
  std::string host;
  int port = 0;
  if (!split_host_port(host_port, host, port)) {
    return make_error(errc::invalid_argument, "dht: bad node '" + host_port + "'");
  }
  impl* self = impl_.get();
  self->post([self, node = std::make_pair(host, port)] {
    if (std::find(self->bootstrap.begin(), self->bootstrap.end(), node) == self->bootstrap.end()) {
      self->bootstrap.push_back(node);
    }
    self->bootstrap_fast_until = clock_type::now() + bootstrap_fast_window;
    self->next_bootstrap = clock_type::time_point{};
  });
  return status::ok();
}

namespace {

// Waits (bounded) until the session listens and its DHT runs; the bound port or 0.
uint16_t wait_until_running(lt::session& session) {
  auto limit = clock_type::now() + startup_limit;
  while (clock_type::now() < limit) {
    uint16_t port = session.listen_port();
    if (port != 0 && session.is_dht_running()) return port;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return 0;
}

}  // namespace

result<std::unique_ptr<dht_discovery>> make_dht_discovery(dht_options options) {
  DDB_TRY(check_options(options));
  try {
    lt::session_params params(make_settings(options));
    params.disk_io_constructor = lt::disabled_disk_io_constructor;
    auto self = std::make_unique<dht_discovery::impl>(options, std::move(params));
    self->port = wait_until_running(self->session);
    if (self->port == 0) {
      return make_error(errc::io_error, "dht: could not listen on " + options.listen);
    }
    std::unique_ptr<dht_discovery> d(new dht_discovery(std::move(self)));
    for (const auto& node : options.bootstrap) d->add_node(node);
    dht_discovery::impl* raw = d->impl_.get();
    raw->worker = std::thread([raw] { raw->run(); });
    return result<std::unique_ptr<dht_discovery>>(std::move(d));
  } catch (const std::exception& e) {
    return make_error(errc::io_error, std::string("dht: ") + e.what());
  }
}

}  // namespace ddb
