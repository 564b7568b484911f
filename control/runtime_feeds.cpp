#include "control/runtime_feeds.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/key_file.hpp"

namespace ddb::control {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr size_t max_file_bytes = 16 << 20;

json to_json(const runtime_feed& f) {
  json j = {{"name", f.name}, {"mode", std::string(to_string(f.mode))}};
  if (f.mode == feed_mode::follow) {
    if (f.key) j["key"] = to_hex(*f.key);
    j["sparse"] = f.sparse;
    j["live"] = f.live;
  }
  return j;
}

result<runtime_feed> from_json(const json& j) {
  runtime_feed f;
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string() || !j.contains("mode") ||
      !j["mode"].is_string()) {
    return make_error(errc::invalid_argument, "an entry without name and mode");
  }
  f.name = j["name"].get<std::string>();
  if (!valid_feed_name(f.name) || !parse_feed_mode(j["mode"].get<std::string>(), f.mode))
    return make_error(errc::invalid_argument, "a bad name or mode in entry " + f.name);
  if (f.mode == feed_mode::follow) {
    byte_buffer bytes;
    std::string hex = j.value("key", "");
    if (hex.size() != 64 || !from_hex(hex, bytes))
      return make_error(errc::invalid_argument, "entry " + f.name + ": a bad key");
    public_key k{};
    std::copy(bytes.begin(), bytes.end(), k.begin());
    f.key = k;
    f.sparse = j.value("sparse", false);
    f.live = j.value("live", true);
  }
  return f;
}

result<runtime_feeds> parse_file(const std::string& path, const json& j);

}  // namespace

bool valid_feed_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string runtime_feeds_path(const std::string& storage) {
  return (fs::path(storage) / "runtime-feeds.json").string();
}

result<runtime_feeds> load_runtime_feeds(const std::string& storage) {
  std::string path = runtime_feeds_path(storage);
  auto text = read_regular_file(path, max_file_bytes, "runtime feeds file");
  if (!text && text.error().code() == errc::not_found) return runtime_feeds{};
  if (!text) return text.error();
  try {
    return parse_file(path, json::parse(text->begin(), text->end(), nullptr, false));
  } catch (const std::exception& e) {  // a value of the wrong type
    return make_error(errc::invalid_argument, path + ": " + e.what());
  }
}

namespace {

result<runtime_feeds> parse_file(const std::string& path, const json& j) {
  if (j.is_discarded() || !j.is_object())
    return make_error(errc::invalid_argument, path + ": not a JSON object");
  runtime_feeds out;
  for (const json& e : j.value("added", json::array())) {
    auto f = from_json(e);
    if (!f) return make_error(errc::invalid_argument, path + ": " + f.error().message());
    out.added.push_back(std::move(*f));
  }
  for (const json& e : j.value("removed", json::array())) {
    if (!e.is_string()) return make_error(errc::invalid_argument, path + ": a bad removed name");
    out.removed.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace

status save_runtime_feeds(const std::string& storage, const runtime_feeds& feeds) {
  json j = {{"version", 1}, {"added", json::array()}, {"removed", feeds.removed}};
  for (const runtime_feed& f : feeds.added) j["added"].push_back(to_json(f));
  std::string path = runtime_feeds_path(storage);
  std::string tmp = path + ".tmp";
  std::error_code ec;
  fs::create_directories(storage, ec);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << j.dump(2) << "\n";
    out.flush();
    if (!out) return make_error(errc::io_error, "cannot write " + tmp);
  }
  fs::rename(tmp, path, ec);
  if (ec) return make_error(errc::io_error, "rename " + tmp + ": " + ec.message());
  return status::ok();
}

feed_config to_feed_config(const node_config& config, const runtime_feed& f) {
  feed_config c;
  c.name = f.name;
  c.mode = f.mode;
  c.key = f.key;
  c.sparse = f.sparse;
  c.live = f.live;
  c.storage_dir = (fs::path(config.storage) / f.name).string();
  return c;
}

status apply_runtime_feeds(node_config& config) {
  auto rf = load_runtime_feeds(config.storage);
  if (!rf) return rf.error();
  auto& feeds = config.feeds;
  for (const std::string& name : rf->removed) {
    feeds.erase(std::remove_if(feeds.begin(), feeds.end(),
                               [&](const feed_config& f) { return f.name == name; }),
                feeds.end());
  }
  for (const runtime_feed& f : rf->added) {
    auto same = [&](const feed_config& c) {
      return c.name == f.name || (f.key && c.key && *c.key == *f.key);
    };
    if (std::any_of(feeds.begin(), feeds.end(), same)) continue;  // the YAML has it now
    feeds.push_back(to_feed_config(config, f));
  }
  return status::ok();
}

void record_added(runtime_feeds& feeds, runtime_feed feed) {
  auto& r = feeds.removed;
  r.erase(std::remove(r.begin(), r.end(), feed.name), r.end());
  auto& a = feeds.added;
  a.erase(std::remove_if(a.begin(), a.end(),
                         [&](const runtime_feed& f) { return f.name == feed.name; }),
          a.end());
  a.push_back(std::move(feed));
}

void record_removed(runtime_feeds& feeds, const std::string& name, bool from_yaml) {
  auto& a = feeds.added;
  a.erase(std::remove_if(a.begin(), a.end(), [&](const runtime_feed& f) { return f.name == name; }),
          a.end());
  auto& r = feeds.removed;
  if (from_yaml && std::find(r.begin(), r.end(), name) == r.end()) r.push_back(name);
}

}  // namespace ddb::control
