// `ddatabase node --config FILE.yaml [--json]`: run a node until SIGINT/SIGTERM, then close its
// feeds cleanly. One line per significant event (listening, peer joined/left, feed synced) and
// a periodic status line; --json prints each as one JSON object (docs/nodes.md).
#include <chrono>
#include <iostream>
#include <map>
#include <set>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/net_session.hpp"
#include "cli/node_log.hpp"
#include "cli/signals.hpp"
#include "config/config_diff.hpp"
#include "config/config_loader.hpp"
#include "control/control_server.hpp"
#include "control/runtime_feeds.hpp"
#include "ddb_version.hpp"  // generated at build time (cmake/version.cmake)
#include "messages/swarm_messages.hpp"
#include "node/node.hpp"
#include "swarm/dht_discovery.hpp"

namespace ddb::cli {

namespace {

using clock_type = std::chrono::steady_clock;
using json = nlohmann::json;

struct node_args {
  std::string config;
  bool json = false;
};

// Prints events as text or JSON lines.
// The replication limits at work on one feed (protocol/limits.hpp), for the status line.
json abuse_json(const replication::abuse_stats& a) {
  return {{"havesClamped", a.haves_clamped},
          {"wantsCapped", a.wants_capped},
          {"requestsQueuedPeak", a.requests_queued_peak},
          {"sendWindowWaits", a.send_window_waits},
          {"workRefused", a.work_refused},
          {"invalidMessages", a.invalid_messages},
          {"peersDroppedForOverflow", a.peers_dropped_for_overflow},
          {"peersDroppedForInvalid", a.peers_dropped_for_invalid},
          {"peersDroppedForTimeout", a.peers_dropped_for_timeout}};
}

// "" while no peer ran into a limit; else the counts that tell an operator something is wrong.
std::string abuse_text(const replication::abuse_stats& a) {
  if (a.haves_clamped + a.wants_capped + a.work_refused + a.invalid_messages +
          a.peers_dropped_for_overflow + a.peers_dropped_for_invalid +
          a.peers_dropped_for_timeout ==
      0) {
    return "";
  }
  return " (limits: " + std::to_string(a.invalid_messages) + " invalid messages, " +
         std::to_string(a.haves_clamped) + " haves clamped, " + std::to_string(a.work_refused) +
         " ranges refused, " +
         std::to_string(a.peers_dropped_for_overflow + a.peers_dropped_for_invalid +
                        a.peers_dropped_for_timeout) +
         " peers dropped)";
}

using event_printer = event_log;

std::string short_key(const public_key& k) {
  return to_hex(k).substr(0, 8);
}

struct node_runner {
  node& n;
  event_printer& out;
  caf::scoped_actor& self;
  std::map<hash_t, std::string> names;      // dkey -> feed name
  std::set<std::string> followers;          // names of follow feeds
  std::map<std::string, uint64_t> synced;   // last printed synced length
  std::map<std::string, uint64_t> pending;  // synced lengths not printed yet
  clock_type::time_point last_sync_print{};

  void on_swarm(const swarm_event& ev) {
    std::string who = short_key(ev.remote);
    json f = {{"remote", to_hex(ev.remote)}, {"address", ev.address}, {"detail", ev.detail}};
    switch (ev.type) {
      case swarm_event_type::connected:
        out.print("peer_joined", f,
                  "peer joined " + who + " (" + ev.detail +
                      (ev.address.empty() ? "" : " " + ev.address) + ")");
        break;
      case swarm_event_type::disconnected:
        out.print("peer_left", f, "peer left " + who + ": " + ev.detail);
        break;
      case swarm_event_type::banned:
        out.print(log_level::warn, "peer_banned", f,
                  "peer banned " + who + " " + ev.address + ": " + ev.detail);
        break;
      case swarm_event_type::dial_failed:
        f["failures"] = ev.count;
        out.print(ev.count == 1 ? log_level::warn : log_level::debug, "dial_failed", f,
                  "dial " + ev.address + " failed: " + ev.detail + " (retrying)");
        break;
      case swarm_event_type::feed_open:
        if (names.count(ev.dkey) == 0) learn_feeds();
        f["feed"] = names[ev.dkey];
        out.print("feed_peer", f, "feed " + names[ev.dkey] + ": replicating with " + who);
        break;
      default:
        out.print(log_level::debug, to_string(ev.type), f, to_string(ev.type) + " " + who);
    }
  }

