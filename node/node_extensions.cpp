// The node's extensions hook (see load_node_extensions in node/node.hpp): loads every configured
// extension (a plugin by path or a built-in) and registers it on its feeds. A plugin that fails
// to load or initialise is reported to the observer and skipped: the node keeps running.
#include <algorithm>

#include <caf/all.hpp>

#include "actors/extension_host.hpp"
#include "messages/atoms.hpp"
#include "node/node.hpp"

namespace ddb {

namespace {

const char* level_name(int level) {
  static const char* names[] = {"debug", "info", "warning", "error"};
  return names[std::clamp(level, 0, 3)];
}

// Extension log lines -> the node observer's (ddb_event_atom, topic, text) notices.
caf::behavior log_adapter(caf::event_based_actor* self, caf::actor observer) {
  return {[=](ddb_extlog_atom, const extension_log& l) {
    self->send(observer, ddb_event_atom_v, "extension " + l.extension,
               std::string(level_name(l.level)) + ": " + l.text);
  }};
}

void report(const caf::actor& observer, const std::string& name, std::string text) {
  if (observer) caf::anon_send(observer, ddb_event_atom_v, "extension " + name, std::move(text));
}

}  // namespace

status load_node_extensions(caf::actor_system& sys, const node_config& config,
                            std::vector<node_feed>& feeds, const caf::actor& observer,
                            std::vector<loaded_extension>* loaded) {
  if (config.extensions.empty()) return status::ok();
  caf::actor logs = observer ? sys.spawn(log_adapter, observer) : caf::actor{};
  for (const auto& e : config.extensions) {
    std::vector<feed_actor> targets;
    for (auto& f : feeds) {
      bool wanted =
          e.all_feeds || std::find(e.feeds.begin(), e.feeds.end(), f.name) != e.feeds.end();
      if (wanted && f.client) targets.push_back(f.client->actor());
    }
    auto ext = load_extension(sys, extension_spec{e.name, e.path, e.builtin, e.config_json},
                              targets, logs);
    if (!ext) {
      report(observer, e.name, "not loaded: " + ext.error().to_string());
      continue;
    }
    report(observer, ext->name, "loaded on " + std::to_string(targets.size()) + " feed(s)");
    if (loaded != nullptr) loaded->push_back(*ext);
  }
  return status::ok();
}

}  // namespace ddb
