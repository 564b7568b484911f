#define BOOST_TEST_MODULE storage_env
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>

#include "storage/env.hpp"

using namespace ddb;

namespace ddb {
// Lets BOOST_TEST print error codes.
inline std::ostream& boost_test_print_type(std::ostream& os, errc c) {
  return os << to_string(c);
}
}  // namespace ddb

namespace {

std::string make_temp_dir() {
  char tmpl[] = "/tmp/ddb_env_XXXXXX";
  const char* d = ::mkdtemp(tmpl);
  BOOST_REQUIRE(d != nullptr);
  return d;
}

bool dir_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Runs `body` once over a fresh file env and once over a fresh memory env.
void for_each_env(const std::function<void(env&)>& body) {
  {BOOST_TEST_CONTEXT("file env"){std::string dir = make_temp_dir() + "/feed";
  auto e = make_file_env(dir);
  body(*e);
  BOOST_TEST(e->destroy().is_ok());
}
}  // namespace
{
  BOOST_TEST_CONTEXT("memory env") {
    auto e = make_memory_env();
    body(*e);
  }
}
}

std::unique_ptr<random_access_file> must_open(env& e, const std::string& name, bool lock = false) {
  open_options o;
  o.exclusive_lock = lock;
  auto f = e.open(name, o);
  BOOST_REQUIRE_MESSAGE(f.has_value(), f.error().to_string());
  return std::move(*f);
}

byte_buffer read_all(random_access_file& f) {
  auto size = f.size();
  BOOST_REQUIRE(size.has_value());
  byte_buffer out(static_cast<size_t>(*size));
  BOOST_REQUIRE(f.read(0, out.size(), out.data()).is_ok());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(write_read_grow_zero_filled) {
  for_each_env([](env& e) {
    auto f = must_open(e, "data");
    BOOST_TEST(*f->size() == 0u);
    BOOST_TEST(f->write(4, std::string_view("abc")).is_ok());
    BOOST_TEST(*f->size() == 7u);
    byte_buffer want = {0, 0, 0, 0, 'a', 'b', 'c'};
    BOOST_TEST(read_all(*f) == want);
    BOOST_TEST(f->write(0, std::string_view("xy")).is_ok());
    uint8_t two[2];
    BOOST_TEST(f->read(0, 2, two).is_ok());
    BOOST_TEST(two[0] == 'x');
    BOOST_TEST(two[1] == 'y');
    BOOST_TEST(f->read(7, 0, two).is_ok());
  });
}

BOOST_AUTO_TEST_CASE(short_read_is_bad_index) {
  for_each_env([](env& e) {
    auto f = must_open(e, "tree");
    BOOST_TEST(f->write(0, std::string_view("12345")).is_ok());
    uint8_t buf[8];
    status s = f->read(2, 8, buf);
    BOOST_TEST(s.code() == errc::bad_index);
    BOOST_TEST(f->read(100, 1, buf).code() == errc::bad_index);
  });
}

BOOST_AUTO_TEST_CASE(erase_zeroes_and_keeps_size) {
  for_each_env([](env& e) {
    auto f = must_open(e, "signatures");
    byte_buffer ones(10000, 0xff);
    BOOST_TEST(f->write(0, ones).is_ok());
    BOOST_TEST(f->erase(100, 5000).is_ok());
    BOOST_TEST(f->erase(9000, 99999).is_ok());  // past the end: clipped, never grows
    BOOST_TEST(f->erase(20000, 10).is_ok());
    byte_buffer got = read_all(*f);
    BOOST_REQUIRE(got.size() == 10000u);
    for (size_t i = 0; i < got.size(); ++i) {
      bool zero = (i >= 100 && i < 5100) || i >= 9000;
      if (got[i] != (zero ? 0 : 0xff)) BOOST_FAIL("byte " << i << " is " << int(got[i]));
    }
  });
}

BOOST_AUTO_TEST_CASE(truncate_shrinks_and_grows) {
  for_each_env([](env& e) {
    auto f = must_open(e, "bitfield");
    BOOST_TEST(f->write(0, std::string_view("abcdef")).is_ok());
    BOOST_TEST(f->truncate(2).is_ok());
    BOOST_TEST(*f->size() == 2u);
    BOOST_TEST(f->truncate(4).is_ok());
    byte_buffer want = {'a', 'b', 0, 0};
    BOOST_TEST(read_all(*f) == want);
    BOOST_TEST(f->sync().is_ok());
  });
}

// Random writes, erases, truncates and reads across the memory env's segment boundaries (4 KiB,
// 12 KiB, 28 KiB, ...) against a plain byte vector; every read and size must match.
BOOST_AUTO_TEST_CASE(memory_file_matches_a_flat_model) {
  const uint64_t seed = 20261127;
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937_64 rng(seed);
  auto e = make_memory_env();
  auto f = must_open(*e, "data");
  byte_buffer model;
  auto pick = [&](uint64_t n) { return n == 0 ? 0 : rng() % n; };
  for (int step = 0; step < 3000; ++step) {
    uint64_t limit = 300000;
    uint64_t offset = pick(limit);
    uint64_t n = pick(step % 10 == 0 ? 70000 : 700);
    switch (rng() % 6) {
      case 0:
      case 1: {
        byte_buffer bytes(n);
        for (auto& b : bytes) b = static_cast<uint8_t>(rng() | 1);
        BOOST_REQUIRE(f->write(offset, bytes).is_ok());
        if (n > 0 && offset + n > model.size()) model.resize(offset + n, 0);
        std::copy(bytes.begin(), bytes.end(), model.begin() + static_cast<long>(offset));
        break;
      }
      case 2: {
        BOOST_REQUIRE(f->erase(offset, n).is_ok());
        if (offset < model.size()) {
          uint64_t end = std::min<uint64_t>(model.size(), offset + n);
          std::fill(model.begin() + static_cast<long>(offset),
                    model.begin() + static_cast<long>(end), 0);
        }
        break;
      }
      case 3: {
        if (rng() % 4 != 0) break;  // truncate rarely, so the file gets large
        uint64_t size = pick(model.size() + 5000);
        BOOST_REQUIRE(f->truncate(size).is_ok());
        model.resize(size, 0);
        break;
      }
      default: {
        uint64_t at = pick(model.size() + 1);
        uint64_t len = pick(model.size() - at + 1);
        byte_buffer got(len);
        BOOST_REQUIRE(f->read(at, len, got.data()).is_ok());
        if (!std::equal(got.begin(), got.end(), model.begin() + static_cast<long>(at)))
          BOOST_FAIL("step " << step << ": read of " << len << " at " << at << " differs");
        break;
      }
    }
    BOOST_REQUIRE_EQUAL(*f->size(), model.size());
  }
  BOOST_TEST(read_all(*f) == model);
}

BOOST_AUTO_TEST_CASE(open_without_create_and_exists) {
  for_each_env([](env& e) {
    open_options o;
    o.create = false;
    auto missing = e.open("key", o);
    BOOST_REQUIRE(!missing.has_value());
    BOOST_TEST(missing.error().code() == errc::not_found);
    BOOST_TEST(!e.exists("key"));
    must_open(e, "key");
    BOOST_TEST(e.exists("key"));
    BOOST_TEST(e.open("key", o).has_value());
  });
}

BOOST_AUTO_TEST_CASE(closed_file_reports_closed) {
  for_each_env([](env& e) {
    auto f = must_open(e, "data");
    BOOST_TEST(f->close().is_ok());
    BOOST_TEST(f->close().is_ok());
    uint8_t b;
    BOOST_TEST(f->read(0, 1, &b).code() == errc::closed);
    BOOST_TEST(f->write(0, std::string_view("x")).code() == errc::closed);
    BOOST_TEST(f->size().error().code() == errc::closed);
  });
}

BOOST_AUTO_TEST_CASE(exclusive_lock_in_process) {
  for_each_env([](env& e) {
    auto first = must_open(e, "bitfield", true);
    open_options lock;
    lock.exclusive_lock = true;
    auto second = e.open("bitfield", lock);
    BOOST_REQUIRE(!second.has_value());
    BOOST_TEST(second.error().code() == errc::locked);
    BOOST_TEST_MESSAGE("lock error: " << second.error().to_string());
    must_open(e, "bitfield", false);  // readers without the lock are not excluded
    BOOST_TEST(first->close().is_ok());
    auto third = must_open(e, "bitfield", true);  // released by close
    third.reset();
    must_open(e, "bitfield", true);  // released by the destructor
  });
}

BOOST_AUTO_TEST_CASE(memory_envs_share_a_store) {
  auto store = make_memory_store();
  auto a = make_memory_env(store);
  auto b = make_memory_env(store);
  auto fa = must_open(*a, "key", true);
  BOOST_TEST(fa->write(0, std::string_view("k")).is_ok());
  auto fb = must_open(*b, "key");
  uint8_t c = 0;
  BOOST_TEST(fb->read(0, 1, &c).is_ok());
  BOOST_TEST(c == 'k');
  open_options lock;
  lock.exclusive_lock = true;
  BOOST_TEST(b->open("key", lock).error().code() == errc::locked);
  BOOST_TEST(b->destroy().is_ok());
  BOOST_TEST(!a->exists("key"));
}

BOOST_AUTO_TEST_CASE(file_lock_excludes_forked_child) {
  std::string dir = make_temp_dir() + "/feed";
  auto e = make_file_env(dir);
  auto held = must_open(*e, "bitfield", true);
  auto child_lock_code = [&dir]() {
    pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
      open_options lock;
      lock.exclusive_lock = true;
      auto f = make_file_env(dir)->open("bitfield", lock);
      ::_exit(f.has_value() ? 0 : int(f.error().code()));
    }
    int st = 0;
    ::waitpid(pid, &st, 0);
    BOOST_REQUIRE(WIFEXITED(st));
    return WEXITSTATUS(st);
  };
  BOOST_TEST(child_lock_code() == int(errc::locked));
  held.reset();
  BOOST_TEST(child_lock_code() == 0);
  BOOST_TEST(e->destroy().is_ok());
}

BOOST_AUTO_TEST_CASE(file_env_creates_parents_and_destroy_removes_dir) {
  std::string root = make_temp_dir();
  std::string dir = root + "/a/b/c/";
  auto e = make_file_env(dir);
  BOOST_TEST(!dir_exists(root + "/a"));
  for (const char* name : {"key", "secret_key", "tree", "data", "bitfield", "signatures"}) {
    must_open(*e, name);
  }
  BOOST_TEST(dir_exists(root + "/a/b/c"));
  BOOST_TEST(e->exists("signatures"));
  BOOST_TEST(e->destroy().is_ok());
  BOOST_TEST(!dir_exists(root + "/a/b/c"));
  BOOST_TEST(dir_exists(root + "/a/b"));
  BOOST_TEST(e->destroy().is_ok());  // idempotent
}

// What a file env creates is private (0700 directories, 0600 files, whatever the umask allows);
// what exists already keeps its mode.
BOOST_AUTO_TEST_CASE(file_env_creates_private_dirs_and_files) {
  auto mode_of = [](const std::string& path) {
    struct stat st {};
    BOOST_REQUIRE_EQUAL(::stat(path.c_str(), &st), 0);
    return static_cast<unsigned>(st.st_mode & 07777);
  };
  std::string root = make_temp_dir();
  BOOST_REQUIRE_EQUAL(::chmod(root.c_str(), 0755), 0);
  mode_t old = ::umask(022);
  auto e = make_file_env(root + "/store/feed");
  for (const char* name : {"key", "secret_key", "tree", "data", "bitfield", "signatures"}) {
    must_open(*e, name);
  }
  ::umask(old);
  BOOST_TEST(mode_of(root) == 0755u);
  BOOST_TEST(mode_of(root + "/store") == 0700u);
  BOOST_TEST(mode_of(root + "/store/feed") == 0700u);
  for (const char* name : {"key", "secret_key", "tree", "data", "bitfield", "signatures"}) {
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(mode_of(root + "/store/feed/" + name) == 0600u);
    }
  }
  BOOST_TEST(e->destroy().is_ok());
}

