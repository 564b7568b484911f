// memory_env: files as byte buffers in a memory_store shared by every env (and reopen) that
// points at it. Semantics follow file_env: short reads are errc::bad_index, writes grow the
// file zero-filled, erase zeroes without shrinking, and an exclusive open of a name that is
// already exclusively open fails with errc::locked until that handle is closed or destroyed.
// Like an unlinked POSIX file, a handle that is open across destroy() keeps its own bytes.
#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "storage/env.hpp"

namespace ddb {

class memory_store {
 public:
  using bytes_ptr = std::shared_ptr<byte_buffer>;

  // Thread-safe: every member takes mu_. Handles touch their bytes only under mu_ as well.
  std::mutex mu_;
  std::map<std::string, bytes_ptr> files_;
  std::set<std::string> locked_;
};

std::shared_ptr<memory_store> make_memory_store() {
  return std::make_shared<memory_store>();
}

namespace {

class memory_file final : public random_access_file {
 public:
  memory_file(std::shared_ptr<memory_store> store, std::string name, memory_store::bytes_ptr bytes,
              bool locked)
      : store_(std::move(store)),
        name_(std::move(name)),
        bytes_(std::move(bytes)),
        locked_(locked) {}
  ~memory_file() override { close(); }
  memory_file(const memory_file&) = delete;
  memory_file& operator=(const memory_file&) = delete;

  status read(uint64_t offset, size_t n, uint8_t* out) override {
    std::lock_guard<std::mutex> g(store_->mu_);
    DDB_TRY(check_open());
    const byte_buffer& b = *bytes_;
    if (offset > b.size() || n > b.size() - offset) {
      uint64_t got = offset > b.size() ? 0 : b.size() - offset;
      return make_error(errc::bad_index,
                        "short read of " + name_ + ": wanted " + std::to_string(n) + " bytes at " +
                            std::to_string(offset) + ", got " + std::to_string(got));
    }
    if (n > 0) std::memcpy(out, b.data() + offset, n);
    return status::ok();
  }

  status write(uint64_t offset, byte_view bytes) override {
    std::lock_guard<std::mutex> g(store_->mu_);
    DDB_TRY(check_open());
    byte_buffer& b = *bytes_;
    if (bytes.size == 0) return status::ok();
    if (offset + bytes.size > b.size()) b.resize(offset + bytes.size, 0);
    std::memcpy(b.data() + offset, bytes.data, bytes.size);
    return status::ok();
  }

  status erase(uint64_t offset, uint64_t n) override {
    std::lock_guard<std::mutex> g(store_->mu_);
    DDB_TRY(check_open());
    byte_buffer& b = *bytes_;
    if (offset >= b.size()) return status::ok();
    uint64_t end = std::min<uint64_t>(b.size(), offset + std::min<uint64_t>(n, b.size()));
    std::fill(b.begin() + offset, b.begin() + end, 0);
    return status::ok();
  }

  status truncate(uint64_t size) override {
    std::lock_guard<std::mutex> g(store_->mu_);
    DDB_TRY(check_open());
    bytes_->resize(size, 0);
    return status::ok();
  }

  result<uint64_t> size() override {
    std::lock_guard<std::mutex> g(store_->mu_);
    DDB_TRY(check_open());
    return static_cast<uint64_t>(bytes_->size());
  }

  status sync() override {
    std::lock_guard<std::mutex> g(store_->mu_);
    return check_open();
  }

  status close() override {
    std::lock_guard<std::mutex> g(store_->mu_);
    if (closed_) return status::ok();
    closed_ = true;
    if (locked_) store_->locked_.erase(name_);
    locked_ = false;
    return status::ok();
  }

 private:
  status check_open() const {
    if (closed_) return make_error(errc::closed, "file is closed: " + name_);
    return status::ok();
  }

  std::shared_ptr<memory_store> store_;
  std::string name_;
  memory_store::bytes_ptr bytes_;
  bool locked_;
  bool closed_ = false;
};

class memory_env final : public env {
 public:
  explicit memory_env(std::shared_ptr<memory_store> store) : store_(std::move(store)) {}

  result<std::unique_ptr<random_access_file>> open(const std::string& name,
                                                   const open_options& opts) override {
    std::lock_guard<std::mutex> g(store_->mu_);
    auto it = store_->files_.find(name);
    if (it == store_->files_.end()) {
      if (!opts.create) return make_error(errc::not_found, "no such file: " + name);
      it = store_->files_.emplace(name, std::make_shared<byte_buffer>()).first;
    }
    if (opts.exclusive_lock) {
      if (store_->locked_.count(name) != 0) {
        return make_error(errc::locked, "feed is locked by another writer (" + name + ")");
      }
      store_->locked_.insert(name);
    }
    return std::unique_ptr<random_access_file>(
        std::make_unique<memory_file>(store_, name, it->second, opts.exclusive_lock));
  }

  bool exists(const std::string& name) override {
    std::lock_guard<std::mutex> g(store_->mu_);
    return store_->files_.count(name) != 0;
  }

  status destroy() override {
    std::lock_guard<std::mutex> g(store_->mu_);
    store_->files_.clear();
    return status::ok();
  }

 private:
  std::shared_ptr<memory_store> store_;
};

}  // namespace

std::unique_ptr<env> make_memory_env(std::shared_ptr<memory_store> store) {
  if (!store) store = make_memory_store();
  return std::make_unique<memory_env>(std::move(store));
}

}  // namespace ddb
