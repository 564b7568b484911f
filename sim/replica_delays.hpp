#pragma once
// Append-to-replica delays: for every block a writer appends, the simulated time until each
// follower holds it verified (its feed reported the block downloaded, which happens only after
// the block's bytes and proof checked out against a signed root). One sample per (follower,
// block): a follower that loses a block (a wipe) and downloads it again is not counted twice.
// Summaries are nearest-rank percentiles, so every value is a delay that happened.
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "sim/core.hpp"

namespace ddb::sim {

struct delay_summary {
  uint64_t samples = 0;  // (follower, block) pairs seen
  duration p50{}, p90{}, p99{}, max{};
};

// The value at quantile `q` (0 < q <= 1, nearest rank) of `sorted`; 0 when it is empty.
duration nearest_rank(const std::vector<int64_t>& sorted, double q);

class replica_delays {
 public:
  explicit replica_delays(size_t feeds) : feeds_(feeds) {}

  // The writer of `feed` holds blocks [0, length) as of `at`; blocks seen before keep their
  // first time.
  void appended(int feed, uint64_t length, duration at);
  // Node `n` verified block `index` of `feed` at `at`.
  void verified(int n, int feed, uint64_t index, duration at);

  delay_summary summarize(int feed) const;
  // Every delay of `feed` in nanoseconds, in the order they happened.
  const std::vector<int64_t>& samples(int feed) const;

 private:
  struct per_feed {
    std::vector<int64_t> appended_at;                 // ns since the start, by block index
    std::vector<int64_t> delays;                      // ns
    std::unordered_map<int, std::vector<bool>> seen;  // node -> blocks already counted
  };
  std::vector<per_feed> feeds_;
};

}  // namespace ddb::sim
