// The built-in plugins: the examples compiled with unique entry symbols.
#include "plugins/builtin_plugins.hpp"

extern "C" const ddb_plugin_v1* ddb_builtin_appender_v1(void);
extern "C" const ddb_plugin_v1* ddb_builtin_echo_v1(void);
extern "C" const ddb_plugin_v1* ddb_builtin_length_announce_v1(void);

namespace ddb {

namespace {

struct builtin {
  std::string_view name;
  ddb_plugin_entry_v1_fn entry;
};

constexpr builtin builtins[] = {
    {"appender", &ddb_builtin_appender_v1},
    {"echo", &ddb_builtin_echo_v1},
    {"length_announce", &ddb_builtin_length_announce_v1},
};

}  // namespace

ddb_plugin_entry_v1_fn find_builtin_plugin(std::string_view name) {
  for (const auto& b : builtins) {
    if (b.name == name) return b.entry;
  }
  return nullptr;
}

std::string builtin_plugin_names() {
  std::string out;
  for (const auto& b : builtins) {
    if (!out.empty()) out += ", ";
    out += b.name;
  }
  return out;
}

}  // namespace ddb
