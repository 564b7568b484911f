#pragma once
// The feeds added and removed through the control API, kept in <node.storage>/runtime-feeds.json
// (written atomically: a temporary file, then rename) so that a restarted node hosts them again.
// The YAML file stays the operator's: it is never rewritten. At start the node hosts the YAML's
// feeds minus the removed names, plus the added ones.
//
//   {"version":1,
//    "added":[{"name":"logs","mode":"write"},
//             {"name":"mirror","mode":"follow","key":"HEX","sparse":false,"live":true}],
//    "removed":["old"]}
#include <optional>
#include <string>
#include <vector>

#include "config/node_config.hpp"
#include "core/result.hpp"

namespace ddb::control {

struct runtime_feed {
  std::string name;
  feed_mode mode = feed_mode::write;
  std::optional<public_key> key;  // follow
  bool sparse = false;
  bool live = true;
};

struct runtime_feeds {
  std::vector<runtime_feed> added;
  std::vector<std::string> removed;  // names from the YAML file that are no longer hosted
};

std::string runtime_feeds_path(const std::string& storage);
// A missing file is an empty list; a malformed one is invalid_argument (naming the file).
result<runtime_feeds> load_runtime_feeds(const std::string& storage);
status save_runtime_feeds(const std::string& storage, const runtime_feeds& feeds);

// The feed_config of a runtime feed (storage_dir: <config.storage>/<name>).
feed_config to_feed_config(const node_config& config, const runtime_feed& feed);
// Applies <config.storage>/runtime-feeds.json to config.feeds (before node::start).
status apply_runtime_feeds(node_config& config);

// Records an added feed (replacing one of the same name) or a removed one.
void record_added(runtime_feeds& feeds, runtime_feed feed);
void record_removed(runtime_feeds& feeds, const std::string& name, bool from_yaml);

// [a-z0-9_-]{1,64}, as in the YAML file.
bool valid_feed_name(const std::string& name);

}  // namespace ddb::control
