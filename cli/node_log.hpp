#pragma once
// The node's event lines (`ddatabase node`, docs/nodes.md), written through spdlog to stdout and
// flushed line by line. Text: "2026-12-02T06:48:03.123Z info [NAME] TEXT". --json: one object per
// line, {"time": RFC 3339 UTC wall clock, "level", "t": seconds since start, "node", "event",
// ...fields}. Lines below the configured level (node.log_level; `off`: none) are dropped.
//
// The wall clock is read here only, by the logging sink: the library never sees it.
#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "config/node_config.hpp"

namespace spdlog {
class logger;
}

namespace ddb::cli {

class event_log {
 public:
  event_log(const std::string& node, bool as_json, log_level level);
  ~event_log();
  event_log(const event_log&) = delete;
  event_log& operator=(const event_log&) = delete;

  void set_level(log_level level);
  bool enabled(log_level level) const;

  void print(log_level level, const std::string& event, nlohmann::json fields,
             const std::string& text);
  // At info.
  void print(const std::string& event, nlohmann::json fields, const std::string& text) {
    print(log_level::info, event, std::move(fields), text);
  }
  double seconds() const;

 private:
  std::string node_;
  bool json_;
  log_level level_;
  std::shared_ptr<spdlog::logger> logger_;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

}  // namespace ddb::cli
