#include "config/config_loader.hpp"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "config/config_sections.hpp"
#include "config/yaml_reader.hpp"
#include "core/key_file.hpp"

namespace ddb {

namespace fs = std::filesystem;
using config_detail::field;
using config_detail::yaml_reader;

namespace {

// A node config is a few kilobytes; anything past this is not one.
constexpr size_t config_file_max_bytes = 1 << 20;

// A node name is also the default storage directory's last component.
bool valid_node_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && name != "." && name != ".." &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_';
         });
}

void read_namespace(yaml_reader& r, const YAML::Node& section, node_config& c) {
  r.read_string(section, "node", "namespace", c.ns);
  if (r.ok() && c.ns != "ddatabase" && c.ns != "hypercore") {
    r.fail(field(section, "namespace"), "node.namespace",
           "expected ddatabase or hypercore, got \"" + c.ns + "\"");
  }
}

void read_log_level(yaml_reader& r, const YAML::Node& section, node_config& c) {
  std::string text;
  r.read_string(section, "node", "log_level", text);
  if (r.ok() && !text.empty() && !parse_log_level(text, c.level)) {
    r.fail(field(section, "log_level"), "node.log_level",
           "expected trace, debug, info, warn, error or off, got \"" + text + "\"");
  }
}

result<node_config> parse_document(const YAML::Node& root, yaml_reader& r) {
  if (!root.IsDefined() || root.IsNull()) {
    return make_error(errc::invalid_argument,
                      r.origin() + ": empty config: expected a mapping with a `node` section");
  }
  node_config config;
  config.source = r.origin();
  config.base_dir = r.base_dir().string();
  r.check_map(root, "", {"version", "node", "feeds", "swarm", "extensions", "limits"});
  uint64_t version = 1;
  r.read_uint(root, "", "version", 1, 1, version);
  r.require(root, "", "node");
  config_detail::parse_node(r, field(root, "node"), config);
  config_detail::parse_feeds(r, field(root, "feeds"), config);
  config_detail::parse_swarm(r, field(root, "swarm"), config.swarm);
  config_detail::parse_extensions(r, field(root, "extensions"), config);
  config_detail::parse_peer_limits(r, field(root, "limits"), config.limits);
  if (!r.ok()) return r.error();
  return config;
}

result<node_config> load(const std::string& yaml, yaml_reader& r) {
  result<node_config> out = make_error(errc::invalid_argument, r.origin() + ": not read");
  status read = config_detail::read_document(
      yaml, r, [&](const YAML::Node& root) { out = parse_document(root, r); });
  if (!read) return read;
  return out;
}

}  // namespace

namespace config_detail {

void parse_node(yaml_reader& r, const YAML::Node& section, node_config& c) {
  const std::string path = "node";
  if (!r.check_map(section, path,
                   {"name", "storage", "listen", "noise_key_file", "namespace", "log_level",
                    "status_interval_ms", "control"}) ||
      !r.require(section, path, "name")) {
    return;
  }
  r.read_string(section, path, "name", c.name);
  if (r.ok() && !valid_node_name(c.name)) {
    r.fail(field(section, "name"), "node.name",
           "expected 1 to 64 of [A-Za-z0-9._-], got \"" + c.name + "\"");
  }
  c.storage = r.resolve("data/" + c.name);
  r.read_path(section, path, "storage", c.storage);
  r.read_address(section, path, "listen", true, c.listen);
  c.noise_key_file = (fs::path(c.storage) / "noise.key").string();
  r.read_path(section, path, "noise_key_file", c.noise_key_file);
  read_namespace(r, section, c);
  read_log_level(r, section, c);
  r.read_ms(section, path, "status_interval_ms", 0, 86400000, c.status_interval_ms);
  parse_control(r, field(section, "control"), c);
}

}  // namespace config_detail

result<node_config> load_config_string(const std::string& yaml, const std::string& origin,
                                       const std::string& base_dir) {
  std::error_code ec;
  fs::path base = fs::absolute(base_dir.empty() ? "." : base_dir, ec);
  if (ec) base = base_dir;
  yaml_reader reader(origin, base.lexically_normal());
  return load(yaml, reader);
}

result<node_config> load_config_file(const std::string& path) {
  auto text = read_regular_file(path, config_file_max_bytes, "config file");
  if (!text) return text.error();
  std::error_code ec;
  fs::path dir = fs::absolute(path, ec).parent_path();
  return load_config_string(std::string(text->begin(), text->end()), path,
                            ec ? fs::path(".").string() : dir.string());
}

result<public_key> read_follow_key(const feed_config& feed) {
  if (feed.key) return *feed.key;
  if (feed.key_file.empty()) {
    return make_error(errc::invalid_argument, "feed " + feed.name + ": no key");
  }
  return read_key_file(feed.key_file);
}

}  // namespace ddb
