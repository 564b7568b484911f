// Loading extension plugins and checking their tables.
#include "actors/plugin_loader.hpp"

#include <dlfcn.h>

#include <cstddef>
#include <filesystem>

#include "plugins/builtin_plugins.hpp"

namespace ddb {

namespace {

// The entry point, called with every exception caught: a plugin must not take the node down.
result<const ddb_plugin_v1*> call_entry(ddb_plugin_entry_v1_fn entry, const std::string& where) {
  try {
    return entry();
  } catch (...) {
    return make_error(errc::invalid_argument, where + ": the plugin entry point threw");
  }
}

}  // namespace

status check_plugin_table(const ddb_plugin_v1* api, const std::string& where) {
  auto bad = [&](const std::string& why) {
    return make_error(errc::invalid_argument, where + ": " + why);
  };
  if (!api) return bad("the entry point returned no plugin table");
  if (api->abi_version != DDB_PLUGIN_ABI_VERSION) {
    return bad("plugin ABI version " + std::to_string(api->abi_version) + ", this node speaks " +
               std::to_string(DDB_PLUGIN_ABI_VERSION));
  }
  // Tables of version 1.0 end before on_error; the fields appended since are optional.
  if (api->struct_size < offsetof(ddb_plugin_v1, on_error)) {
    return bad("the plugin table is truncated");
  }
  if (!api->name || !*api->name) return bad("the plugin has no name");
  if (!api->init || !api->destroy || !api->on_message) {
    return bad("the plugin lacks init, destroy or on_message");
  }
  if (api->encoding < DDB_ENCODING_BINARY || api->encoding > DDB_ENCODING_JSON) {
    return bad("unknown encoding " + std::to_string(api->encoding));
  }
  return status::ok();
}

plugin_library::plugin_library(void* handle, const ddb_plugin_v1* api, std::string where)
    : handle_(handle), api_(api), where_(std::move(where)) {}

plugin_library::~plugin_library() {
  if (handle_) dlclose(handle_);
}

result<std::shared_ptr<plugin_library>> plugin_library::from_entry(ddb_plugin_entry_v1_fn entry,
                                                                   std::string where) {
  if (!entry) return make_error(errc::invalid_argument, where + ": no entry point");
  auto api = call_entry(entry, where);
  if (!api) return api.error();
  DDB_TRY(check_plugin_table(*api, where));
  return std::shared_ptr<plugin_library>(new plugin_library(nullptr, *api, std::move(where)));
}

result<std::shared_ptr<plugin_library>> plugin_library::builtin(std::string_view name) {
  ddb_plugin_entry_v1_fn entry = find_builtin_plugin(name);
  if (!entry) {
    return make_error(errc::not_found, "no built-in extension named " + std::string(name) +
                                           " (known: " + builtin_plugin_names() + ")");
  }
  return from_entry(entry, "builtin:" + std::string(name));
}

result<std::shared_ptr<plugin_library>> plugin_library::open(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return make_error(errc::not_found, path + ": no such file");
  dlerror();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    return make_error(errc::io_error, path + ": cannot load: " + (why ? why : "dlopen failed"));
  }
  void* sym = dlsym(handle, DDB_PLUGIN_ENTRY_NAME_V1);
  if (!sym) {
    dlclose(handle);
    return make_error(errc::invalid_argument,
                      path + ": not a ddatabase plugin (no " DDB_PLUGIN_ENTRY_NAME_V1 ")");
  }
  auto entry = reinterpret_cast<ddb_plugin_entry_v1_fn>(sym);
  auto api = call_entry(entry, path);
  status ok = api ? check_plugin_table(*api, path) : api.error();
  if (!ok) {
    dlclose(handle);
    return ok;
  }
  return std::shared_ptr<plugin_library>(new plugin_library(handle, *api, path));
}

}  // namespace ddb
