#include "net/peer_bans.hpp"

#include <algorithm>

namespace ddb {

bool peer_bans::ban(const std::optional<public_key>& key, const std::string& host, time_point now,
                    duration length) {
  time_point until = now + length;
  // Forget the keys whose ban is over, so that a long run does not accumulate them.
  for (auto it = keys_.begin(); it != keys_.end();) it = it->second <= now ? keys_.erase(it) : ++it;
  if (key) keys_[*key] = std::max(keys_[*key], until);
  if (host.empty() || length.count() <= 0) return false;
  hosts_[host] = std::max(hosts_[host], until);
  if (transport_) transport_->ban(host);
  return true;
}

void peer_bans::lift_host(const std::string& host, time_point now) {
  if (transport_) transport_->unban(host);
  auto it = hosts_.find(host);
  if (it != hosts_.end() && it->second <= now) hosts_.erase(it);
}

bool peer_bans::key_banned(const public_key& key, time_point now) const {
  auto it = keys_.find(key);
  return it != keys_.end() && it->second > now;
}

bool peer_bans::host_banned(const std::string& host, time_point now) const {
  auto it = hosts_.find(host);
  return it != hosts_.end() && it->second > now;
}

size_t peer_bans::size(time_point now) const {
  size_t n = 0;
  for (const auto& kv : keys_) n += kv.second > now ? 1 : 0;
  for (const auto& kv : hosts_) n += kv.second > now ? 1 : 0;
  return n;
}

}  // namespace ddb
