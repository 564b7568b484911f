#include "feed/hash_pool.hpp"

#include "core/crypto.hpp"

namespace ddb {

hash_pool::hash_pool() : worker_([this] { run(); }) {}

hash_pool::~hash_pool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  worker_.join();
}

void hash_pool::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stop_ || busy_; });
    if (stop_) return;
    const auto& blocks = *blocks_;
    auto& out = *out_;
    size_t begin = begin_, end = end_;
    lock.unlock();
    for (size_t i = begin; i < end; ++i) out[i] = crypto::leaf_hash(blocks[i]);
    lock.lock();
    busy_ = false;
    done_.notify_one();
  }
}

void hash_pool::leaf_hashes(const std::vector<byte_view>& blocks, std::vector<hash_t>& out) {
  out.resize(blocks.size());
  const size_t half = blocks.size() / 2;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    blocks_ = &blocks;
    out_ = &out;
    begin_ = 0;
    end_ = half;
    busy_ = true;
  }
  wake_.notify_one();
  for (size_t i = half; i < blocks.size(); ++i) out[i] = crypto::leaf_hash(blocks[i]);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return !busy_; });
}

}  // namespace ddb
