#pragma once
// Hosting replication extensions in actors: a plugin (a loaded shared library or a built-in, see
// plugin_loader.hpp) becomes one extension actor that serves the feeds it is registered on.
// The actor translates the feed actors' extension messages (messages/extension_messages.hpp)
// into calls through the plugin C ABI, and the plugin's host callbacks into messages to the
// feed actors. It is an ordinary event-based actor (no threads, no clock): it runs on CAF's test
// coordinator in the simulator.
//
// Isolation: payloads that are not valid for the plugin's encoding are dropped and logged; a
// handler that returns an error is logged; a C++ exception that escapes a handler is caught and
// the extension is shut down (unregistered from every feed, destroyed) — the node keeps running.
// A plugin that crashes the process (SIGSEGV, abort) cannot be contained in-process.
//
// Logs go to `observer` as (ddb_extlog_atom, extension_log); without an observer, warnings and
// errors are written to stderr.
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/plugin_loader.hpp"
#include "core/result.hpp"
#include "messages/extension_messages.hpp"
#include "messages/feed_actor.hpp"

namespace ddb {

// One configured extension (what a node's YAML `extensions:` entry says).
struct extension_spec {
  std::string name;                // wire name; empty: the plugin's own name
  std::string path;                // a shared library, or ...
  std::string builtin;             // ... a built-in plugin ("echo", "length_announce")
  std::string config_json = "{}";  // handed to the plugin's init
};

struct loaded_extension {
  extension_actor actor;
  std::string name;  // the name it is registered under on feeds
};

// Loads the plugin, runs its init and spawns its actor (on `sys`'s scheduler), then registers
// it on every feed in `feeds` (asynchronously: see register_extension). Errors (the extension
// is then not running): not_found (no such file or built-in), io_error (dlopen failed),
// invalid_argument (no entry point, wrong ABI version, bad table, both or neither of path and
// builtin), unavailable (the plugin's init failed or threw; its log lines say why).
result<loaded_extension> load_extension(caf::actor_system& sys, const extension_spec& spec,
                                        const std::vector<feed_actor>& feeds = {},
                                        caf::actor observer = {});

// Spawns an extension actor for an already loaded plugin (tests, embedders).
result<loaded_extension> spawn_plugin_extension(caf::actor_system& sys,
                                                std::shared_ptr<plugin_library> lib,
                                                std::string name, const std::string& config_json,
                                                caf::actor observer = {});

// Registers `ext` under `name` on `feed` (fire and forget; a name clash is refused by the feed
// and the existing extension keeps the name). For feeds opened after load_extension.
void register_extension(const feed_actor& feed, const std::string& name,
                        const extension_actor& ext);

}  // namespace ddb
