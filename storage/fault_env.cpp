// fault_env: see storage/fault_env.hpp for the fault model.
#include "storage/fault_env.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

namespace ddb {

class fault_file;

namespace {

// One unsynced operation: enough to undo it (old_offset/old_bytes/old_size) and to redo it.
struct undo_rec {
  uint64_t seq = 0;
  fault_op_kind kind = fault_op_kind::write;
  uint64_t offset = 0;
  uint64_t length = 0;    // erase length, or the new size of a truncate
  byte_buffer new_bytes;  // what a write stored
  uint64_t old_size = 0;
  uint64_t old_offset = 0;
  byte_buffer old_bytes;  // the bytes the operation overwrote
};

status injected(errc code, const std::string& what) {
  return make_error(code, std::string("injected fault: ") +
                              (code == errc::no_space ? "ENOSPC" : "EIO") + " on " + what);
}

status crashed(const std::string& name) {
  return make_error(errc::io_error, "handle lost in a simulated crash: " + name);
}

}  // namespace

struct fault_injector::state {
  std::unique_ptr<env> base;
  fault_config cfg;
  fault_rng rng{0};
  mutable std::mutex mu;
  fault_stats st;
  uint64_t counted_writes = 0;
  uint64_t seq = 0;
  std::map<std::string, std::vector<undo_rec>> unsynced;
  std::set<fault_file*> live;
  std::vector<fault_op> ops;

  void record(const std::string& name, fault_op_kind kind, uint64_t off, uint64_t len, bool ok) {
    if (cfg.record_ops) ops.push_back({name, kind, off, len, ok});
  }

  bool should_fail_write(const std::string& name) {
    if (!cfg.fail_file.empty() && cfg.fail_file != name) return false;
    ++counted_writes;
    if (cfg.fail_at_write == 0) return !cfg.fail_file.empty();
    if (counted_writes == cfg.fail_at_write) return true;
    return cfg.fail_all_after && counted_writes > cfg.fail_at_write;
  }
};

class fault_file final : public random_access_file {
 public:
  fault_file(std::shared_ptr<fault_injector> inj, std::string name,
             std::unique_ptr<random_access_file> base)
      : inj_(std::move(inj)), s_(*inj_->s_), name_(std::move(name)), base_(std::move(base)) {}
  ~fault_file() override {
    std::lock_guard<std::mutex> g(s_.mu);
    s_.live.erase(this);
  }
  fault_file(const fault_file&) = delete;
  fault_file& operator=(const fault_file&) = delete;

