// The `swarm:` and `extensions:` sections.
#include <algorithm>
#include <string>

#include "config/config_sections.hpp"
#include "config/yaml_json.hpp"

namespace ddb::config_detail {

namespace {

constexpr uint64_t hour_ms = 3600000;

void parse_dht(yaml_reader& r, const YAML::Node& section, dht_config& dht) {
  const std::string path = "swarm.dht";
  if (!section.IsDefined() || !r.check_map(section, path, {"enabled", "listen", "bootstrap"})) {
    return;
  }
  r.read_bool(section, path, "enabled", dht.enabled);
  r.read_address(section, path, "listen", true, dht.listen);
  r.read_address_list(section, path, "bootstrap", dht.bootstrap);
}

void parse_reconnect(yaml_reader& r, const YAML::Node& section, reconnect_config& rc) {
  const std::string path = "swarm.reconnect";
  if (!section.IsDefined() || !r.check_map(section, path, {"min_ms", "max_ms"})) return;
  r.read_ms(section, path, "min_ms", 1, hour_ms, rc.min_ms);
  r.read_ms(section, path, "max_ms", 1, hour_ms, rc.max_ms);
  if (r.ok() && rc.max_ms < rc.min_ms) {
    const YAML::Node at = field(section, "max_ms");
    r.fail(at.IsDefined() ? at : field(section, "min_ms"), "swarm.reconnect",
           "max_ms (" + std::to_string(rc.max_ms) + ") is below min_ms (" +
               std::to_string(rc.min_ms) + ")");
  }
}

void parse_accept_backoff(yaml_reader& r, const YAML::Node& section, accept_backoff_config& b) {
  const std::string path = "swarm.accept_backoff";
  if (!section.IsDefined() || !r.check_map(section, path, {"min_ms", "max_ms"})) return;
  r.read_ms(section, path, "min_ms", 1, 60000, b.min_ms);
  r.read_ms(section, path, "max_ms", 1, 60000, b.max_ms);
  if (r.ok() && b.max_ms < b.min_ms) {
    const YAML::Node at = field(section, "max_ms");
    r.fail(at.IsDefined() ? at : field(section, "min_ms"), path,
           "max_ms (" + std::to_string(b.max_ms) + ") is below min_ms (" +
               std::to_string(b.min_ms) + ")");
  }
}

// The connection limits (net/connection_limits.hpp); 0 disables a cap.
void parse_limits(yaml_reader& r, const YAML::Node& section, swarm_config& swarm) {
  const std::string path = "swarm";
  r.read_uint(section, path, "max_connections", 0, 1u << 20, swarm.max_connections);
  r.read_uint(section, path, "max_per_address", 0, 1u << 20, swarm.max_per_address);
  r.read_uint(section, path, "max_handshakes", 0, 1u << 20, swarm.max_handshakes);
  r.read_ms(section, path, "handshake_timeout_ms", 0, hour_ms, swarm.handshake_timeout_ms);
  parse_accept_backoff(r, field(section, "accept_backoff"), swarm.accept_backoff);
}

bool valid_extension_name(const std::string& name) {
  return !name.empty() && name.size() <= 128 &&
         std::all_of(name.begin(), name.end(), [](char c) { return c > ' ' && c != 127; });
}

void read_extension_name(yaml_reader& r, const YAML::Node& item, const std::string& path,
                         const node_config& config, extension_config& ext) {
  if (!r.require(item, path, "name")) return;
  r.read_string(item, path, "name", ext.name);
  const YAML::Node at = field(item, "name");
  if (r.ok() && !valid_extension_name(ext.name)) {
    r.fail(at, key_path(path, "name"), "expected 1 to 128 printable characters without spaces");
  }
  for (const auto& other : config.extensions) {
    if (r.ok() && other.name == ext.name) {
      r.fail(at, key_path(path, "name"), "duplicate extension name \"" + ext.name + "\"");
    }
  }
}

void read_source(yaml_reader& r, const YAML::Node& item, const std::string& path,
                 extension_config& ext) {
  const bool has_path = field(item, "path").IsDefined();
  if (r.ok() && has_path == field(item, "builtin").IsDefined()) {
    r.fail(item, path,
           has_path ? "give either path or builtin, not both"
                    : "an extension needs path (a shared library) or builtin (a name)");
    return;
  }
  r.read_path(item, path, "path", ext.path);
  r.read_string(item, path, "builtin", ext.builtin);
  if (r.ok() && !has_path && ext.builtin.empty()) {
    r.fail(field(item, "builtin"), key_path(path, "builtin"), "expected a non-empty name");
  }
}

void read_feed_names(yaml_reader& r, const YAML::Node& item, const std::string& path,
                     const node_config& config, extension_config& ext) {
  const YAML::Node list = field(item, "feeds");
  const std::string list_path = key_path(path, "feeds");
  if (!list.IsDefined() || !r.ok()) return;
  if (list.IsScalar() && list.Scalar() == "all") return;
  if (!list.IsSequence() || list.size() == 0) {
    r.fail(list, list_path, "expected \"all\" or a non-empty list of feed names");
    return;
  }
  ext.all_feeds = false;
  for (size_t i = 0; i < list.size() && r.ok(); ++i) {
    std::string name, item_path = index_path(list_path, i);
    if (!r.to_string(list[i], item_path, name)) return;
    if (find_feed(config, name) == nullptr) {
      r.fail(list[i], item_path, "no feed named \"" + name + "\" in feeds");
    } else if (std::find(ext.feeds.begin(), ext.feeds.end(), name) != ext.feeds.end()) {
      r.fail(list[i], item_path, "feed \"" + name + "\" listed twice");
    }
    ext.feeds.push_back(name);
  }
}

void read_extension_config(yaml_reader& r, const YAML::Node& item, const std::string& path,
                           extension_config& ext) {
  const YAML::Node value = field(item, "config");
  const std::string value_path = key_path(path, "config");
  if (!value.IsDefined() || value.IsNull() || !r.ok()) return;
  if (!value.IsMap()) {
    r.fail(value, value_path, "expected a mapping");
    return;
  }
  std::string why;
  YAML::Node at;
  std::string json = yaml_to_json(value, why, at);
  if (json.empty()) return void(r.fail(at, value_path, why));
  ext.config_json = std::move(json);
}

extension_config parse_extension(yaml_reader& r, const YAML::Node& item, const std::string& path,
                                 const node_config& config) {
  extension_config ext;
  ext.line = line_of(item);
  if (!r.check_map(item, path, {"name", "path", "builtin", "feeds", "config"})) return ext;
  if (!item.IsMap()) return r.fail(item, path, "expected a mapping, got nothing"), ext;
  read_extension_name(r, item, path, config, ext);
  read_source(r, item, path, ext);
  read_feed_names(r, item, path, config, ext);
  read_extension_config(r, item, path, ext);
  return ext;
}

}  // namespace

void parse_swarm(yaml_reader& r, const YAML::Node& section, swarm_config& swarm) {
  const std::string path = "swarm";
  if (!section.IsDefined() ||
      !r.check_map(section, path,
                   {"static_peers", "dht", "max_peers_per_feed", "max_peers", "reconnect", "ban_ms",
                    "max_connections", "max_per_address", "max_handshakes", "handshake_timeout_ms",
                    "accept_backoff", "allow", "allow_file"})) {
    return;
  }
  r.read_address_list(section, path, "static_peers", swarm.static_peers);
  parse_dht(r, field(section, "dht"), swarm.dht);
  r.read_uint(section, path, "max_peers", 1, 65536, swarm.max_peers);
  r.read_uint(section, path, "max_peers_per_feed", 1, 65536, swarm.max_peers_per_feed);
  if (r.ok() && swarm.max_peers_per_feed > swarm.max_peers) {
    const YAML::Node at = field(section, "max_peers_per_feed");
    if (at.IsDefined()) {
      r.fail(at, "swarm.max_peers_per_feed",
             "must not exceed swarm.max_peers (" + std::to_string(swarm.max_peers) + ")");
    } else {
      r.fail(field(section, "max_peers"), "swarm.max_peers",
             "must be at least swarm.max_peers_per_feed (" +
                 std::to_string(swarm.max_peers_per_feed) + ")");
    }
  }
  parse_reconnect(r, field(section, "reconnect"), swarm.reconnect);
  r.read_ms(section, path, "ban_ms", 0, 7 * 24 * hour_ms, swarm.ban_ms);
  parse_limits(r, section, swarm);
  parse_allow(r, section, path, swarm.allow);
}

void parse_extensions(yaml_reader& r, const YAML::Node& section, node_config& config) {
  if (!section.IsDefined() || !r.check_seq(section, "extensions")) return;
  for (size_t i = 0; i < section.size() && r.ok(); ++i) {
    extension_config ext = parse_extension(r, section[i], index_path("extensions", i), config);
    if (r.ok()) config.extensions.push_back(std::move(ext));
  }
}

}  // namespace ddb::config_detail
