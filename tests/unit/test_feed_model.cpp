#define BOOST_TEST_MODULE feed_model
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <random>

#include "tests/unit/feed_test_util.hpp"

using namespace ddb;
using namespace ddb::test;

namespace {

uint64_t test_seed(uint64_t fallback) {
  const char* env = std::getenv("DDB_TEST_SEED");
  if (env != nullptr && *env != '\0') return std::strtoull(env, nullptr, 10);
  return fallback;
}

// The model: every appended block (kept even when cleared) and which are stored.
struct model {
  std::vector<byte_buffer> blocks;
  std::vector<bool> stored;
  uint64_t byte_length() const {
    uint64_t n = 0;
    for (const auto& b : blocks) n += b.size();
    return n;
  }
  uint64_t count_stored(uint64_t start, uint64_t end) const {
    uint64_t n = 0;
    for (uint64_t i = start; i < end && i < stored.size(); ++i) n += stored[i] ? 1 : 0;
    return n;
  }
};

class runner {
 public:
  runner(backend& b, uint64_t seed) : b_(b), rng_(seed) { f_ = open_feed(b_); }

  void step(int i) {
    int op = pick(0, 99);
    if (op < 30) {
      append();
    } else if (op < 50) {
      get();
    } else if (op < 60) {
      get_batch();
    } else if (op < 72) {
      seek();
    } else if (op < 80) {
      clear();
    } else if (op < 88) {
      signature();
    } else if (op < 95) {
      check_has();
    } else {
      reopen();
    }
    BOOST_REQUIRE_MESSAGE(f_->length() == m_.blocks.size(), "length after step " << i);
    BOOST_REQUIRE_MESSAGE(f_->byte_length() == m_.byte_length(), "byte_length after step " << i);
  }

  void finish() {
    reopen();
    auto r = f_->audit();
    BOOST_REQUIRE(r);
    BOOST_TEST(r->valid == m_.count_stored(0, m_.blocks.size()));
    BOOST_TEST(r->invalid == 0u);
    for (uint64_t i = 0; i < m_.blocks.size(); ++i) check_get(i);
  }

 private:
  uint64_t pick(uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_);
  }

  byte_buffer random_block() {
    uint64_t kind = pick(0, 9);
    size_t size = kind == 0 ? 0 : kind < 8 ? pick(1, 40) : pick(100, 3000);
    byte_buffer b(size);
    for (auto& x : b) x = static_cast<uint8_t>(pick(0, 255));
    return b;
  }

  void append() {
    size_t n = pick(0, 9) < 7 ? 1 : pick(2, 12);
    std::vector<byte_buffer> batch;
    for (size_t k = 0; k < n; ++k) batch.push_back(random_block());
    auto r = f_->append(batch);
    BOOST_REQUIRE_MESSAGE(r, r.error().to_string());
    BOOST_REQUIRE_EQUAL(*r, m_.blocks.size());
    for (auto& b : batch) {
      m_.blocks.push_back(std::move(b));
      m_.stored.push_back(true);
    }
  }

  uint64_t any_index() { return pick(0, m_.blocks.size() + 1); }

  void check_get(uint64_t i) {
    auto r = f_->get(i);
    if (i >= m_.blocks.size()) {
      BOOST_REQUIRE_EQUAL(code_of(r), errc::bad_index);
    } else if (!m_.stored[i]) {
      BOOST_REQUIRE_EQUAL(code_of(r), errc::unavailable);
    } else {
      BOOST_REQUIRE_MESSAGE(r, "get " << i << ": " << r.error().to_string());
      BOOST_REQUIRE_MESSAGE(*r == m_.blocks[i], "content of block " << i);
    }
  }

  void get() { check_get(any_index()); }

  void get_batch() {
    uint64_t a = any_index(), b = any_index();
    if (a > b) std::swap(a, b);
    std::vector<byte_buffer> out;
    status s = f_->get_batch(a, b, out);
    if (b > m_.blocks.size()) {
      BOOST_REQUIRE_EQUAL(s.code(), errc::bad_index);
    } else if (m_.count_stored(a, b) != b - a) {
      BOOST_REQUIRE_EQUAL(s.code(), errc::unavailable);
    } else {
      BOOST_REQUIRE_MESSAGE(s, s.to_string());
      BOOST_REQUIRE_EQUAL(out.size(), b - a);
      for (uint64_t i = a; i < b; ++i) BOOST_REQUIRE(out[i - a] == m_.blocks[i]);
    }
  }

