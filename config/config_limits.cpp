// The `limits:` section: what one remote peer can make a feed's replicator spend
// (replication::peer_limits). Every key is optional; an absent key keeps the default.
#include <string>

#include "config/config_sections.hpp"

namespace ddb::config_detail {

namespace {

// Reads an unsigned key of any width into `out` (bounds checked by the reader).
template <class T>
void read_limit(yaml_reader& r, const YAML::Node& section, const char* key, uint64_t min,
                uint64_t max, T& out) {
  uint64_t value = out;
  r.read_uint(section, "limits", key, min, max, value);
  out = static_cast<T>(value);
}

constexpr uint64_t mib = 1 << 20;

}  // namespace

void parse_peer_limits(yaml_reader& r, const YAML::Node& section, replication::peer_limits& l) {
  if (!section.IsDefined() ||
      !r.check_map(section, "limits",
                   {"max_remote_ahead", "max_inflight_wants", "max_wants", "max_queued_requests",
                    "max_queued_wants", "max_unsent_bytes", "max_have_bitfield_bytes",
                    "work_pages_per_page", "work_pages_slack", "invalid_backoff_after",
                    "max_invalid_messages", "request_timeout_ms"})) {
    return;
  }
  read_limit(r, section, "max_remote_ahead", 1, uint64_t{1} << 40, l.max_remote_ahead);
  read_limit(r, section, "max_inflight_wants", 1, 1024, l.max_inflight_wants);
  read_limit(r, section, "max_wants", 1, 1 << 20, l.max_wants);
  read_limit(r, section, "max_queued_requests", 1, 1 << 20, l.max_queued_requests);
  read_limit(r, section, "max_queued_wants", 1, 1 << 20, l.max_queued_wants);
  read_limit(r, section, "max_unsent_bytes", 64 * 1024, 4096 * mib, l.max_unsent_bytes);
  read_limit(r, section, "max_have_bitfield_bytes", 1024, 64 * mib, l.max_have_bitfield_bytes);
  read_limit(r, section, "work_pages_per_page", 1, 1 << 20, l.work_pages_per_page);
  read_limit(r, section, "work_pages_slack", 0, uint64_t{1} << 32, l.work_pages_slack);
  read_limit(r, section, "invalid_backoff_after", 0, 1 << 20, l.invalid_backoff_after);
  read_limit(r, section, "max_invalid_messages", 1, 1 << 20, l.max_invalid_messages);
  uint64_t timeout_ms = l.request_timeout_ms;
  r.read_ms(section, "limits", "request_timeout_ms", 0, 3600000, timeout_ms);
  l.request_timeout_ms = static_cast<decltype(l.request_timeout_ms)>(timeout_ms);
  if (r.ok() && l.invalid_backoff_after > l.max_invalid_messages) {
    r.fail(field(section, "invalid_backoff_after"), "limits.invalid_backoff_after",
           "is above max_invalid_messages (" + std::to_string(l.max_invalid_messages) + ")");
  }
}

}  // namespace ddb::config_detail
