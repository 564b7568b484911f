#pragma once
// The production transport: TCP over standalone asio.
//
// The caller owns the io_context and runs it (one or more threads; each connection and acceptor
// serializes its work on its own strand). The io_context must outlive the transport and every
// connection it made. Callbacks (on_accept, dial's done) run on an io_context thread.
//
// Connections: TCP_NODELAY; inbound bytes are read before attach into a bounded inbox (reading
// pauses at 1 MiB until attach) and flushed to the owner on attach. write() coalesces everything
// queued into one gathered write. close() flushes queued writes, sends FIN and keeps reading
// until the peer closes its side (the owner gets ddb_down_atom then); a peer that never closes
// keeps the connection open until transport::shutdown().
//
// Down reasons: "closed" (our close() completed), "closed by peer" (EOF), "transport shut down",
// or the socket error's message. Errors: listen gives invalid_argument (bad address), io_error
// (bind/listen failed) or closed (after shutdown); dial gives invalid_argument, unavailable
// (resolve/connect failed) or closed. shutdown() does not cancel dials in flight: a dial that
// completes afterwards reports closed. Accepting stops on errors other than an aborted/reset
// handshake (e.g. out of file descriptors): there is no clock to back off with.
#include <memory>
#include <optional>
#include <thread>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "swarm/transport.hpp"

namespace ddb {

// Returns a transport whose sockets run on `io`. Borrowed: `io` must outlive it. Destroying the
// transport shuts it down (see transport::shutdown).
std::unique_ptr<transport> make_asio_transport(asio::io_context& io);

// An io_context run by one owned thread, kept busy by a work guard, for programs and tests.
class io_thread {
 public:
  io_thread();
  // Stops and joins.
  ~io_thread();
  io_thread(const io_thread&) = delete;
  io_thread& operator=(const io_thread&) = delete;

  asio::io_context& context() noexcept { return io_; }
  // Stops the io_context (handlers not yet run are dropped) and joins the thread. Idempotent.
  // From the io thread itself it only stops (the destructor then joins).
  void stop();

 private:
  void run() noexcept;

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
};

}  // namespace ddb
