// The `feeds:` section: writable feeds to create or host, and feeds to follow by key.
#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "config/config_sections.hpp"

namespace ddb::config_detail {

namespace {

bool valid_feed_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

void read_name(yaml_reader& r, const YAML::Node& item, const std::string& path,
               const node_config& config, feed_config& feed) {
  if (!r.require(item, path, "name")) return;
  r.read_string(item, path, "name", feed.name);
  const YAML::Node at = field(item, "name");
  if (r.ok() && !valid_feed_name(feed.name)) {
    r.fail(at, key_path(path, "name"), "expected 1 to 64 of [a-z0-9_-], got \"" + feed.name + "\"");
  } else if (r.ok() && find_feed(config, feed.name) != nullptr) {
    r.fail(at, key_path(path, "name"), "duplicate feed name \"" + feed.name + "\"");
  }
}

void read_mode(yaml_reader& r, const YAML::Node& item, const std::string& path, feed_config& feed) {
  std::string text;
  if (!r.require(item, path, "mode")) return;
  r.read_string(item, path, "mode", text);
  if (r.ok() && !parse_feed_mode(text, feed.mode)) {
    r.fail(field(item, "mode"), key_path(path, "mode"),
           "expected write or follow, got \"" + text + "\"");
  }
}

void read_range(yaml_reader& r, const YAML::Node& item, const std::string& path,
                feed_config& feed) {
  const YAML::Node section = field(item, "download");
  const std::string range_path = key_path(path, "download");
  if (!section.IsDefined() || !r.check_map(section, range_path, {"start", "end"})) return;
  block_range range;
  r.read_uint(section, range_path, "start", 0, UINT64_MAX - 1, range.start);
  if (field(section, "end").IsDefined()) {
    uint64_t end = 0;
    r.read_uint(section, range_path, "end", range.start + 1, UINT64_MAX, end);
    range.end = end;
  }
  feed.download = range;
}

void read_append(yaml_reader& r, const YAML::Node& item, const std::string& path,
                 feed_config& feed) {
  const YAML::Node section = field(item, "append");
  const std::string plan_path = key_path(path, "append");
  if (!section.IsDefined() ||
      !r.check_map(section, plan_path, {"blocks", "block_size", "interval_ms"}) ||
      !r.require(section, plan_path, "blocks")) {
    return;
  }
  append_plan plan;
  r.read_uint(section, plan_path, "blocks", 1, 1000000000, plan.blocks);
  r.read_uint(section, plan_path, "block_size", 1, max_block_size, plan.block_size);
  r.read_ms(section, plan_path, "interval_ms", 0, 3600000, plan.interval_ms);
  feed.append = plan;
}

void read_key(yaml_reader& r, const YAML::Node& item, const std::string& path, feed_config& feed) {
  const YAML::Node key = field(item, "key");
  const bool has_file = field(item, "key_file").IsDefined();
  if (key.IsDefined() == has_file) {
    r.fail(item, path,
           has_file ? "give either key or key_file, not both"
                    : "a follow feed needs key (64 hex characters) or key_file");
    return;
  }
  r.read_path(item, path, "key_file", feed.key_file);
  if (!key.IsDefined()) return;
  std::string hex;
  byte_buffer bytes;
  if (!r.to_string(key, key_path(path, "key"), hex)) return;
  if (hex.size() != 64 || !from_hex(hex, bytes)) {
    r.fail(key, key_path(path, "key"), "expected 64 hex characters");
    return;
  }
  public_key value{};
  std::copy(bytes.begin(), bytes.end(), value.begin());
  feed.key = value;
}

// Keys that only make sense for the other mode are errors, not silently ignored.
void reject_foreign_keys(yaml_reader& r, const YAML::Node& item, const std::string& path,
                         const feed_config& feed) {
  const bool follow = feed.mode == feed_mode::follow;
  for (const char* key : {"key", "key_file", "sparse", "live", "download", "append"}) {
    const bool follow_key = std::string_view(key) != "append";
    const YAML::Node value = field(item, key);
    if (value.IsDefined() && follow_key != follow) {
      r.fail(value, key_path(path, key),
             std::string("only ") + (follow_key ? "follow" : "write") + " feeds take this key");
      return;
    }
  }
}

feed_config parse_feed(yaml_reader& r, const YAML::Node& item, const std::string& path,
                       const node_config& config) {
  feed_config feed;
  feed.line = line_of(item);
  if (!r.check_map(item, path,
                   {"name", "mode", "key", "key_file", "sparse", "live", "download", "append",
                    "allow", "allow_file"})) {
    return feed;
  }
  if (!item.IsMap()) return r.fail(item, path, "expected a mapping, got nothing"), feed;
  read_name(r, item, path, config, feed);
  read_mode(r, item, path, feed);
  reject_foreign_keys(r, item, path, feed);
  if (r.ok() && feed.mode == feed_mode::follow) read_key(r, item, path, feed);
  r.read_bool(item, path, "sparse", feed.sparse);
  r.read_bool(item, path, "live", feed.live);
  read_range(r, item, path, feed);
  read_append(r, item, path, feed);
  parse_allow(r, item, path, feed.allow);
  feed.storage_dir = (std::filesystem::path(config.storage) / feed.name).string();
  return feed;
}

// Two entries following the same writer would share nothing but confusion.
void check_distinct_sources(yaml_reader& r, const YAML::Node& section, const node_config& c) {
  for (size_t i = 0; i < c.feeds.size() && r.ok(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const feed_config& a = c.feeds[j];
      const feed_config& b = c.feeds[i];
      const std::string other = " as feeds[" + std::to_string(j) + "] (" + a.name + ")";
      if (a.key && b.key && *a.key == *b.key) {
        r.fail(field(section[i], "key"), index_path("feeds", i) + ".key", "same key" + other);
      } else if (!a.key_file.empty() && a.key_file == b.key_file) {
        r.fail(field(section[i], "key_file"), index_path("feeds", i) + ".key_file",
               "same key_file" + other);
      }
    }
  }
}

}  // namespace

void parse_feeds(yaml_reader& r, const YAML::Node& section, node_config& config) {
  if (!section.IsDefined() || !r.check_seq(section, "feeds")) return;
  for (size_t i = 0; i < section.size() && r.ok(); ++i) {
    feed_config feed = parse_feed(r, section[i], index_path("feeds", i), config);
    if (r.ok()) config.feeds.push_back(std::move(feed));
  }
  check_distinct_sources(r, section, config);
}

}  // namespace ddb::config_detail
