#pragma once
// Helpers shared by the feed engine suites (test_feed_*.cpp): storage backends that can be
// reopened and whose stored bytes can be inspected, and small conversions.
#include <boost/test/unit_test.hpp>

#include <boost/mpl/list.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "feed/feed.hpp"
#include "storage/env.hpp"
#include "tests/support/temp_dir.hpp"

namespace ddb {
inline std::ostream& boost_test_print_type(std::ostream& os, errc c) {
  return os << to_string(c);
}
}  // namespace ddb

namespace ddb::test {

inline const char* const feed_file_names[] = {"key",  "secret_key", "tree",
                                              "data", "bitfield",   "signatures"};

using file_map = std::map<std::string, std::optional<byte_buffer>>;

// A place a feed is stored; make() returns a fresh env over the same files every time.
class backend {
 public:
  virtual ~backend() = default;
  virtual std::unique_ptr<env> make() = 0;
  // The stored bytes of `name`; nullopt when the file does not exist.
  virtual std::optional<byte_buffer> bytes(const std::string& name) = 0;
  // Overwrites stored bytes of `name` at `offset`.
  virtual void poke(const std::string& name, uint64_t offset, byte_view bytes) {
    auto e = make();
    auto f = e->open(name, open_options{false, false});
    BOOST_REQUIRE(f);
    BOOST_REQUIRE((*f)->write(offset, bytes));
    BOOST_REQUIRE((*f)->close());
  }
  bool any_file() {
    for (const char* n : feed_file_names) {
      if (bytes(n)) return true;
    }
    return false;
  }
  file_map snapshot() {
    file_map out;
    for (const char* n : feed_file_names) out[n] = bytes(n);
    return out;
  }
};

class memory_backend : public backend {
 public:
  std::unique_ptr<env> make() override { return make_memory_env(store_); }
  std::optional<byte_buffer> bytes(const std::string& name) override {
    auto e = make();
    if (!e->exists(name)) return std::nullopt;
    auto f = e->open(name, open_options{false, false});
    BOOST_REQUIRE(f);
    auto size = (*f)->size();
    BOOST_REQUIRE(size);
    byte_buffer out(*size);
    BOOST_REQUIRE((*f)->read(0, out.size(), out.data()));
    return out;
  }

 private:
  std::shared_ptr<memory_store> store_ = make_memory_store();
};

class file_backend : public backend {
 public:
  std::unique_ptr<env> make() override { return make_file_env(path()); }
  std::optional<byte_buffer> bytes(const std::string& name) override {
    std::string p = path() + "/" + name;
    if (!std::filesystem::exists(p)) return std::nullopt;
    std::ifstream in(p, std::ios::binary);
    return byte_buffer(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::string path() const { return dir_ / "feed"; }

 private:
  temp_dir dir_{"ddb-feed"};
};

using backends = boost::mpl::list<memory_backend, file_backend>;

inline byte_buffer buf(std::string_view s) {
  return byte_buffer(s.begin(), s.end());
}
inline std::string str(const byte_buffer& b) {
  return std::string(b.begin(), b.end());
}

inline std::vector<byte_buffer> bufs(std::initializer_list<std::string_view> xs) {
  std::vector<byte_buffer> out;
  for (auto x : xs) out.push_back(buf(x));
  return out;
}

inline std::unique_ptr<feed> open_feed(backend& b, feed_options o = {}) {
  auto r = feed::open(b.make(), std::move(o));
  BOOST_REQUIRE_MESSAGE(r, "open failed: " << r.error().to_string());
  return std::move(*r);
}

inline errc open_error(backend& b, feed_options o) {
  auto r = feed::open(b.make(), std::move(o));
  return r ? errc::ok : r.error().code();
}

template <class T>
errc code_of(const result<T>& r) {
  return r ? errc::ok : r.error().code();
}
inline errc code_of(const status& s) {
  return s.code();
}

}  // namespace ddb::test
