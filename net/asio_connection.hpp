#pragma once
// One TCP connection of the asio transport (private to net/asio_transport.cpp and its tests).
//
// Threading: every member below "strand-only state" is touched only on the socket's strand (the
// socket's executor must be a strand); the public methods are thread-safe and post to it.
// Lifetime: the object is kept alive by shared_ptr copies in its pending async handlers, so it
// lives until its last operation ends even if every owner drops it. The io_context must outlive
// it.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <asio/ip/tcp.hpp>
#include <caf/actor.hpp>

#include "core/types.hpp"
#include "net/transport.hpp"

namespace ddb {

class asio_connection final : public connection,
                              public std::enable_shared_from_this<asio_connection> {
 public:
  using socket_type = asio::ip::tcp::socket;

  // Reads start with this buffer size and double (up to the max) whenever a read fills it.
  static constexpr size_t initial_read_size = 64 * 1024;
  static constexpr size_t max_read_size = 1024 * 1024;
  // Before attach, reading pauses once this many bytes wait in the inbox.
  static constexpr size_t max_inbox_bytes = 1024 * 1024;

  // REQUIRES: `socket` is connected and its executor is a strand.
  asio_connection(socket_type socket, bool initiator);
  asio_connection(const asio_connection&) = delete;
  asio_connection& operator=(const asio_connection&) = delete;

  // Starts reading (into the inbox until attach). REQUIRES: called once, after construction.
  void start();
  // Ends the connection now, dropping queued writes; the owner gets ddb_down_atom with
  // `reason` (unless the connection already ended). Thread-safe.
  void abort(std::string reason);
  // Like abort, but resets the socket (RST, no FIN handshake, no TIME_WAIT): for a connection
  // evicted before its handshake finished, which never got application data from us.
  void reset(std::string reason);

  void attach(caf::actor owner) override;
  void write(byte_buffer bytes) override;
  void close() override;
  uint64_t pending_bytes() const override;
  void set_reading(bool on) override;
  std::string remote_address() const override;
  bool initiator() const override;
  void mark_handshaken() override { handshaken_.store(true); }
  bool handshaken() const { return handshaken_.load(); }

 private:
  void do_attach(caf::actor owner);
  void do_set_reading(bool on);
  void do_read();
  void on_read(const asio::error_code& ec, size_t n);
  void deliver(byte_buffer bytes);
  void enqueue(byte_buffer bytes);
  void start_write();
  void on_write(const asio::error_code& ec);
  void do_close();
  void shutdown_send();
  void fail(std::string reason, bool reset = false);
  void send_down();

  socket_type socket_;
  const bool initiator_;
  const std::string remote_;
  std::atomic<uint64_t> pending_{0};
  std::atomic<bool> handshaken_{false};

  // strand-only state
  caf::actor owner_;
  bool attached_ = false;
  std::vector<byte_buffer> inbox_;  // bytes read before attach, in order
  size_t inbox_bytes_ = 0;
  byte_buffer read_buf_;
  bool reading_ = false;                // an async_read is outstanding
  bool paused_ = false;                 // set_reading(false): no new async_read
  std::vector<byte_buffer> queue_;      // waiting for the next gathered write
  std::vector<byte_buffer> in_flight_;  // handed to the current async_write
  uint64_t in_flight_bytes_ = 0;
  bool closing_ = false;  // close() was called: flush, then shut down sending
  bool dead_ = false;     // the socket is closed; down_reason_ says why
  std::string down_reason_;
  bool down_sent_ = false;
};

// "127.0.0.1:4000" or "[::1]:4000"; never throws.
std::string format_endpoint(const asio::ip::tcp::endpoint& ep);

}  // namespace ddb
