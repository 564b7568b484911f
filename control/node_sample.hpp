#pragma once
// Internal to control/: the node's numbers read once per request (each feed's info and
// replication stats, per remote node totals), and the per-peer transfer rates a sampler thread
// keeps (the byte counters read once a second, rates over the last five seconds).
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "control/api_context.hpp"

namespace ddb::control {

struct feed_sample {
  node_feed_handle feed;
  feed_info info;
  feed_stats stats;
  uint64_t peers = 0;
};

std::vector<feed_sample> sample_feeds(api_context& ctx, const swarm_stats& st);
replication::transfer_stats totals_of(const std::vector<feed_sample>& feeds);

// One remote node (by Noise key, hex): its address, the feeds it shares, the counters added up.
struct peer_row {
  std::string address;
  std::vector<std::string> feeds;
  replication::transfer_stats counts;
};
std::map<std::string, peer_row> peer_rows(const std::vector<feed_sample>& feeds);

// Bytes per second to and from each remote node, over the last few seconds.
class peer_rates {
 public:
  explicit peer_rates(api_context& ctx) : ctx_(ctx) {}
  ~peer_rates() { stop(); }
  void start();
  void stop();
  struct rate {
    double up = 0;
    double down = 0;
  };
  rate of(const std::string& remote) const;

 private:
  struct point {
    caf::actor_clock::time_point at;
    uint64_t up = 0;
    uint64_t down = 0;
  };
  void sample();

  api_context& ctx_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, std::vector<point>> history_;  // guarded by mutex_, oldest first
};

}  // namespace ddb::control
