#pragma once
// One replication connection driven by blocking calls, for the hostile peer: a TCP socket to (or
// from) 127.0.0.1 and our own replication::session on top (Noise handshake, channels, framing).
// The attacks are built from these steps: handshake, open a feed's channel, queue messages,
// write them (with or without reading), and hold the connection while discarding what arrives.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "core/types.hpp"
#include "protocol/session.hpp"
#include "wire/messages.hpp"

namespace ddb::attack {

using clock_type = std::chrono::steady_clock;

// "127.0.0.1:PORT" → a connected socket (blocking connect), or -1 with errno set. Refuses any
// host other than 127.0.0.1: the attacks run on loopback only. `from`: the source address, a
// loopback one (127.x.y.z; "" lets the kernel choose), so that an attacker and an honest peer
// can come from different IPs.
int connect_loopback(const std::string& address, const std::string& from = "");
// A listening socket on 127.0.0.1:0; `address` gets the bound "127.0.0.1:PORT".
int listen_loopback(std::string& address);
// Raises this process's RLIMIT_NOFILE soft limit to its hard limit.
void raise_fd_limit();

class hostile_conn {
 public:
  // Takes ownership of a connected socket.
  hostile_conn(int fd, bool initiator);
  ~hostile_conn();
  hostile_conn(const hostile_conn&) = delete;
  hostile_conn& operator=(const hostile_conn&) = delete;

  // Runs the Noise handshake to the end. Fails when the remote closes, breaks the protocol or
  // does not finish by `deadline`.
  status handshake(clock_type::time_point deadline);
  // Opens our side of the feed's channel (the capability is computed from the handshake).
  status open(const public_key& key);
  // Waits until the remote opened the feed's channel too.
  status wait_remote_open(const public_key& key, clock_type::time_point deadline);

  // Queues one message on the open channel (encrypted into the session's output).
  template <class M>
  void queue(const M& m) {
    session_.send(channel_, wire::type_of(wire::message(m)), byte_view(wire::encode(m)));
  }
  // Queues a frame of any type and body on the open channel, valid or not.
  void queue_raw(uint8_t type, byte_view body) { session_.send(channel_, type, body); }

  // Writes everything queued, reading (and discarding) what arrives meanwhile. Fails on a
  // closed connection or at `deadline`.
  status flush(clock_type::time_point deadline);
  // Writes what it can until everything is written or `deadline`, never reading. Returns the
  // bytes written.
  size_t write_without_reading(clock_type::time_point deadline);
  // Reads and discards until `deadline` or the remote closes; sends a keep-alive every second.
  // Returns false when the remote closed (or broke the session).
  bool hold(clock_type::time_point deadline);

  bool closed() const { return closed_; }
  replication::session& session() { return session_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  // One poll round: reads if readable (when `read`), writes pending output if writable.
  bool step(int timeout_ms, bool read);
  void take_output();
  bool read_some();

  int fd_;
  replication::session session_;
  byte_buffer out_;
  size_t out_pos_ = 0;
  uint64_t channel_ = 0;
  bool closed_ = false;
  uint64_t bytes_read_ = 0;
};

}  // namespace ddb::attack