  status read(uint64_t offset, size_t n, uint8_t* out) override {
    std::lock_guard<std::mutex> g(s_.mu);
    if (dead_) return crashed(name_);
    ++s_.st.reads;
    status r = base_->read(offset, n, out);
    if (r && n > 0 && wants_flip()) {
      uint64_t bit = s_.rng.below(uint64_t{n} * 8);
      out[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
      ++s_.st.injected;
    }
    s_.record(name_, fault_op_kind::read, offset, n, r.is_ok());
    return r;
  }

  status write(uint64_t offset, byte_view bytes) override {
    std::lock_guard<std::mutex> g(s_.mu);
    if (dead_) return crashed(name_);
    ++s_.st.writes;
    status r = s_.should_fail_write(name_) ? fail_write(offset, bytes) : do_write(offset, bytes);
    s_.record(name_, fault_op_kind::write, offset, bytes.size, r.is_ok());
    return r;
  }

  status erase(uint64_t offset, uint64_t n) override {
    std::lock_guard<std::mutex> g(s_.mu);
    if (dead_) return crashed(name_);
    undo_rec rec;
    DDB_TRY(capture(rec, fault_op_kind::erase, offset, n));
    status r = base_->erase(offset, n);
    if (r) keep(std::move(rec));
    s_.record(name_, fault_op_kind::erase, offset, n, r.is_ok());
    return r;
  }

  status truncate(uint64_t size) override {
    std::lock_guard<std::mutex> g(s_.mu);
    if (dead_) return crashed(name_);
    undo_rec rec;
    DDB_TRY(capture(rec, fault_op_kind::truncate, size, UINT64_MAX));
    rec.length = size;
    status r = base_->truncate(size);
    if (r) keep(std::move(rec));
    s_.record(name_, fault_op_kind::truncate, size, 0, r.is_ok());
    return r;
  }

  result<uint64_t> size() override {
    std::lock_guard<std::mutex> g(s_.mu);
    if (dead_) return crashed(name_);
    return base_->size();
  }

  status sync() override {
    std::lock_guard<std::mutex> g(s_.mu);
    if (dead_) return crashed(name_);
    ++s_.st.syncs;
    status r;
    if (s_.cfg.fail_at_sync != 0 && s_.st.syncs == s_.cfg.fail_at_sync) {
      ++s_.st.injected;
      r = injected(errc::io_error, "sync #" + std::to_string(s_.st.syncs) + " of " + name_);
    } else {
      r = base_->sync();
    }
    if (r) s_.unsynced.erase(name_);
    s_.record(name_, fault_op_kind::sync, 0, 0, r.is_ok());
    return r;
  }

  status close() override {
    std::lock_guard<std::mutex> g(s_.mu);
    if (dead_) return status::ok();
    dead_ = true;
    s_.live.erase(this);
    s_.record(name_, fault_op_kind::close, 0, 0, true);
    return base_->close();
  }

  // Called by simulate_crash with the mutex held.
  void kill() {
    dead_ = true;
    base_->close();
  }

 private:
  bool wants_flip() {
    if (s_.cfg.flip_read_one_in == 0) return false;
    if (!s_.cfg.flip_file.empty() && s_.cfg.flip_file != name_) return false;
    return s_.rng.below(s_.cfg.flip_read_one_in) == 0;
  }

  status fail_write(uint64_t offset, byte_view bytes) {
    ++s_.st.injected;
    const fault_config& c = s_.cfg;
    if (c.torn && bytes.size > 0) {
      uint64_t m = c.torn_bytes >= 0 ? std::min<uint64_t>(uint64_t(c.torn_bytes), bytes.size)
                                     : s_.rng.below(bytes.size);
      if (m > 0) DDB_TRY(do_write(offset, bytes.sub(0, size_t(m))));
    }
    return injected(c.fail_with, "write #" + std::to_string(s_.counted_writes) + " to " + name_);
  }

  status do_write(uint64_t offset, byte_view bytes) {
    undo_rec rec;
    DDB_TRY(capture(rec, fault_op_kind::write, offset, bytes.size));
    if (s_.cfg.track_unsynced) rec.new_bytes = bytes.to_buffer();
    status r = base_->write(offset, bytes);
    if (r) keep(std::move(rec));
    return r;
  }

  // Records the pre-image of [offset, offset + n) (clipped to the file) for a crash's undo.
  status capture(undo_rec& rec, fault_op_kind kind, uint64_t offset, uint64_t n) {
    if (!s_.cfg.track_unsynced) return status::ok();
    auto size = base_->size();
    if (!size) return size.error();
    rec.kind = kind;
    rec.offset = offset;
    rec.length = n;
    rec.old_size = *size;
    rec.old_offset = offset;
    if (offset < *size) {
      uint64_t len = std::min<uint64_t>(n, *size - offset);
      rec.old_bytes.resize(size_t(len));
      DDB_TRY(base_->read(offset, size_t(len), rec.old_bytes.data()));
    }
    return status::ok();
  }

  void keep(undo_rec&& rec) {
    if (!s_.cfg.track_unsynced) return;
    rec.seq = ++s_.seq;
    s_.unsynced[name_].push_back(std::move(rec));
  }

  std::shared_ptr<fault_injector> inj_;
  fault_injector::state& s_;
  std::string name_;
  std::unique_ptr<random_access_file> base_;
  bool dead_ = false;
};

class fault_env final : public env {
 public:
  explicit fault_env(std::shared_ptr<fault_injector> inj) : inj_(std::move(inj)) {}

  result<std::unique_ptr<random_access_file>> open(const std::string& name,
                                                   const open_options& opts) override {
    fault_injector::state& s = *inj_->s_;
    std::lock_guard<std::mutex> g(s.mu);
    auto base = s.base->open(name, opts);
    s.record(name, fault_op_kind::open, 0, 0, base.has_value());
    if (!base) return base.error();
    auto f = std::make_unique<fault_file>(inj_, name, std::move(*base));
    s.live.insert(f.get());
    return std::unique_ptr<random_access_file>(std::move(f));
  }

  bool exists(const std::string& name) override {
    std::lock_guard<std::mutex> g(inj_->s_->mu);
    return inj_->s_->base->exists(name);
  }

  status destroy() override {
    std::lock_guard<std::mutex> g(inj_->s_->mu);
    inj_->s_->unsynced.clear();
    return inj_->s_->base->destroy();
  }

