#pragma once
// What changed between two node configs: the plan a running node applies when its YAML is
// reloaded (SIGHUP in `ddatabase node`, node/node_reload.cpp). Pure: values in, values out.
//
// Feeds are matched by name. An entry whose mode, key, key file, storage, sparse/live, download
// range or append plan changed is replaced (closed, then opened again); its allow list alone is
// an access change. Extensions are matched by name the same way. Keys a running node cannot
// change (the node's name, storage, listen address, Noise key, namespace, the DHT and the
// connection caps) are listed in `restart_needed` and keep their running values (a feed's own
// storage folder is part of its entry: a new node.storage replaces the feeds under it).
#include <string>
#include <vector>

#include "config/node_config.hpp"

namespace ddb {

struct config_diff {
  std::vector<std::string> feeds_removed;   // names to close (removed or replaced)
  std::vector<feed_config> feeds_added;     // entries to open (new or replacements)
  std::vector<std::string> feeds_replaced;  // names in both lists above
  bool static_peers_changed = false;        // the new list is next.swarm.static_peers
  bool access_changed = false;              // swarm.allow or some feed's allow
  std::vector<std::string> extensions_removed;
  std::vector<extension_config> extensions_added;
  bool log_level_changed = false;
  bool status_interval_changed = false;
  // `limits:` changed: the running config takes them, but only feeds opened from now on use
  // them (a running feed's replicator keeps the limits it was opened with).
  bool limits_changed = false;
  std::vector<std::string> restart_needed;  // config keys, e.g. "node.listen"

  // Nothing to apply (restart_needed aside).
  bool empty() const;
  // One line for the operator: "feeds +a -b ~c, static peers, allow lists, ..., limits"
  // ("no changes").
  std::string summary() const;
};

config_diff diff_configs(const node_config& running, const node_config& next);

}  // namespace ddb
