#include "sim/lying_env.hpp"

namespace ddb::sim {

namespace {

class lying_file final : public random_access_file {
 public:
  explicit lying_file(std::unique_ptr<random_access_file> f) : f_(std::move(f)) {}
  status read(uint64_t offset, size_t n, uint8_t* out) override { return f_->read(offset, n, out); }
  status write(uint64_t offset, byte_view bytes) override { return f_->write(offset, bytes); }
  status erase(uint64_t offset, uint64_t n) override { return f_->erase(offset, n); }
  status truncate(uint64_t size) override { return f_->truncate(size); }
  result<uint64_t> size() override { return f_->size(); }
  status sync() override { return status::ok(); }  // the lie
  status close() override { return f_->close(); }

 private:
  std::unique_ptr<random_access_file> f_;
};

class lying_env final : public env {
 public:
  explicit lying_env(std::unique_ptr<env> base) : base_(std::move(base)) {}
  result<std::unique_ptr<random_access_file>> open(const std::string& name,
                                                   const open_options& opts) override {
    auto f = base_->open(name, opts);
    if (!f) return f.error();
    return std::unique_ptr<random_access_file>(std::make_unique<lying_file>(std::move(*f)));
  }
  bool exists(const std::string& name) override { return base_->exists(name); }
  status destroy() override { return base_->destroy(); }

 private:
  std::unique_ptr<env> base_;
};

}  // namespace

std::unique_ptr<env> make_lying_env(std::unique_ptr<env> base) {
  return std::make_unique<lying_env>(std::move(base));
}

}  // namespace ddb::sim
