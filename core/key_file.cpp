#include "core/key_file.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace ddb {

namespace {

status errno_status(int err, const char* what, const std::string& path) {
  return make_error(errc::io_error, path + ": cannot " + what + ": " + std::strerror(err));
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "a special file";
}

// Closes the descriptor on every path out.
struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

status too_large(const std::string& path, size_t max_bytes, const char* what) {
  return make_error(errc::invalid_argument, path + ": larger than " + std::to_string(max_bytes) +
                                                " bytes, too large for a " + what);
}

// mkdir -p with mode 0700 for the directories it creates.
status make_private_dirs(const std::string& dir) {
  if (dir.empty()) return status::ok();
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return status::ok();
    return make_error(errc::invalid_argument, dir + ": not a directory");
  }
  size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) DDB_TRY(make_private_dirs(dir.substr(0, slash)));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return errno_status(errno, "mkdir", dir);
  return status::ok();
}

}  // namespace

bool is_all_zero(byte_view bytes) noexcept {
  return std::all_of(bytes.data, bytes.data + bytes.size, [](uint8_t b) { return b == 0; });
}

result<byte_buffer> read_regular_file(const std::string& path, size_t max_bytes, const char* what) {
  fd_guard f{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)};
  if (f.fd < 0 && errno == ENOENT)
    return make_error(errc::not_found, path + ": " + what + " not found");
  if (f.fd < 0) return errno_status(errno, "open", path);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return errno_status(errno, "stat", path);
  if (!S_ISREG(st.st_mode)) {
    return make_error(errc::invalid_argument,
                      path + ": " + what + " is " + kind_of(st.st_mode) + ", not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) return too_large(path, max_bytes, what);
  // Read one byte past the cap: the file may have grown since fstat.
  byte_buffer out(max_bytes + 1);
  size_t got = 0;
  while (got < out.size()) {
    ssize_t r = ::read(f.fd, out.data() + got, out.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return errno_status(errno, "read", path);
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  if (got > max_bytes) return too_large(path, max_bytes, what);
  out.resize(got);
  return out;
}

result<key_bytes> read_key_file(const std::string& path) {
  auto bytes = read_regular_file(path, key_file_max_bytes);
  if (!bytes) return bytes.error();
  key_bytes key{};
  if (bytes->size() == key.size()) {
    std::copy(bytes->begin(), bytes->end(), key.begin());
  } else {
    std::string text(bytes->begin(), bytes->end());
    const char* space = " \t\r\n";
    size_t first = text.find_first_not_of(space), last = text.find_last_not_of(space);
    std::string hex = first == std::string::npos ? "" : text.substr(first, last - first + 1);
    byte_buffer decoded;
    if (hex.size() != 2 * key.size() || !from_hex(hex, decoded)) {
      return make_error(errc::invalid_argument,
                        path + ": expected a 32-byte key or 64 hex characters, got " +
                            std::to_string(bytes->size()) + " bytes");
    }
    std::copy(decoded.begin(), decoded.end(), key.begin());
  }
  if (is_all_zero(byte_view(key.data(), key.size()))) {
    return make_error(errc::invalid_argument, path + ": the key is all zeros");
  }
  return key;
}

status write_key_file(const std::string& path, const key_bytes& key) {
  if (is_all_zero(byte_view(key.data(), key.size()))) {
    return make_error(errc::invalid_argument, path + ": refusing to write an all-zero key");
  }
  size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) DDB_TRY(make_private_dirs(path.substr(0, slash)));
  fd_guard f{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)};
  if (f.fd < 0 && errno == EEXIST) {
    return make_error(errc::invalid_argument, path + ": exists already, not overwritten");
  }
  if (f.fd < 0) return errno_status(errno, "create", path);
  size_t done = 0;
  while (done < key.size()) {
    ssize_t w = ::write(f.fd, key.data() + done, key.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      int err = errno;
      ::unlink(path.c_str());
      return errno_status(err, "write", path);
    }
    done += static_cast<size_t>(w);
  }
  if (::fsync(f.fd) != 0) return errno_status(errno, "fsync", path);
  return status::ok();
}

}  // namespace ddb
