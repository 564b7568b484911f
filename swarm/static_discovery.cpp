#include "swarm/static_discovery.hpp"

#include <algorithm>
#include <utility>

namespace ddb {

namespace {

void append_unique(std::vector<std::string>& out, const std::vector<std::string>& in) {
  for (const auto& address : in) {
    if (std::find(out.begin(), out.end(), address) == out.end()) out.push_back(address);
  }
}

}  // namespace

static_discovery::static_discovery(static_peers peers) : peers_(std::move(peers)) {}

std::vector<std::string> static_discovery::addresses_for(const hash_t& discovery_key) const {
  std::vector<std::string> out;
  if (stopped_.load()) return out;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = peers_.by_key.find(discovery_key);
  if (it != peers_.by_key.end()) append_unique(out, it->second);
  append_unique(out, peers_.all_keys);
  return out;
}

void static_discovery::set_all_keys(std::vector<std::string> addresses) {
  std::lock_guard<std::mutex> lock(mu_);
  peers_.all_keys = std::move(addresses);
}

void static_discovery::lookup(const hash_t& discovery_key, peers_found_fn found) {
  std::vector<std::string> addresses = addresses_for(discovery_key);
  if (addresses.empty() || !found) return;
  found(discovery_key, std::move(addresses));
}

}  // namespace ddb