BOOST_AUTO_TEST_CASE(enospc_maps_to_no_space) {
  if (::access("/dev/full", W_OK) != 0) return;
  auto e = make_file_env("/dev");
  open_options o;
  o.create = false;
  auto f = e->open("full", o);
  BOOST_REQUIRE(f.has_value());
  status s = (*f)->write(0, std::string_view("x"));
  BOOST_TEST(s.code() == errc::no_space);
  BOOST_TEST_MESSAGE(s.to_string());
}

// Our lock and the reference's (fd-lock: flock on the bitfield file) exclude each other.
namespace {

std::string node_command(const std::string& mode, const std::string& dir) {
  const char* src = std::getenv("DDB_SOURCE_DIR");
  const char* interop = std::getenv("DDB_INTEROP_DIR");
  if (src == nullptr || interop == nullptr) return {};
  std::string modules = std::string(interop) + "/node_modules";
  if (!dir_exists(modules + "/ddatabase") || std::system("node --version >/dev/null 2>&1") != 0) {
    return {};
  }
  return "NODE_PATH=" + modules + " node " + src + "/tests/unit/gen/lock_probe.js " + mode + " " +
         dir;
}

std::string first_line(FILE* p) {
  char buf[256] = {};
  if (std::fgets(buf, sizeof(buf), p) == nullptr) return {};
  std::string s(buf);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(lock_excludes_reference) {
  std::string dir = make_temp_dir() + "/feed";
  std::string probe = node_command("probe", dir);
  if (probe.empty()) {
    BOOST_TEST_MESSAGE("node or the reference is not installed: skipped");
    return;
  }
  auto e = make_file_env(dir);
  {
    auto held = must_open(*e, "bitfield", true);
    FILE* p = ::popen(probe.c_str(), "r");
    BOOST_REQUIRE(p != nullptr);
    BOOST_TEST(first_line(p) == "locked");
    ::pclose(p);
  }
  FILE* hold = ::popen(node_command("hold", dir).c_str(), "r");
  BOOST_REQUIRE(hold != nullptr);
  BOOST_TEST(first_line(hold) == "ready");
  open_options lock;
  lock.exclusive_lock = true;
  auto denied = e->open("bitfield", lock);
  BOOST_TEST((!denied.has_value() && denied.error().code() == errc::locked));
  std::FILE* release = std::fopen((dir + ".release").c_str(), "w");
  BOOST_REQUIRE(release != nullptr);
  std::fclose(release);
  ::pclose(hold);  // the reference closes the feed (releasing its lock) and exits
  must_open(*e, "bitfield", true);
  BOOST_TEST(e->destroy().is_ok());
}
