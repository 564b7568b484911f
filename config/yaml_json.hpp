#pragma once
// Internal to config/: a YAML subtree as JSON text, for extension configs handed to plugins.
// Mappings become objects (keys as strings), lists arrays; plain scalars that read as null,
// true/false or a JSON number keep that type, every other scalar (and every quoted one) is a
// string. Empty on failure, with `why` (and `at`, the offending node) set.
#include <string>

#include <yaml-cpp/yaml.h>

namespace ddb::config_detail {

std::string yaml_to_json(const YAML::Node& node, std::string& why, YAML::Node& at);

}  // namespace ddb::config_detail
