// Replicator: the request deadline. A peer that holds our Requests or Wants and answers none of
// them within peer_limits::request_timeout_ms is dropped, so that what it reserved goes to other
// peers and a one-shot download with no one left to ask ends instead of waiting for a liar.
// Time is the caller's (on_tick): the replicator never reads a clock.
#include "protocol/replicator.hpp"

namespace ddb::replication {

bool replicator::waiting_on(const peer_state& p) const {
  if (!p.remote_opened || !p.downloading || !p.remote_uploading) return false;
  return !p.inflight.empty() || p.inflight_wants > 0;
}

bool replicator::awaiting() const {
  for (const auto& [id, p] : peers_) {
    if (waiting_on(p)) return true;
  }
  return false;
}

void replicator::on_tick(uint64_t now_ms) {
  const uint64_t limit = opts_.limits.request_timeout_ms;
  std::vector<std::pair<uint64_t, std::string>> stalled;
  for (auto& [id, p] : peers_) {
    const bool waiting = waiting_on(p);
    if (!waiting || p.answered) {  // the clock restarts with every answer
      p.answered = false;
      p.waiting_since = waiting ? std::optional<uint64_t>(now_ms) : std::nullopt;
      continue;
    }
    if (!p.waiting_since || now_ms < *p.waiting_since) {
      p.waiting_since = now_ms;
      continue;
    }
    if (limit == 0 || now_ms - *p.waiting_since < limit) continue;
    const uint64_t waited = now_ms - *p.waiting_since;
    std::string reason = "request timeout: ";
    if (!p.inflight.empty()) {
      reason += "block " + std::to_string(p.inflight.front().index);  // the oldest request
    } else {
      reason += std::to_string(p.inflight_wants) + " Want(s) unanswered";
    }
    reason += " (no answer for " + std::to_string(waited) + " ms)";
    stalled.emplace_back(id, std::move(reason));
  }
  for (auto& [id, reason] : stalled) {
    peer_state* p = find(id);
    if (!p) continue;
    abuse_.peers_dropped_for_timeout++;
    drop(*p, reason);
  }
}

}  // namespace ddb::replication
