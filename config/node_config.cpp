#include "config/node_config.hpp"

#include <array>

namespace ddb {

namespace {

constexpr std::array<std::string_view, 2> mode_names = {"write", "follow"};
constexpr std::array<std::string_view, 6> level_names = {"trace", "debug", "info",
                                                         "warn",  "error", "off"};

template <class Enum, size_t N>
bool parse_name(const std::array<std::string_view, N>& names, std::string_view name, Enum& out) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) {
      out = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}

}  // namespace

std::string_view to_string(feed_mode mode) noexcept {
  return mode_names[static_cast<size_t>(mode)];
}

std::string_view to_string(log_level level) noexcept {
  return level_names[static_cast<size_t>(level)];
}

bool parse_feed_mode(std::string_view name, feed_mode& out) noexcept {
  return parse_name(mode_names, name, out);
}

bool parse_log_level(std::string_view name, log_level& out) noexcept {
  return parse_name(level_names, name, out);
}

const feed_config* find_feed(const node_config& config, std::string_view name) noexcept {
  for (const auto& feed : config.feeds) {
    if (feed.name == name) return &feed;
  }
  return nullptr;
}

}  // namespace ddb