  void on_feed(const std::string& name, const feed_event& ev) {
    if (ev.type == feed_event_type::error) {
      out.print(log_level::error, "feed_error",
                {{"feed", name}, {"code", std::string(to_string(ev.code))}, {"error", ev.message}},
                "feed " + name + ": " + std::string(to_string(ev.code)) + ": " + ev.message);
    }
    if (out.enabled(log_level::trace)) {
      out.print(log_level::trace, "feed_event",
                {{"feed", name}, {"type", static_cast<int>(ev.type)}, {"length", ev.length}},
                "feed " + name + ": event " + std::to_string(static_cast<int>(ev.type)) +
                    ", length " + std::to_string(ev.length));
    }
    if (ev.type == feed_event_type::sync && followers.count(name) > 0) pending[name] = ev.length;
  }

  // Synced lines: only when the length changed, and at most one batch every 500 ms (the first
  // after a quiet spell at once).
  void flush_synced(bool force) {
    if (pending.empty()) return;
    if (!force && clock_type::now() - last_sync_print < std::chrono::milliseconds(500)) return;
    for (auto& [name, length] : pending) {
      if (synced.count(name) > 0 && synced[name] == length) continue;
      synced[name] = length;
      out.print("synced", {{"feed", name}, {"length", length}},
                "feed " + name + " synced, length " + std::to_string(length));
      last_sync_print = clock_type::now();
    }
    pending.clear();
  }

  // Feeds the control API added since: their names for the event lines.
  void learn_feeds() {
    for (auto& h : n.feed_handles()) {
      names[h.dkey] = h.name;
      if (h.mode == feed_mode::follow) followers.insert(h.name);
    }
  }

  void status_line() {
    learn_feeds();
    swarm_stats st;
    self->request(n.swarm(), std::chrono::seconds(2), ddb_sstat_atom_v)
        .receive([&](swarm_stats& s) { st = std::move(s); }, [](caf::error&) {});
    std::map<hash_t, uint64_t> peers;
    for (const auto& f : st.feeds) peers[f.dkey] = f.peers;
    json feeds = json::array();
    std::string text = "status: " + std::to_string(st.remotes) + " peers";
    for (auto& h : n.feed_handles()) {  // the control API may add and remove feeds meanwhile
      feed_client f(self->home_system(), h.actor);
      auto info = f.info();
      if (!info) continue;
      replication::abuse_stats abuse;
      if (auto stats = f.stats()) abuse = stats->abuse;
      feeds.push_back({{"name", h.name},
                       {"length", info->length},
                       {"downloaded", info->downloaded},
                       {"byteLength", info->byte_length},
                       {"peers", peers[h.dkey]},
                       {"abuse", abuse_json(abuse)}});
      text += "; " + h.name + " " + std::to_string(info->downloaded) + "/" +
              std::to_string(info->length) + " blocks, " + std::to_string(peers[h.dkey]) + " peers";
      text += abuse_text(abuse);
    }
    json limits = {{"handshaking", st.handshaking},
                   {"acceptErrors", st.accept_errors},
                   {"handshakeTimeouts", st.handshake_timeouts},
                   {"handshakesEvicted", st.handshakes_evicted},
                   {"refusedOverCap", st.refused_over_cap},
                   {"refusedPerAddress", st.refused_per_address},
                   {"refusedBanned", st.refused_banned},
                   {"refusedNotAllowed", n.access()->refused_peers()},
                   {"channelsNotAllowed", n.access()->refused_channels()}};
    uint64_t refused = st.accept_errors + st.handshake_timeouts + st.handshakes_evicted +
                       st.refused_over_cap + st.refused_per_address + st.refused_banned;
    if (refused > 0) {  // the connection limits at work (net/connection_limits.hpp)
      text += "; limits: " + std::to_string(st.refused_over_cap) + " over cap, " +
              std::to_string(st.refused_per_address) + " per address, " +
              std::to_string(st.refused_banned) + " banned, " +
              std::to_string(st.handshake_timeouts) + " handshake timeouts, " +
              std::to_string(st.handshakes_evicted) + " evicted, " +
              std::to_string(st.accept_errors) + " accept errors";
    }
    if (n.access()->refused_peers() + n.access()->refused_channels() > 0) {  // swarm.allow
      text += "; not allowed: " + std::to_string(n.access()->refused_peers()) + " peers, " +
              std::to_string(n.access()->refused_channels()) + " feed channels";
    }
    out.print("status",
              {{"peers", st.remotes},
               {"connections", st.connections},
               {"feeds", feeds},
               {"limits", limits}},
              text);
  }

