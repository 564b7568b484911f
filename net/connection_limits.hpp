#pragma once
// Connection-level limits shared by the asio transport, the net host (`serve`, `clone`) and the
// swarm actor (`node`): the limits themselves, the counters of what they refused, and the set of
// banned remote addresses (IPs) that the transport refuses at accept.
//
// Thread-safe: the counters are atomics, address_bans has a mutex. Time is never read here: a ban
// is lifted by whoever set it (the swarm actor, on CAF's clock).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace ddb {

struct connection_limits {
  // Live inbound connections per transport (each holds an fd); more are closed at accept.
  // 0: no limit.
  uint64_t max_connections = 1024;
  // Live inbound connections from one remote IP. A newcomer beyond it evicts that IP's oldest
  // connection still in its handshake; it is closed at accept only when all of them finished
  // their handshake. 0: no limit.
  uint64_t max_per_address = 8;
  // Inbound connections still in the handshake; a new one evicts the oldest. 0: no limit.
  uint64_t max_handshakes = 64;
  // An unfinished handshake is dropped after this long.
  std::chrono::milliseconds handshake_timeout{10000};
  // A failing accept (out of fds, memory, buffers) is retried after this, doubling to the max.
  std::chrono::milliseconds accept_backoff_min{100};
  std::chrono::milliseconds accept_backoff_max{1000};
};

// What the limits refused so far (monotonic).
struct connection_counters {
  std::atomic<uint64_t> accept_errors{0};       // accepts that failed (EMFILE, ENOMEM, ...)
  std::atomic<uint64_t> handshake_timeouts{0};  // connections dropped at the deadline
  // Dropped before finishing the handshake to make room for a newer connection: max_handshakes
  // (the oldest anywhere) or max_per_address (the oldest from the newcomer's IP).
  std::atomic<uint64_t> handshakes_evicted{0};
  std::atomic<uint64_t> refused_over_cap{0};     // closed: max_connections or max_peers
  std::atomic<uint64_t> refused_per_address{0};  // closed: max_per_address, all handshaken
  std::atomic<uint64_t> refused_banned{0};       // closed: the address or key is banned
  std::atomic<uint64_t> bans{0};                 // remotes banned for misbehaving (key and address)
};

// The remote host of a connection's address: "1.2.3.4" from "tcp 1.2.3.4:5", "1.2.3.4:5" or
// "[::1]:5"; any other address (the simulator's "sim:3") whole.
std::string address_host(const std::string& address);

// Remote IPs whose connections are refused. Bans nest: each ban() needs its unban().
class address_bans {
 public:
  void ban(const std::string& ip) {
    std::lock_guard<std::mutex> lock(mu_);
    ++bans_[ip];
  }
  void unban(const std::string& ip) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = bans_.find(ip);
    if (it != bans_.end() && --it->second == 0) bans_.erase(it);
  }
  bool banned(const std::string& ip) const {
    std::lock_guard<std::mutex> lock(mu_);
    return bans_.count(ip) > 0;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return bans_.size();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> bans_;
};

}  // namespace ddb
