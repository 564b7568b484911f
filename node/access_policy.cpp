#include "node/access_policy.hpp"

#include <algorithm>

#include <caf/all.hpp>

namespace ddb {

void access_policy::set(const key_list& node,
                        const std::map<hash_t, std::vector<public_key>>& feeds) {
  std::lock_guard<std::mutex> lock(mu_);
  if (node)
    node_.emplace(node->begin(), node->end());
  else
    node_.reset();
  feeds_.clear();
  for (const auto& [dkey, keys] : feeds)
    feeds_[dkey] = std::set<public_key>(keys.begin(), keys.end());
}

bool access_policy::node_allows(const public_key& remote) const {
  return !node_ || node_->count(remote) > 0;
}

bool access_policy::allowed(const public_key& remote) const {
  std::lock_guard<std::mutex> lock(mu_);
  return node_allows(remote);
}

bool access_policy::allowed(const hash_t& dkey, const public_key& remote) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!node_allows(remote)) return false;
  auto it = feeds_.find(dkey);
  return it == feeds_.end() || it->second.count(remote) > 0;
}

bool access_policy::admits(const public_key& remote) {
  if (allowed(remote)) return true;
  ++refused_peers_;
  return false;
}

bool access_policy::admits(const hash_t& dkey, const public_key& remote) {
  if (allowed(dkey, remote)) return true;
  ++refused_channels_;
  return false;
}

std::shared_ptr<access_policy::peer_slot> access_policy::new_slot() {
  return std::make_shared<peer_slot>();
}

bool access_policy::admits(const public_key& remote, peer_slot& slot) {
  if (!admits(remote)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  slot.remote = remote;
  return true;
}

void access_policy::track(const std::shared_ptr<peer_slot>& slot, const caf::actor& peer) {
  std::lock_guard<std::mutex> lock(mu_);
  slot->actor = caf::actor_cast<caf::weak_actor_ptr>(peer);
  // Forget the connections that ended, so that a long-running node does not pile them up.
  peers_.erase(std::remove_if(peers_.begin(), peers_.end(),
                              [](const std::shared_ptr<peer_slot>& p) {
                                return caf::actor_cast<caf::strong_actor_ptr>(p->actor) == nullptr;
                              }),
               peers_.end());
  peers_.push_back(slot);
}

std::vector<access_policy::revocation> access_policy::revoked() {
  std::vector<revocation> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& p : peers_) {
    auto peer = caf::actor_cast<caf::actor>(p->actor);
    if (!peer || !p->remote) continue;
    revocation r{peer, *p->remote, {}};
    if (node_allows(*p->remote)) {
      for (const auto& [dkey, keys] : feeds_)
        if (keys.count(*p->remote) == 0) r.feeds.push_back(dkey);
      if (r.feeds.empty()) continue;
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool access_policy::open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !node_ && feeds_.empty();
}

}  // namespace ddb
