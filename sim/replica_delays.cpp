#include "sim/replica_delays.hpp"

#include <algorithm>
#include <cmath>

#include "core/assert.hpp"

namespace ddb::sim {

duration nearest_rank(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return duration{0};
  auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return duration(sorted[rank - 1]);
}

void replica_delays::appended(int feed, uint64_t length, duration at) {
  DDB_ASSERT(feed >= 0 && static_cast<size_t>(feed) < feeds_.size());
  auto& times = feeds_[static_cast<size_t>(feed)].appended_at;
  if (length > times.size()) times.resize(static_cast<size_t>(length), at.count());
}

void replica_delays::verified(int n, int feed, uint64_t index, duration at) {
  DDB_ASSERT(feed >= 0 && static_cast<size_t>(feed) < feeds_.size());
  per_feed& pf = feeds_[static_cast<size_t>(feed)];
  if (index >= pf.appended_at.size()) return;  // not the writer's (e.g. a forker's block)
  std::vector<bool>& seen = pf.seen[n];
  if (index >= seen.size()) seen.resize(std::max<size_t>(pf.appended_at.size(), index + 1));
  if (seen[index]) return;
  seen[index] = true;
  pf.delays.push_back(at.count() - pf.appended_at[index]);
}

delay_summary replica_delays::summarize(int feed) const {
  std::vector<int64_t> sorted = samples(feed);
  std::sort(sorted.begin(), sorted.end());
  delay_summary s;
  s.samples = sorted.size();
  s.p50 = nearest_rank(sorted, 0.50);
  s.p90 = nearest_rank(sorted, 0.90);
  s.p99 = nearest_rank(sorted, 0.99);
  s.max = nearest_rank(sorted, 1.0);
  return s;
}

const std::vector<int64_t>& replica_delays::samples(int feed) const {
  DDB_ASSERT(feed >= 0 && static_cast<size_t>(feed) < feeds_.size());
  return feeds_[static_cast<size_t>(feed)].delays;
}

}  // namespace ddb::sim
