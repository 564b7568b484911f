#include "tests/attack/hostile_conn.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/crypto.hpp"
#include "core/errc.hpp"

namespace ddb::attack {

namespace {

constexpr char loopback[] = "127.0.0.1";

status io_error(const std::string& why) {
  return status(errc::io_error, why);
}

int ms_until(clock_type::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
  return static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(left.count(), 1000)));
}

replication::session_options options(bool initiator) {
  replication::session_options o;
  o.initiator = initiator;
  random_source rng;  // libsodium's: a fresh Noise key per connection
  o.static_keys = wire::noise::dh_key_pair_from_seed(rng.bytes<32>());
  rng.fill(o.nonce.data(), o.nonce.size());
  return o;
}

}  // namespace

int connect_loopback(const std::string& address, const std::string& from) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || address.substr(0, colon) != loopback ||
      (!from.empty() && from.rfind("127.", 0) != 0)) {
    errno = EINVAL;
    return -1;
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoul(address.substr(colon + 1))));
  ::inet_pton(AF_INET, loopback, &sa.sin_addr);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (!from.empty()) {
    sockaddr_in src{};
    src.sin_family = AF_INET;
    int e = ::inet_pton(AF_INET, from.c_str(), &src.sin_addr) == 1 ? 0 : EINVAL;
    if (e == 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) e = errno;
    if (e != 0) {
      ::close(fd);
      errno = e;
      return -1;
    }
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

int listen_loopback(std::string& address) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  ::inet_pton(AF_INET, loopback, &sa.sin_addr);
  socklen_t len = sizeof sa;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 16) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    ::close(fd);
    return -1;
  }
  address = std::string(loopback) + ":" + std::to_string(ntohs(sa.sin_port));
  return fd;
}

void raise_fd_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

hostile_conn::hostile_conn(int fd, bool initiator) : fd_(fd), session_(options(initiator)) {
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  session_.start();
}

hostile_conn::~hostile_conn() {
  ::close(fd_);
}

void hostile_conn::take_output() {
  if (!session_.has_output()) return;
  if (out_pos_ == out_.size()) {
    out_ = session_.take_output();
    out_pos_ = 0;
  } else {
    byte_buffer more = session_.take_output();
    out_.insert(out_.end(), more.begin(), more.end());
  }
}

bool hostile_conn::read_some() {
  uint8_t buf[65536];
  for (;;) {
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n > 0) {
      bytes_read_ += static_cast<uint64_t>(n);
      if (!session_.failed()) session_.recv(byte_view(buf, static_cast<size_t>(n)));
      session_.take_events();  // remote_channel() answers from the session's own table
      if (session_.failed()) closed_ = true;
      continue;
    }
    if (n == 0) closed_ = true;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) closed_ = true;
    return !closed_;
  }
}

bool hostile_conn::step(int timeout_ms, bool read) {
  take_output();
  pollfd p{fd_, static_cast<short>((read ? POLLIN : 0) | (out_pos_ < out_.size() ? POLLOUT : 0)),
           0};
  int n = ::poll(&p, 1, timeout_ms);
  if (n <= 0) return !closed_;
  if (p.revents & (POLLERR | POLLNVAL)) closed_ = true;
  if (read && (p.revents & (POLLIN | POLLHUP))) read_some();
  if (!closed_ && (p.revents & POLLOUT) && out_pos_ < out_.size()) {
    ssize_t put = ::send(fd_, out_.data() + out_pos_, out_.size() - out_pos_, MSG_NOSIGNAL);
    if (put > 0) out_pos_ += static_cast<size_t>(put);
    if (put < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) closed_ = true;
  }
  if (!read && (p.revents & POLLHUP)) closed_ = true;
  return !closed_;
}

status hostile_conn::handshake(clock_type::time_point deadline) {
  while (!session_.ready()) {
    if (session_.failed()) return session_.error();
    if (!step(ms_until(deadline), true)) return io_error("closed during the handshake");
    if (clock_type::now() >= deadline) return status(errc::timeout, "handshake timed out");
  }
  return status();
}

status hostile_conn::open(const public_key& key) {
  auto ch = session_.open_channel(crypto::discovery_key(key), key);
  if (!ch) return ch.error();
  channel_ = *ch;
  return status();
}

status hostile_conn::wait_remote_open(const public_key& key, clock_type::time_point deadline) {
  hash_t dk = crypto::discovery_key(key);
  while (!session_.remote_channel(dk)) {
    if (!step(ms_until(deadline), true)) return io_error("closed before the remote's Open");
    if (clock_type::now() >= deadline) return status(errc::timeout, "no Open from the remote");
  }
  return status();
}

status hostile_conn::flush(clock_type::time_point deadline) {
  take_output();
  while (out_pos_ < out_.size()) {
    if (!step(ms_until(deadline), true)) return io_error("closed while writing");
    if (clock_type::now() >= deadline) return status(errc::timeout, "write timed out");
    take_output();
  }
  return status();
}

size_t hostile_conn::write_without_reading(clock_type::time_point deadline) {
  take_output();
  size_t before = out_pos_;
  while (out_pos_ < out_.size() && clock_type::now() < deadline) {
    if (!step(ms_until(deadline), false)) break;
  }
  return out_pos_ - before;
}

bool hostile_conn::hold(clock_type::time_point deadline) {
  auto next_keep_alive = clock_type::now() + std::chrono::seconds(1);
  while (clock_type::now() < deadline) {
    if (!step(ms_until(std::min(deadline, next_keep_alive)), true)) return false;
    if (clock_type::now() >= next_keep_alive) {
      session_.send_keep_alive();
      next_keep_alive = clock_type::now() + std::chrono::seconds(1);
    }
  }
  return !closed_;
}

}  // namespace ddb::attack