  void receive_for(std::chrono::milliseconds wait) {
    self->receive(
        [&](ddb_event_atom, const swarm_event& ev) { on_swarm(ev); },
        [&](ddb_event_atom, const std::string& name, const feed_event& ev) { on_feed(name, ev); },
        [&](ddb_event_atom, const std::string& name, const std::string& what) {
          out.print("note", {{"feed", name}, {"note", what}}, "feed " + name + ": " + what);
        },
        caf::after(wait) >> [] {});
  }
};

// "HOST:PORT" of our DHT node (the configured host, the bound port), or "" when it is off:
// what other nodes list as their dht.bootstrap.
std::string dht_address(node& n) {
  if (n.dht() == nullptr) return "";
  std::string host = n.config().swarm.dht.listen;
  host = host.substr(0, host.rfind(':'));
  return host + ":" + std::to_string(n.dht()->dht_port());
}

void print_start(node& n, event_printer& out) {
  json fields = {{"address", n.listen_address()}, {"noiseKey", to_hex(n.noise_public_key())}};
  std::string text =
      "listening " + n.listen_address() + " (noise key " + short_key(n.noise_public_key()) + ")";
  if (std::string dht = dht_address(n); !dht.empty()) {
    fields["dht"] = dht;
    text += ", DHT node on " + dht;
  }
  out.print("listening", fields, text);
  for (auto& f : n.feeds()) {
    std::string mode(to_string(f.mode));
    out.print("feed",
              {{"feed", f.name},
               {"mode", mode},
               {"key", to_hex(f.key)},
               {"discoveryKey", to_hex(f.dkey)}},
              "feed " + f.name + " (" + mode + ") key " + to_hex(f.key));
  }
}

// A follow feed may name the key file its writer creates when it starts: wait (up to 30 s, or
// until SIGINT/SIGTERM) for each such file before the node starts, which then only reads it.
// Returns false when a stop signal came first. A file still missing, or a malformed one, is left
// to node::start to report.
bool wait_for_key_files(const node_config& cfg) {
  auto deadline = clock_type::now() + std::chrono::seconds(30);
  for (const feed_config& f : cfg.feeds) {
    if (f.mode != feed_mode::follow) continue;
    while (clock_type::now() < deadline) {
      auto key = read_follow_key(f);
      if (key || key.error().code() != errc::not_found) break;
      if (stop_requested(100)) return false;
    }
  }
  return true;
}

// The control API (docs/api.md) unless node.control.off; prints where it listens.
result<std::unique_ptr<control::control_server>> start_control(caf::actor_system& sys, node& n,
                                                               std::set<std::string> yaml_feeds,
                                                               event_printer& out) {
  if (n.config().control.off) return std::unique_ptr<control::control_server>();
  control::control_options o;
  o.version = DDB_VERSION;
  o.yaml_feeds = std::move(yaml_feeds);
  auto api = control::control_server::start(sys, n, std::move(o));
  if (!api) return make_error(api.error().code(), "control API: " + api.error().message());
  json fields = {{"socket", (*api)->socket_path()}};
  std::string text = "control API on " + (*api)->socket_path();
  if (!(*api)->tcp_address().empty()) {
    fields["listen"] = (*api)->tcp_address();
    fields["tokenFile"] = (*api)->token_path();
    text += " and http://" + (*api)->tcp_address() + " (token in " + (*api)->token_path() + ")";
  }
  out.print("control", fields, text);
  return api;
}

// SIGHUP: the YAML again, applied as a diff (node/node_reload.cpp). An invalid file is reported
// in one line and the running configuration stays.
void reload(node& n, node_runner& r, event_printer& out, const std::string& path,
            control::control_server* api) {
  auto cfg = load_config_file(path);
  if (!cfg) {
    out.print(log_level::error, "reload_failed", {{"error", cfg.error().message()}},
              "reload failed, keeping the running config: " + cfg.error().message());
    return;
  }
  std::set<std::string> yaml_feeds;
  for (const feed_config& f : cfg->feeds) yaml_feeds.insert(f.name);
  std::unique_lock<std::mutex> runtime;  // no API adds or removes feeds meanwhile
  if (api != nullptr) runtime = api->lock_runtime_feeds();
  // Feeds added or removed through the control API stay as they are (control/runtime_feeds.hpp).
  if (status s = control::apply_runtime_feeds(*cfg); !s) {
    out.print(log_level::error, "reload_failed", {{"error", s.message()}},
              "reload failed, keeping the running config: " + s.message());
    return;
  }
  config_diff d;
  std::vector<std::string> errors = n.reload(std::move(*cfg), &d);
  if (api != nullptr) api->set_yaml_feeds(std::move(yaml_feeds));
  if (runtime.owns_lock()) runtime.unlock();
  out.set_level(n.config().level);
  json restart = d.restart_needed;
  std::string text = "reloaded " + path + ": " + d.summary();
  if (!d.restart_needed.empty()) {
    text += " (needs a restart, not applied:";
    for (const auto& k : d.restart_needed) text += " " + k;
    text += ")";
  }
  out.print("reloaded", {{"changes", d.summary()}, {"restartNeeded", restart}, {"errors", errors}},
            text);
  for (const auto& e : errors)
    out.print(log_level::error, "reload_error", {{"error", e}}, "reload: " + e);
  if (d.limits_changed)  // running feeds keep theirs (config/config_diff.hpp)
    out.print(log_level::warn, "limits_changed", {{"appliesTo", "feeds opened from now on"}},
              "limits changed: applies to feeds opened from now on");
  r.names.clear();
  r.followers.clear();
  const std::vector<node_feed_handle> feeds = n.feed_handles();
  for (const auto& f : feeds) {
    r.names[f.dkey] = f.name;
    if (f.mode == feed_mode::follow) r.followers.insert(f.name);
  }
  for (const feed_config& f : d.feeds_added) {
    for (const auto& nf : feeds) {
      if (nf.name != f.name) continue;
      std::string mode(to_string(nf.mode));
      out.print("feed",
                {{"feed", nf.name},
                 {"mode", mode},
                 {"key", to_hex(nf.key)},
                 {"discoveryKey", to_hex(nf.dkey)}},
                "feed " + nf.name + " (" + mode + ") key " + to_hex(nf.key));
    }
  }
}

int run_node(caf::actor_system& sys, const node_args& a) {
  auto cfg = load_config_file(a.config);
  if (!cfg) return fail(cfg.error());
  std::set<std::string> yaml_feeds;
  for (const feed_config& f : cfg->feeds) yaml_feeds.insert(f.name);
  // Feeds added or removed through the control API (control/runtime_feeds.hpp).
  if (status s = control::apply_runtime_feeds(*cfg); !s) return fail(s);
  if (!wait_for_key_files(*cfg)) return 0;  // stopped before the node started
  caf::scoped_actor self{sys};
  event_printer out(cfg->name, a.json, cfg->level);
  uint64_t interval = cfg->status_interval_ms;
  auto n = node::start(sys, std::move(*cfg), caf::actor_cast<caf::actor>(self));
  if (!n) return fail(n.error());
  node_runner r{**n, out, self, {}, {}, {}, {}, {}};
  for (auto& f : (*n)->feeds()) {
    r.names[f.dkey] = f.name;
    if (f.mode == feed_mode::follow) r.followers.insert(f.name);
  }
  print_start(**n, out);
  auto api = start_control(sys, **n, std::move(yaml_feeds), out);
  if (!api) {
    (*n)->stop();
    return fail(api.error());
  }
  auto next_status = clock_type::now() + std::chrono::milliseconds(interval);
  while (!stop_requested(0)) {
    r.receive_for(std::chrono::milliseconds(50));
    r.flush_synced(false);
    if (take_reload_requests() > 0) {
      reload(**n, r, out, a.config, api->get());
      if (interval != (*n)->config().status_interval_ms) {
        interval = (*n)->config().status_interval_ms;
        next_status = clock_type::now() + std::chrono::milliseconds(interval);
      }
    }
    if (interval > 0 && clock_type::now() >= next_status) {
      r.status_line();
      next_status = clock_type::now() + std::chrono::milliseconds(interval);
    }
  }
  out.print("stopping", json::object(), "stopping");
  r.flush_synced(true);
  r.status_line();
  if (*api) (*api)->stop();
  (*n)->stop();
  out.print("stopped", json::object(), "stopped");
  return 0;
}

}  // namespace

void add_node(CLI::App& app, runner& run) {
  auto* cmd = app.add_subcommand("node", "run a node from a YAML config until SIGINT/SIGTERM");
  auto a = std::make_shared<node_args>();
  cmd->add_option("--config", a->config, "the node's YAML config")->required();
  cmd->add_flag("--json", a->json, "one JSON object per line");
  cmd->callback([a, &run] {
    // Stopping a node closes every feed and connection: give that time before the watcher
    // ends the process (cli/signals.hpp).
    set_stop_grace(std::chrono::seconds(5));
    enable_reload_signal();  // SIGHUP reloads the YAML, never stops the node
    run = [a](caf::actor_system& sys) { return run_node(sys, *a); };
  });
}

}  // namespace ddb::cli
