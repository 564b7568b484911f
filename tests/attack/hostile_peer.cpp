// ddb_hostile_peer: a peer that speaks our replication protocol (our own codecs and session) and
// misbehaves on purpose, for the attack suite (tests/attack/test_attacks.cpp). Loopback only.
//
//   ddb_hostile_peer ATTACK --peer 127.0.0.1:PORT --key HEX [--seconds T] [--count N]
//                           [--length L] [--from 127.X.Y.Z]
//
// --from: the loopback source address of the client connections (default: the kernel's choice,
// 127.0.0.1), so that a ban of the attacker's IP does not also refuse an honest peer.
//
// Client attacks (connect to --peer, handshake, open the feed --key, misbehave, hold the
// connection for --seconds):
//   want-bomb        Status{uploading} + Have{start: 2^50}
//   unread-replies   --count valid Requests for blocks 0..L-1 (pipelined), never reads
//   huge-have        Have{0, 2^40}
//   have-2p26        Have{0, 2^26}
//   have-ones        Have{0} whose RLE bitfield is an 8 MiB run of 0xff
//   have-unhave      Have{2^40} + Unhave{1, 2^41}
//   slow-loris       --count connections that never send a byte
//   banned-reconnect a malformed Request (the remote drops and bans us), then a new connection
//                    with a fresh Noise key: prints "reconnect accepted" or "reconnect refused"
// Server attacks (listen on 127.0.0.1:0, print "listening ADDR", serve one connection):
//   serve-want-bomb  the lying server's want bomb: Open, Status{uploading}, Have{start: 2^50}
//   serve-have-past  Open, Status{uploading}, a Have bitfield claiming blocks 0..2047 that it
//                    never sends (it answers no Request)
//
// Prints one line "ATTACK: ..." with what happened; exit 0 when the attack was delivered, 1 when
// it could not be (the remote refused it before it was sent), 2 on a usage error.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <sodium.h>

#include "tests/attack/hostile_conn.hpp"
#include "wire/bitfield_rle.hpp"
#include "wire/varint.hpp"

