#pragma once
// Remotes banned for misbehaving, shared by the swarm actor (`node`) and the net host (`serve`,
// `clone`): Noise static keys and remote hosts (IPs), each until a time on the owner's clock.
// The owner passes `now` (CAF's clock, in an actor): nothing here reads a clock.
//
// A banned host also goes into the transport's address_bans (refused at accept, counted as
// refused_banned there), where it stays until the owner calls lift_host once the ban's length has
// passed (a delayed message): each ban() that returns true needs one lift_host.
//
// Not thread-safe: one actor owns it.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/types.hpp"
#include "net/connection_limits.hpp"

namespace ddb {

class peer_bans {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;

  // `transport`: the address_bans the transport checks at accept (optional).
  explicit peer_bans(std::shared_ptr<address_bans> transport = nullptr)
      : transport_(std::move(transport)) {}

  // Bans `key` (when set) and `host` (when not empty and `length` is positive) until
  // now + length. True when the host was banned: the owner must call lift_host(host, ...) after
  // `length`.
  bool ban(const std::optional<public_key>& key, const std::string& host, time_point now,
           duration length);
  // The ban of `host` set `length` ago is over: out of the transport's list, and forgotten here
  // unless a later ban still holds.
  void lift_host(const std::string& host, time_point now);

  bool key_banned(const public_key& key, time_point now) const;
  bool host_banned(const std::string& host, time_point now) const;
  // Keys and hosts whose ban still holds.
  size_t size(time_point now) const;

 private:
  std::shared_ptr<address_bans> transport_;
  std::map<public_key, time_point> keys_;
  std::map<std::string, time_point> hosts_;
};

}  // namespace ddb
