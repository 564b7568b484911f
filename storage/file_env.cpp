// file_env: one directory per feed, one POSIX file per name (see storage/format.md).
// Every system call's failure becomes a status: ENOSPC -> errc::no_space, anything else ->
// errc::io_error with strerror and the path.
//
// What we create is private to the user: directories 0700, files 0600. `secret_key` must be;
// `key` is the read capability (whoever knows it can replicate the feed), and the data, tree and
// signatures are what that capability guards, so none of them is world-readable either. Existing
// directories and files keep their modes (the user may have chosen to share them).
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "storage/bitfield_journal.hpp"
#include "storage/env.hpp"

namespace ddb {
namespace {

constexpr const char* feed_file_names[] = {
    "key", "secret_key", "tree", "data", "bitfield", "signatures", journal::file_name};

constexpr mode_t dir_mode = 0700;
constexpr mode_t file_mode = 0600;

status errno_status(int err, const char* what, const std::string& path) {
  std::string msg = std::string(what) + " " + path + ": " + std::strerror(err);
  return make_error(err == ENOSPC ? errc::no_space : errc::io_error, std::move(msg));
}

// mkdir -p: creates `dir` and its missing parents.
status make_dirs(const std::string& dir) {
  if (dir.empty()) return status::ok();
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return status::ok();
    return make_error(errc::io_error, "not a directory: " + dir);
  }
  size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) DDB_TRY(make_dirs(dir.substr(0, slash)));
  if (::mkdir(dir.c_str(), dir_mode) != 0 && errno != EEXIST) {
    return errno_status(errno, "mkdir", dir);
  }
  return status::ok();
}

class posix_file final : public random_access_file {
 public:
  posix_file(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~posix_file() override { close(); }
  posix_file(const posix_file&) = delete;
  posix_file& operator=(const posix_file&) = delete;

  status read(uint64_t offset, size_t n, uint8_t* out) override {
    DDB_TRY(check_open());
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return errno_status(errno, "read", path_);
      if (r == 0) return short_read(offset, n, done);
      done += static_cast<size_t>(r);
    }
    return status::ok();
  }

  status write(uint64_t offset, byte_view bytes) override {
    DDB_TRY(check_open());
    size_t done = 0;
    while (done < bytes.size) {
      ssize_t w =
          ::pwrite(fd_, bytes.data + done, bytes.size - done, static_cast<off_t>(offset + done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        size_.reset();  // a partial write: ask the file again
        return errno_status(errno, "write", path_);
      }
      done += static_cast<size_t>(w);
    }
    if (size_) size_ = std::max<uint64_t>(*size_, offset + bytes.size);
    return status::ok();
  }

  status erase(uint64_t offset, uint64_t n) override {
    DDB_TRY(check_open());
    auto sz = size();
    if (!sz) return sz.error();
    if (offset >= *sz || n == 0) return status::ok();
    uint64_t len = std::min<uint64_t>(n, *sz - offset);
#ifdef FALLOC_FL_PUNCH_HOLE
    if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                    static_cast<off_t>(len)) == 0) {
      return status::ok();
    }
    if (errno != EOPNOTSUPP && errno != ENOSYS) return errno_status(errno, "punch hole", path_);
#endif
    return write_zeros(offset, len);
  }

  status truncate(uint64_t size) override {
    DDB_TRY(check_open());
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      size_.reset();
      return errno_status(errno, "truncate", path_);
    }
    size_ = size;
    return status::ok();
  }

  // Asked of the file once, then kept up to date by our own writes and truncates (a feed has
  // one writer, and it is this process): saves an fstat on every tree read.
  result<uint64_t> size() override {
    DDB_TRY(check_open());
    if (size_) return *size_;
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return errno_status(errno, "stat", path_);
    size_ = static_cast<uint64_t>(st.st_size);
    return *size_;
  }

  status sync() override {
    DDB_TRY(check_open());
    if (::fdatasync(fd_) != 0) return errno_status(errno, "fdatasync", path_);
    return status::ok();
  }

  status close() override {
    if (fd_ < 0) return status::ok();
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return errno_status(errno, "close", path_);
    return status::ok();
  }

 private:
  status check_open() const {
    if (fd_ < 0) return make_error(errc::closed, "file is closed: " + path_);
    return status::ok();
  }

  status short_read(uint64_t offset, size_t n, size_t got) const {
    return make_error(errc::bad_index, "short read of " + path_ + ": wanted " + std::to_string(n) +
                                           " bytes at " + std::to_string(offset) + ", got " +
                                           std::to_string(got));
  }

  status write_zeros(uint64_t offset, uint64_t len) {
    static const uint8_t zeros[64 * 1024] = {};
    while (len > 0) {
      size_t chunk = static_cast<size_t>(std::min<uint64_t>(len, sizeof(zeros)));
      DDB_TRY(write(offset, byte_view(zeros, chunk)));
      offset += chunk;
      len -= chunk;
    }
    return status::ok();
  }

  int fd_;
  std::string path_;
  std::optional<uint64_t> size_;  // the file's size, once known
};

class file_env final : public env {
 public:
  explicit file_env(std::string dir) : dir_(std::move(dir)) {
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
  }

  result<std::unique_ptr<random_access_file>> open(const std::string& name,
                                                   const open_options& opts) override {
    std::string path = path_of(name);
    if (opts.create) DDB_TRY(make_dirs(dir_));
    int flags = O_RDWR | O_CLOEXEC | (opts.create ? O_CREAT : 0);
    const bool is_new = opts.create && !exists(name);
    int fd = -1;
    do {
      fd = ::open(path.c_str(), flags, file_mode);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0 && errno == ENOENT) return make_error(errc::not_found, "no such file: " + path);
    if (fd < 0) return errno_status(errno, "open", path);
    auto file = std::make_unique<posix_file>(fd, path);
    // A new file's directory entry must survive a power loss as its synced contents do.
    if (is_new) DDB_TRY(sync_dir());
    if (opts.exclusive_lock) DDB_TRY(lock(fd, path));
    return std::unique_ptr<random_access_file>(std::move(file));
  }

  bool exists(const std::string& name) override {
    struct stat st {};
    return ::stat(path_of(name).c_str(), &st) == 0;
  }

  status destroy() override {
    for (const char* name : feed_file_names) {
      std::string path = path_of(name);
      if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return errno_status(errno, "unlink", path);
    }
    // Only an empty directory is removed: the caller may keep other things beside the feed.
    if (::rmdir(dir_.c_str()) != 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST) {
      return errno_status(errno, "rmdir", dir_);
    }
    return status::ok();
  }

 private:
  std::string path_of(const std::string& name) const { return dir_ + "/" + name; }

  status sync_dir() const {
    int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno_status(errno, "open", dir_);
    int r = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (r != 0) return errno_status(err, "fsync", dir_);
    return status::ok();
  }

  // The same lock as the reference (fd-lock: flock(LOCK_EX | LOCK_NB) on the bitfield file), so
  // our writers and the reference's exclude each other. Held until the descriptor is closed.
  static status lock(int fd, const std::string& path) {
    int r = -1;
    do {
      r = ::flock(fd, LOCK_EX | LOCK_NB);
    } while (r != 0 && errno == EINTR);
    if (r == 0) return status::ok();
    if (errno == EWOULDBLOCK) {
      return make_error(errc::locked, "feed is locked by another writer (flock on " + path + ")");
    }
    return errno_status(errno, "flock", path);
  }

  std::string dir_;
};

}  // namespace

std::unique_ptr<env> make_file_env(std::string directory) {
  return std::make_unique<file_env>(std::move(directory));
}

}  // namespace ddb