namespace {

using namespace ddb;
using namespace ddb::attack;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct args {
  std::string attack;
  std::string peer;
  public_key key{};
  double seconds = 5;
  uint64_t count = 0;
  uint64_t length = 1;
  std::string from;  // source address (loopback)
};

int usage(const std::string& why) {
  std::cerr << "ddb_hostile_peer: " << why
            << "\nusage: ddb_hostile_peer ATTACK --peer 127.0.0.1:PORT --key HEX [--seconds T]"
               " [--count N] [--length L] [--from 127.X.Y.Z]\n";
  return 2;
}

clock_type::time_point after(double s) {
  return clock_type::now() + milliseconds(static_cast<int64_t>(s * 1000));
}

std::unique_ptr<hostile_conn> connect_open(const args& a, std::string& why) {
  int fd = connect_loopback(a.peer, a.from);
  if (fd < 0) {
    why = std::string("connect: ") + std::strerror(errno);
    return nullptr;
  }
  auto c = std::make_unique<hostile_conn>(fd, true);
  auto limit = after(5);
  status s = c->handshake(limit);
  if (s) s = c->open(a.key);
  if (s) s = c->wait_remote_open(a.key, limit);
  if (!s) {
    why = s.to_string();
    return nullptr;
  }
  return c;
}

// Sends what `build` queued, then holds the connection; prints the outcome.
int deliver_and_hold(const args& a, hostile_conn& c, clock_type::time_point end) {
  status s = c.flush(after(5));
  bool held = s && c.hold(end);
  std::cout << a.attack << ": delivered " << (s ? "yes" : "no (" + s.to_string() + ")")
            << ", connection " << (held ? "held to the end" : "closed by the remote") << ", read "
            << c.bytes_read() << " bytes" << std::endl;
  return s ? 0 : 1;
}

wire::status_message uploading() {
  wire::status_message st;
  st.uploading = true;
  st.downloading = true;
  return st;
}

int client_attack(const args& a) {
  auto end = after(a.seconds);
  std::string why;
  auto c = connect_open(a, why);
  if (!c) {
    std::cout << a.attack << ": refused before the attack (" << why << ")" << std::endl;
    return 1;
  }
  if (a.attack == "want-bomb") {
    c->queue(uploading());
    wire::have_message h;
    h.start = uint64_t{1} << 50;
    c->queue(h);
  } else if (a.attack == "huge-have" || a.attack == "have-2p26") {
    c->queue(uploading());
    wire::have_message h;
    h.start = 0;
    h.length = uint64_t{1} << (a.attack == "huge-have" ? 40 : 26);
    c->queue(h);
  } else if (a.attack == "have-ones") {
    c->queue(uploading());
    wire::have_message h;
    h.start = 0;
    byte_buffer rle;  // one run part: (bytes << 2) | 0b11 — 8 MiB of 0xff
    wire::append_varint(rle, (uint64_t{8} * 1024 * 1024 << 2) | 3);
    h.bitfield = rle;
    c->queue(h);
  } else if (a.attack == "have-unhave") {
    c->queue(uploading());
    wire::have_message h;
    h.start = uint64_t{1} << 40;
    c->queue(h);
    wire::unhave_message u;
    u.start = 1;
    u.length = uint64_t{1} << 41;
    c->queue(u);
  } else if (a.attack == "unread-replies") {
    wire::status_message st;
    st.uploading = false;
    st.downloading = true;
    c->queue(st);
    for (uint64_t i = 0; i < a.count; ++i) {
      wire::request_message r;
      r.index = i % a.length;
      c->queue(r);
    }
    size_t sent = c->write_without_reading(end);
    // Keep the connection open, unread, to the end.
    while (clock_type::now() < end) std::this_thread::sleep_for(milliseconds(50));
    std::cout << a.attack << ": wrote " << sent << " bytes of " << a.count
              << " Requests, read nothing" << std::endl;
    return sent > 0 ? 0 : 1;
  } else {
    return usage("unknown attack " + a.attack);
  }
  return deliver_and_hold(a, *c, end);
}

int slow_loris(const args& a) {
  raise_fd_limit();
  auto end = after(a.seconds);
  std::vector<int> fds;
  for (uint64_t i = 0; i < a.count; ++i) {
    int fd = connect_loopback(a.peer, a.from);
    if (fd < 0) break;
    fds.push_back(fd);
  }
  std::cout << "slow-loris: " << fds.size() << " connections open" << std::endl;
  while (clock_type::now() < end) std::this_thread::sleep_for(milliseconds(100));
  // How many the remote closed on its own (a handshake deadline).
  size_t closed = 0;
  for (int fd : fds) {
    pollfd p{fd, POLLIN, 0};
    char b;
    if (::poll(&p, 1, 0) > 0 && ::recv(fd, &b, 1, MSG_DONTWAIT) <= 0) ++closed;
    ::close(fd);
  }
  std::cout << "slow-loris: " << fds.size() << " held, " << closed << " closed by the remote"
            << (closed == fds.size() ? " (all closed by the remote)" : "") << std::endl;
  return fds.empty() ? 1 : 0;
}

int banned_reconnect(const args& a) {
  std::string why;
  auto c = connect_open(a, why);
  if (!c) {
    std::cout << "banned-reconnect: refused before the attack (" << why << ")" << std::endl;
    return 1;
  }
  const uint8_t bad[] = {0x08, 0xff};  // Request.index: a truncated varint
  c->queue_raw(static_cast<uint8_t>(wire::message_type::request), byte_view(bad, sizeof bad));
  c->flush(after(2));
  bool dropped = !c->hold(after(3));
  c.reset();
  std::this_thread::sleep_for(milliseconds(200));
  auto again = connect_open(a, why);  // a fresh Noise key, the same address
  bool accepted = again && again->hold(after(2));
  std::cout << "banned-reconnect: first connection " << (dropped ? "dropped" : "kept")
            << ", reconnect " << (accepted ? "accepted" : "refused (" + why + ")") << std::endl;
  return dropped ? 0 : 1;
}

int serve_attack(const args& a) {
  std::string address;
  int lfd = listen_loopback(address);
  if (lfd < 0) return usage("cannot listen on 127.0.0.1");
  std::cout << "listening " << address << std::endl;
  auto end = after(a.seconds);
  pollfd p{lfd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(a.seconds * 1000)) <= 0) {
    std::cout << a.attack << ": nobody connected" << std::endl;
    return 1;
  }
  int fd = ::accept(lfd, nullptr, nullptr);
  ::close(lfd);
  if (fd < 0) return 1;
  hostile_conn c(fd, false);
  status s = c.handshake(after(5));
  if (s) s = c.open(a.key);
  if (!s) {
    std::cout << a.attack << ": " << s.to_string() << std::endl;
    return 1;
  }
  c.queue(uploading());
  wire::have_message h;
  if (a.attack == "serve-want-bomb") {
    h.start = uint64_t{1} << 50;
  } else {
    h.start = 0;
    h.bitfield = wire::rle::encode(byte_view(byte_buffer(256, 0xff)));
  }
  c.queue(h);
  return deliver_and_hold(a, c, end);
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  if (argc < 2) return usage("missing ATTACK");
  args a;
  a.attack = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--peer") {
      a.peer = v;
    } else if (k == "--key") {
      byte_buffer raw;
      if (!from_hex(v, raw) || raw.size() != 32) return usage("--key must be 64 hex characters");
      std::copy(raw.begin(), raw.end(), a.key.begin());
    } else if (k == "--seconds") {
      a.seconds = std::stod(v);
    } else if (k == "--count") {
      a.count = std::stoull(v);
    } else if (k == "--from") {
      a.from = v;
    } else if (k == "--length") {
      a.length = std::max<uint64_t>(1, std::stoull(v));
    } else {
      return usage("unknown option " + k);
    }
  }
  if (a.attack == "serve-want-bomb" || a.attack == "serve-have-past") return serve_attack(a);
  if (a.peer.empty()) return usage("missing --peer");
  if (a.attack == "slow-loris") return slow_loris(a);
  if (a.attack == "banned-reconnect") return banned_reconnect(a);
  return client_attack(a);
}
