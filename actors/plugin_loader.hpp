#pragma once
// Loading extension plugins: a shared library by path (dlopen + the versioned entry point) or a
// built-in one by name, checked against the plugin ABI (include/ddatabase/extension.h).
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "ddatabase/extension.h"

namespace ddb {

// One loaded plugin: owns the library handle (closed when the last reference goes) and borrows
// the plugin's table, which lives as long as the library. Keep a reference for as long as any
// instance of the plugin exists.
class plugin_library {
 public:
  // Loads `path` (RTLD_NOW | RTLD_LOCAL) and validates its table. Errors: not_found (no such
  // file), io_error (dlopen failed: e.g. not a shared library, unresolved symbols),
  // invalid_argument (no ddb_plugin_entry_v1, wrong ABI version, incomplete table).
  static result<std::shared_ptr<plugin_library>> open(const std::string& path);
  // A plugin linked into this program (plugins/builtin_plugins.hpp). not_found if unknown.
  static result<std::shared_ptr<plugin_library>> builtin(std::string_view name);
  // Wraps an entry point (tests, embedders); validated like a loaded one.
  static result<std::shared_ptr<plugin_library>> from_entry(ddb_plugin_entry_v1_fn entry,
                                                            std::string where);

  ~plugin_library();
  plugin_library(const plugin_library&) = delete;
  plugin_library& operator=(const plugin_library&) = delete;

  const ddb_plugin_v1& api() const { return *api_; }
  const std::string& where() const { return where_; }  // path or "builtin:NAME"

 private:
  plugin_library(void* handle, const ddb_plugin_v1* api, std::string where);

  void* handle_;  // dlopen handle; null for built-in plugins
  const ddb_plugin_v1* api_;
  std::string where_;
};

// Checks a plugin table: version, size, required entries, name, encoding.
status check_plugin_table(const ddb_plugin_v1* api, const std::string& where);

}  // namespace ddb
