// RAII temporary directory for tests (header-only, POSIX).
//
// temp_dir creates a fresh directory /tmp/<prefix>-XXXXXX (or under $TMPDIR)
// and removes it, recursively, on destruction, unless the environment
// variable DDB_KEEP_TMP is set (then the path is printed on stderr so a failed
// test's files can be inspected). Movable, not copyable.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace ddb::test {

class temp_dir {
 public:
  explicit temp_dir(const std::string& prefix = "ddb-test") {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/" + prefix + "-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
    }
    path_ = buf.data();
  }

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  temp_dir(temp_dir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  temp_dir& operator=(temp_dir&& other) noexcept {
    if (this != &other) {
      remove();
      path_ = std::exchange(other.path_, {});
    }
    return *this;
  }

  ~temp_dir() { remove(); }

  // The directory's absolute path.
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

  // path() / name, as a string (handy for argv).
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  void remove() noexcept {
    if (path_.empty()) return;
    if (std::getenv("DDB_KEEP_TMP") != nullptr) {
      std::cerr << "DDB_KEEP_TMP: keeping " << path_.string() << "\n";
    } else {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
    path_.clear();
  }

  std::filesystem::path path_;
};

}  // namespace ddb::test
