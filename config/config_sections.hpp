#pragma once
// Internal to config/: one parser per top-level section of a node config. Each reads its
// section (which may be undefined: absent) into `config` and records the first error in
// `reader`; parse order matters: node, feeds, swarm, extensions (later ones refer back), limits.
#include <yaml-cpp/yaml.h>

#include "config/node_config.hpp"
#include "config/yaml_reader.hpp"

namespace ddb::config_detail {

void parse_node(yaml_reader& reader, const YAML::Node& section, node_config& config);
// `node.control:` (config/config_control.cpp); `section` may be undefined.
void parse_control(yaml_reader& reader, const YAML::Node& section, node_config& config);
void parse_feeds(yaml_reader& reader, const YAML::Node& section, node_config& config);
void parse_swarm(yaml_reader& reader, const YAML::Node& section, swarm_config& swarm);
void parse_extensions(yaml_reader& reader, const YAML::Node& section, node_config& config);
// `allow:` (a list of 64-hex Noise public keys) and `allow_file:` (one per line, `#` comments) in
// `map`; either or both set `out` (their union), neither leaves it unset.
void parse_allow(yaml_reader& reader, const YAML::Node& map, const std::string& path,
                 std::optional<std::vector<public_key>>& out);
void parse_peer_limits(yaml_reader& reader, const YAML::Node& section,
                       replication::peer_limits& limits);

}  // namespace ddb::config_detail
