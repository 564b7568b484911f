#include "actors/feed_registry.hpp"

#include <utility>

#include "core/crypto.hpp"

namespace ddb {

void feed_registry::add(const hash_t& discovery_key, const public_key& key, caf::actor feed) {
  std::lock_guard<std::mutex> lock(mutex_);
  feeds_[discovery_key] = entry{key, std::move(feed)};
}

hash_t feed_registry::add(const public_key& key, caf::actor feed, std::string_view ns) {
  hash_t dkey = crypto::discovery_key(key, ns);
  add(dkey, key, std::move(feed));
  return dkey;
}

bool feed_registry::remove(const hash_t& discovery_key) {
  std::lock_guard<std::mutex> lock(mutex_);
  return feeds_.erase(discovery_key) != 0;
}

std::optional<feed_registry::entry> feed_registry::find(const hash_t& discovery_key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = feeds_.find(discovery_key);
  if (it == feeds_.end()) return std::nullopt;
  return it->second;
}

std::vector<hash_t> feed_registry::discovery_keys() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<hash_t> out;
  out.reserve(feeds_.size());
  for (const auto& kv : feeds_) out.push_back(kv.first);
  return out;
}

size_t feed_registry::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return feeds_.size();
}

}  // namespace ddb
