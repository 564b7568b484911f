#include "config/config_diff.hpp"

#include <algorithm>
#include <tuple>

namespace ddb {

namespace {

bool same_range(const std::optional<block_range>& a, const std::optional<block_range>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->start == b->start && a->end == b->end);
}

bool same_plan(const std::optional<append_plan>& a, const std::optional<append_plan>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->blocks == b->blocks && a->block_size == b->block_size &&
                a->interval_ms == b->interval_ms);
}

// Everything that needs the feed reopened (not its allow list, nor its line).
bool same_feed(const feed_config& a, const feed_config& b) {
  return a.mode == b.mode && a.storage_dir == b.storage_dir && a.key == b.key &&
         a.key_file == b.key_file && a.sparse == b.sparse && a.live == b.live &&
         same_range(a.download, b.download) && same_plan(a.append, b.append);
}

bool same_limits(const replication::peer_limits& a, const replication::peer_limits& b) {
  auto fields = [](const replication::peer_limits& l) {
    return std::tie(l.max_remote_ahead, l.max_inflight_wants, l.max_wants, l.max_queued_requests,
                    l.max_queued_wants, l.max_unsent_bytes, l.max_have_bitfield_bytes,
                    l.work_pages_per_page, l.work_pages_slack, l.invalid_backoff_after,
                    l.max_invalid_messages, l.request_timeout_ms);
  };
  return fields(a) == fields(b);
}

bool same_extension(const extension_config& a, const extension_config& b) {
  return a.path == b.path && a.builtin == b.builtin && a.all_feeds == b.all_feeds &&
         a.feeds == b.feeds && a.config_json == b.config_json;
}

const extension_config* find_extension(const node_config& c, const std::string& name) {
  for (const auto& e : c.extensions)
    if (e.name == name) return &e;
  return nullptr;
}

void diff_feeds(const node_config& a, const node_config& b, config_diff& d) {
  for (const feed_config& old : a.feeds) {
    const feed_config* now = find_feed(b, old.name);
    if (now == nullptr) {
      d.feeds_removed.push_back(old.name);
    } else if (!same_feed(old, *now)) {
      d.feeds_removed.push_back(old.name);
      d.feeds_added.push_back(*now);
      d.feeds_replaced.push_back(old.name);
    } else if (old.allow != now->allow) {
      d.access_changed = true;
    }
  }
  for (const feed_config& now : b.feeds) {
    if (find_feed(a, now.name) == nullptr) {
      d.feeds_added.push_back(now);
      if (now.allow) d.access_changed = true;
    }
  }
}

void diff_extensions(const node_config& a, const node_config& b, config_diff& d) {
  for (const extension_config& old : a.extensions) {
    const extension_config* now = find_extension(b, old.name);
    if (now == nullptr || !same_extension(old, *now)) d.extensions_removed.push_back(old.name);
    if (now != nullptr && !same_extension(old, *now)) d.extensions_added.push_back(*now);
  }
  for (const extension_config& now : b.extensions)
    if (find_extension(a, now.name) == nullptr) d.extensions_added.push_back(now);
}

void diff_fixed(const node_config& a, const node_config& b, config_diff& d) {
  auto check = [&](bool same, const char* key) {
    if (!same) d.restart_needed.push_back(key);
  };
  check(a.name == b.name, "node.name");
  check(a.storage == b.storage, "node.storage");
  check(a.listen == b.listen, "node.listen");
  check(a.noise_key_file == b.noise_key_file, "node.noise_key_file");
  check(a.ns == b.ns, "node.namespace");
  const swarm_config& x = a.swarm;
  const swarm_config& y = b.swarm;
  check(x.dht.enabled == y.dht.enabled && x.dht.listen == y.dht.listen &&
            x.dht.bootstrap == y.dht.bootstrap,
        "swarm.dht");
  check(x.max_peers == y.max_peers && x.max_peers_per_feed == y.max_peers_per_feed,
        "swarm.max_peers");
  check(x.reconnect.min_ms == y.reconnect.min_ms && x.reconnect.max_ms == y.reconnect.max_ms,
        "swarm.reconnect");
  check(x.ban_ms == y.ban_ms, "swarm.ban_ms");
  check(x.max_connections == y.max_connections && x.max_per_address == y.max_per_address &&
            x.max_handshakes == y.max_handshakes &&
            x.handshake_timeout_ms == y.handshake_timeout_ms &&
            x.accept_backoff.min_ms == y.accept_backoff.min_ms &&
            x.accept_backoff.max_ms == y.accept_backoff.max_ms,
        "swarm connection limits");
}

std::string join(const char* sign, const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += std::string(out.empty() ? "" : " ") + sign + n;
  return out;
}

}  // namespace

config_diff diff_configs(const node_config& running, const node_config& next) {
  config_diff d;
  diff_feeds(running, next, d);
  d.static_peers_changed = running.swarm.static_peers != next.swarm.static_peers;
  if (running.swarm.allow != next.swarm.allow) d.access_changed = true;
  diff_extensions(running, next, d);
  d.log_level_changed = running.level != next.level;
  d.status_interval_changed = running.status_interval_ms != next.status_interval_ms;
  d.limits_changed = !same_limits(running.limits, next.limits);
  diff_fixed(running, next, d);
  return d;
}

bool config_diff::empty() const {
  return feeds_removed.empty() && feeds_added.empty() && !static_peers_changed && !access_changed &&
         extensions_removed.empty() && extensions_added.empty() && !log_level_changed &&
         !status_interval_changed && !limits_changed;
}

std::string config_diff::summary() const {
  std::vector<std::string> parts;
  std::vector<std::string> removed, added;
  for (const auto& n : feeds_removed)
    if (std::find(feeds_replaced.begin(), feeds_replaced.end(), n) == feeds_replaced.end())
      removed.push_back(n);
  for (const auto& f : feeds_added)
    if (std::find(feeds_replaced.begin(), feeds_replaced.end(), f.name) == feeds_replaced.end())
      added.push_back(f.name);
  std::string feeds = join("+", added);
  for (const std::string& s : {join("-", removed), join("~", feeds_replaced)})
    if (!s.empty()) feeds += (feeds.empty() ? "" : " ") + s;
  if (!feeds.empty()) parts.push_back("feeds " + feeds);
  if (static_peers_changed) parts.push_back("static peers");
  if (access_changed) parts.push_back("allow lists");
  if (!extensions_removed.empty() || !extensions_added.empty()) parts.push_back("extensions");
  if (log_level_changed) parts.push_back("log level");
  if (status_interval_changed) parts.push_back("status interval");
  if (limits_changed) parts.push_back("limits");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out.empty() ? "no changes" : out;
}

}  // namespace ddb