  void seek() {
    const uint64_t total = m_.byte_length();
    uint64_t off = pick(0, total + 2);
    auto r = f_->seek(off);
    if (off > total) {
      BOOST_REQUIRE_EQUAL(code_of(r), errc::bad_index);
      return;
    }
    BOOST_REQUIRE_MESSAGE(r, "seek " << off << ": " << r.error().to_string());
    if (off == total) {
      BOOST_REQUIRE_EQUAL(r->index, m_.blocks.size());
      BOOST_REQUIRE_EQUAL(r->offset, 0u);
      return;
    }
    uint64_t start = 0;
    for (uint64_t i = 0; i < m_.blocks.size(); ++i) {
      if (off < start + m_.blocks[i].size()) {
        BOOST_REQUIRE_MESSAGE(r->index == i, "seek " << off << " -> " << r->index << " not " << i);
        BOOST_REQUIRE_EQUAL(r->offset, off - start);
        return;
      }
      start += m_.blocks[i].size();
    }
    BOOST_FAIL("model seek found nothing");
  }

  void clear() {
    uint64_t a = any_index();
    uint64_t b = a + pick(0, 4);
    BOOST_REQUIRE(f_->clear(a, b));
    for (uint64_t i = a; i < b && i < m_.stored.size(); ++i) m_.stored[i] = false;
    BOOST_REQUIRE_EQUAL(f_->downloaded(), m_.count_stored(0, m_.blocks.size()));
  }

  void signature() {
    if (m_.blocks.empty()) {
      BOOST_REQUIRE_EQUAL(code_of(f_->signature()), errc::bad_index);
      return;
    }
    uint64_t i = pick(0, m_.blocks.size() - 1);
    auto s = f_->signature(i);
    BOOST_REQUIRE_MESSAGE(s, s.error().to_string());
    BOOST_REQUIRE(s->index >= i);
    BOOST_REQUIRE(s->index < m_.blocks.size());
    auto v = f_->verify(s->index, s->signature);
    BOOST_REQUIRE(v);
    BOOST_REQUIRE_MESSAGE(*v, "signature(" << i << ") -> " << s->index);
  }

  void check_has() {
    uint64_t a = any_index(), b = any_index();
    if (a > b) std::swap(a, b);
    BOOST_REQUIRE_EQUAL(f_->has(a), a < m_.stored.size() && m_.stored[a]);
    BOOST_REQUIRE_EQUAL(f_->downloaded(a, b), m_.count_stored(a, b));
    // An empty range is held (as the reference's total === bitfield.total(start, end)).
    const bool all = a == b || (b <= m_.blocks.size() && m_.count_stored(a, b) == b - a);
    BOOST_REQUIRE_EQUAL(f_->has(a, b), all);
  }

  void reopen() {
    public_key key = f_->key();
    BOOST_REQUIRE(f_->close());
    f_.reset();
    f_ = open_feed(b_);
    BOOST_REQUIRE(f_->key() == key);
    BOOST_REQUIRE(f_->writable());
    BOOST_REQUIRE_EQUAL(f_->downloaded(), m_.count_stored(0, m_.blocks.size()));
  }

  backend& b_;
  std::mt19937_64 rng_;
  std::unique_ptr<feed> f_;
  model m_;
};

template <class B>
void run(uint64_t fallback_seed, int steps) {
  const uint64_t seed = test_seed(fallback_seed);
  BOOST_TEST_MESSAGE("feed model seed " << seed << " (set DDB_TEST_SEED to replay)");
  BOOST_TEST_CONTEXT("seed " << seed) {
    B b;
    runner r(b, seed);
    for (int i = 0; i < steps; ++i) r.step(i);
    r.finish();
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_operations_memory) {
  run<memory_backend>(20240601, 1500);
}
BOOST_AUTO_TEST_CASE(random_operations_memory_2) {
  run<memory_backend>(7, 1500);
}
BOOST_AUTO_TEST_CASE(random_operations_files) {
  run<file_backend>(99, 400);
}