 private:
  std::shared_ptr<fault_injector> inj_;
};

namespace {

result<std::unique_ptr<random_access_file>> open_existing(env& base, const std::string& name) {
  open_options o;
  o.create = false;
  return base.open(name, o);
}

status apply(random_access_file& f, const undo_rec& r) {
  if (r.kind == fault_op_kind::write) return f.write(r.offset, r.new_bytes);
  if (r.kind == fault_op_kind::erase) return f.erase(r.offset, r.length);
  return r.kind == fault_op_kind::truncate ? f.truncate(r.length) : status::ok();
}

status undo(random_access_file& f, const undo_rec& r) {
  if (!r.old_bytes.empty()) DDB_TRY(f.write(r.old_offset, r.old_bytes));
  return f.truncate(r.old_size);
}

// Reverts all of `recs`, then replays the first `keep` of them, then (tear) a random byte prefix
// of the next one when it is a write.
status rewind(env& base, const std::string& name, const std::vector<undo_rec>& recs, size_t keep,
              bool tear, fault_rng& rng) {
  auto f = open_existing(base, name);
  if (!f && f.error().code() == errc::not_found) return status::ok();
  if (!f) return f.error();
  for (size_t i = recs.size(); i-- > 0;) DDB_TRY(undo(**f, recs[i]));
  for (size_t i = 0; i < keep; ++i) DDB_TRY(apply(**f, recs[i]));
  if (tear && keep < recs.size() && recs[keep].kind == fault_op_kind::write) {
    const undo_rec& r = recs[keep];
    uint64_t m = rng.below(r.new_bytes.size());
    if (m > 0) DDB_TRY((*f)->write(r.offset, byte_view(r.new_bytes.data(), size_t(m))));
  }
  return (*f)->close();
}

}  // namespace

fault_injector::fault_injector(std::unique_ptr<env> base, fault_config cfg)
    : s_(std::make_unique<state>()) {
  s_->base = std::move(base);
  s_->rng = fault_rng(cfg.seed);
  s_->cfg = std::move(cfg);
}

fault_injector::~fault_injector() = default;

void fault_injector::configure(fault_config cfg) {
  std::lock_guard<std::mutex> g(s_->mu);
  s_->rng = fault_rng(cfg.seed);
  s_->counted_writes = 0;
  s_->cfg = std::move(cfg);
}

uint64_t fault_injector::seed() const {
  std::lock_guard<std::mutex> g(s_->mu);
  return s_->cfg.seed;
}

status fault_injector::simulate_crash() {
  std::lock_guard<std::mutex> g(s_->mu);
  for (fault_file* f : s_->live) f->kill();
  s_->live.clear();
  uint64_t cutoff = UINT64_MAX;  // ops with seq < cutoff survive (keep_prefix_global)
  if (s_->cfg.on_crash == crash_mode::keep_prefix_global) {
    std::vector<uint64_t> seqs;
    for (auto& [name, recs] : s_->unsynced)
      for (auto& r : recs) seqs.push_back(r.seq);
    std::sort(seqs.begin(), seqs.end());
    uint64_t k = s_->rng.below(seqs.size() + 1);
    if (k < seqs.size()) cutoff = seqs[size_t(k)];
  }
  status result;
  for (auto& [name, recs] : s_->unsynced) {
    size_t keep = 0;
    if (s_->cfg.on_crash == crash_mode::keep_prefix_per_file) {
      keep = size_t(s_->rng.below(recs.size() + 1));
    } else if (s_->cfg.on_crash == crash_mode::keep_prefix_global) {
      while (keep < recs.size() && recs[keep].seq < cutoff) ++keep;
    }
    s_->st.dropped += recs.size() - keep;
    status r = rewind(*s_->base, name, recs, keep, s_->cfg.crash_tears, s_->rng);
    if (!r && result) result = r;
  }
  s_->unsynced.clear();
  ++s_->st.crashes;
  return result;
}

status fault_injector::flip_stored_bit(const std::string& name, uint64_t offset, unsigned bit) {
  std::lock_guard<std::mutex> g(s_->mu);
  auto f = open_existing(*s_->base, name);
  if (!f) return f.error();
  uint8_t b = 0;
  DDB_TRY((*f)->read(offset, 1, &b));
  b ^= static_cast<uint8_t>(0x80 >> (bit & 7));
  DDB_TRY((*f)->write(offset, byte_view(&b, 1)));
  ++s_->st.injected;
  return (*f)->close();
}

result<uint64_t> fault_injector::flip_random_stored_bit(const std::string& name, uint64_t from) {
  uint64_t pos = 0;
  {
    std::lock_guard<std::mutex> g(s_->mu);
    auto f = open_existing(*s_->base, name);
    if (!f) return f.error();
    auto size = (*f)->size();
    if (!size) return size.error();
    if (*size <= from) return make_error(errc::bad_index, "nothing to flip in " + name);
    pos = from * 8 + s_->rng.below((*size - from) * 8);
  }
  DDB_TRY(flip_stored_bit(name, pos / 8, unsigned(pos % 8)));
  return pos;
}

fault_stats fault_injector::stats() const {
  std::lock_guard<std::mutex> g(s_->mu);
  return s_->st;
}

std::vector<fault_op> fault_injector::ops() const {
  std::lock_guard<std::mutex> g(s_->mu);
  return s_->ops;
}

void fault_injector::clear_ops() {
  std::lock_guard<std::mutex> g(s_->mu);
  s_->ops.clear();
}

size_t fault_injector::unsynced(const std::string& name) const {
  std::lock_guard<std::mutex> g(s_->mu);
  auto it = s_->unsynced.find(name);
  return it == s_->unsynced.end() ? 0 : it->second.size();
}

env& fault_injector::base() {
  return *s_->base;
}

std::shared_ptr<fault_injector> make_fault_injector(std::unique_ptr<env> base, fault_config cfg) {
  return std::make_shared<fault_injector>(std::move(base), std::move(cfg));
}

std::unique_ptr<env> make_fault_env(std::shared_ptr<fault_injector> injector) {
  return std::make_unique<fault_env>(std::move(injector));
}

}  // namespace ddb
