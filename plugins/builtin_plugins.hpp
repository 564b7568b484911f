#pragma once
// The example extensions linked into ddatabase, by name ("appender", "echo", "length_announce"): a
// node's config can use them with `builtin:` and the simulator without loading any library.
#include <string>
#include <string_view>

#include "ddatabase/extension.h"

namespace ddb {

// The entry point of a built-in plugin, or null.
ddb_plugin_entry_v1_fn find_builtin_plugin(std::string_view name);
// "appender, echo, length_announce"
std::string builtin_plugin_names();

}  // namespace ddb
