#pragma once
// Leaf hashing of large append batches on two cores: one helper thread hashes the first half of
// the batch while the caller hashes the second. Results do not depend on the split, so the
// simulator (which runs single-threaded) simply does not use a pool. Owned by one feed; not
// shared between threads other than its own helper.
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/types.hpp"

namespace ddb {

class hash_pool {
 public:
  hash_pool();
  ~hash_pool();
  hash_pool(const hash_pool&) = delete;
  hash_pool& operator=(const hash_pool&) = delete;

  // out[i] = crypto::leaf_hash(blocks[i]).
  void leaf_hashes(const std::vector<byte_view>& blocks, std::vector<hash_t>& out);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::vector<byte_view>* blocks_ = nullptr;  // guarded by mutex_
  std::vector<hash_t>* out_ = nullptr;
  size_t begin_ = 0, end_ = 0;
  bool busy_ = false;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace ddb
