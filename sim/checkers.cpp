#include "sim/checkers.hpp"

#include <tuple>

#include "sim/trace_event.hpp"

namespace ddb::sim {

void checkers::violate(outcome kind, const std::string& invariant, const std::string& detail) {
  core_.note("VIOLATION " + invariant + ": " + detail, trace_kind::violation);
  if (violations_.size() >= 50) return;
  violations_.push_back(violation{kind, invariant, detail, core_.elapsed(), core_.recent_text()});
}

outcome checkers::worst() const {
  outcome w = outcome::ok;
  for (const auto& v : violations_) {
    if (v.kind == outcome::crash) return outcome::crash;
    if (v.kind == outcome::correctness) w = outcome::correctness;
    if (v.kind == outcome::liveness && w == outcome::ok) w = outcome::liveness;
  }
  return w;
}

void checkers::on_length(int n, int f, uint64_t inc, uint64_t length) {
  uint64_t& last = lengths_[std::make_tuple(n, f, inc)];
  if (length < last) {
    violate(outcome::correctness, "monotonic",
            "node " + std::to_string(n) + " feed " + std::to_string(f) + ": verified length " +
                std::to_string(last) + " went back to " + std::to_string(length));
  }
  if (length > last) last = length;
}

void checkers::on_ack(int n, int f, uint64_t end) {
  uint64_t& a = acked_[{n, f}];
  if (end > a) a = end;
}

uint64_t checkers::acked(int n, int f) const {
  auto it = acked_.find({n, f});
  return it == acked_.end() ? 0 : it->second;
}

void checkers::on_reopen(int n, int f, uint64_t length) {
  uint64_t a = acked(n, f);
  if (length < a) {
    violate(outcome::correctness, "durable",
            "node " + std::to_string(n) + " feed " + std::to_string(f) + " reopened with " +
                std::to_string(length) + " blocks but " + std::to_string(a) + " were acknowledged");
  }
}

void checkers::on_fork(int f, const std::string& detail) {
  ++forks_;
  core_.note("fork detected on feed " + std::to_string(f) + ": " + detail);
}

void checkers::on_mailbox(size_t size, size_t limit, const std::string& who) {
  if (size > peak_mailbox_) peak_mailbox_ = size;
  if (size > limit && !mailbox_reported_) {
    mailbox_reported_ = true;
    violate(outcome::correctness, "bounded",
            who + " has " + std::to_string(size) + " queued messages (limit " +
                std::to_string(limit) + ")");
  }
}

const char* to_string(outcome o) {
  switch (o) {
    case outcome::ok:
      return "ok";
    case outcome::crash:
      return "crash";
    case outcome::liveness:
      return "liveness";
    case outcome::correctness:
      return "correctness";
  }
  return "?";
}

}  // namespace ddb::sim
