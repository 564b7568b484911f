#include "cli/node_log.hpp"

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace ddb::cli {

namespace {

spdlog::level::level_enum to_spdlog(log_level level) {
  switch (level) {
    case log_level::trace:
      return spdlog::level::trace;
    case log_level::debug:
      return spdlog::level::debug;
    case log_level::info:
      return spdlog::level::info;
    case log_level::warn:
      return spdlog::level::warn;
    case log_level::error:
      return spdlog::level::err;
    case log_level::off:
      break;
  }
  return spdlog::level::off;
}

// %* : the level by our config's names (trace, debug, info, warn, error).
class level_flag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const char* name = "error";
    switch (msg.level) {
      case spdlog::level::trace:
        name = "trace";
        break;
      case spdlog::level::debug:
        name = "debug";
        break;
      case spdlog::level::info:
        name = "info";
        break;
      case spdlog::level::warn:
        name = "warn";
        break;
      default:
        break;
    }
    dest.append(name, name + std::char_traits<char>::length(name));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<level_flag>();
  }
};

}  // namespace

event_log::event_log(const std::string& node, bool as_json, log_level level)
    : node_(node), json_(as_json), level_(level) {
  auto sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  logger_ = std::make_shared<spdlog::logger>(node, std::move(sink));
  // RFC 3339, UTC, milliseconds; JSON lines get the rest of the object after the level.
  const std::string time = "%Y-%m-%dT%H:%M:%S.%eZ";
  const std::string pattern =
      as_json ? "{\"time\":\"" + time + "\",\"level\":\"%*\",%v" : time + " %* [%n] %v";
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<level_flag>('*').set_pattern(pattern);
  logger_->set_formatter(std::move(formatter));
  logger_->flush_on(spdlog::level::trace);  // every line reaches a reader at once
  set_level(level);
}

event_log::~event_log() = default;

void event_log::set_level(log_level level) {
  level_ = level;
  logger_->set_level(to_spdlog(level));
}

bool event_log::enabled(log_level level) const {
  return level != log_level::off && level >= level_;
}

void event_log::print(log_level level, const std::string& event, nlohmann::json fields,
                      const std::string& text) {
  if (!enabled(level)) return;
  if (!json_) {
    logger_->log(to_spdlog(level), "{}", text);
    return;
  }
  nlohmann::json line = {{"t", seconds()}, {"node", node_}, {"event", event}};
  line.update(fields);
  std::string body = line.dump();
  logger_->log(to_spdlog(level), "{}", std::string_view(body).substr(1));  // after the '{'
}

double event_log::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

}  // namespace ddb::cli
