#pragma once
// Invariants, checked while the run goes (lengths, acknowledged appends, queues, mailboxes) and
// after it (sim/final_check.cpp: signed roots, stored bytes, forks, convergence). A violation
// keeps the simulated time and the recent events that led to it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/core.hpp"

namespace ddb::sim {

// Also the process exit codes of `ddatabase sim`.
enum class outcome : int { ok = 0, crash = 2, liveness = 3, correctness = 4 };

struct violation {
  outcome kind = outcome::correctness;
  std::string invariant;
  std::string detail;
  duration at{};
  std::string recent;  // the events leading to it
};

class checkers {
 public:
  explicit checkers(core& c) : core_(c) {}

  void violate(outcome kind, const std::string& invariant, const std::string& detail);
  const std::vector<violation>& violations() const { return violations_; }
  outcome worst() const;

  // Verified length never goes backwards within one incarnation of a node's feed.
  void on_length(int n, int f, uint64_t inc, uint64_t length);
  // An append was acknowledged: [0, end) must survive crashes (the writer syncs first).
  void on_ack(int n, int f, uint64_t end);
  uint64_t acked(int n, int f) const;
  // A reopened feed must hold every acknowledged block.
  void on_reopen(int n, int f, uint64_t length);
  // Forks: a validly signed tree that is not the writer's.
  void on_fork(int f, const std::string& detail);
  bool fork_detected() const { return forks_ > 0; }
  uint64_t forks() const { return forks_; }
  // Queues and mailboxes.
  void on_mailbox(size_t size, size_t limit, const std::string& who);
  size_t peak_mailbox() const { return peak_mailbox_; }

 private:
  core& core_;
  std::vector<violation> violations_;
  std::map<std::tuple<int, int, uint64_t>, uint64_t> lengths_;
  std::map<std::pair<int, int>, uint64_t> acked_;
  uint64_t forks_ = 0;
  size_t peak_mailbox_ = 0;
  bool mailbox_reported_ = false;
};

const char* to_string(outcome o);

}  // namespace ddb::sim
