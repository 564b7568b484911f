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
// until the peer closes its side (the owner gets ddb_down_atom then); after 3 s without the
// peer's FIN (or with writes still queued: a peer that does not read) the socket is reset, so a
// peer cannot keep a closed connection's fd.
//
// Down reasons: "closed" (our close() completed), "closed by peer" (EOF), "transport shut down",
// or the socket error's message. Errors: listen gives invalid_argument (bad address), io_error
// (bind/listen failed) or closed (after shutdown); dial gives invalid_argument, unavailable
// (resolve/connect failed) or closed. shutdown() does not cancel dials in flight: a dial that
// completes afterwards reports closed.
//
// Accepting never stops before shutdown: an accept that fails for lack of resources (EMFILE,
// ENFILE, ENOBUFS, ENOMEM, std::bad_alloc, or any other error) is retried on an asio timer after
// limits.accept_backoff_min, doubling up to accept_backoff_max, with one line on stderr per
// episode (when it starts and when accepting works again); counters->accept_errors counts them.
//
// Admission (limits, net/connection_limits.hpp): an accepted socket is closed at once, before any
// connection exists, when its remote IP is in `bans` (refused_banned) or when max_connections
// inbound connections are live (refused_over_cap). When max_per_address of them come from the
// same IP, the oldest of those that has not finished its handshake (connection::mark_handshaken)
// is reset to make room (handshakes_evicted; its fd is released at once) and the newcomer is
// accepted; only when all of them finished their handshake is the newcomer closed
// (refused_per_address). A connection is live until its socket is closed (a close() lingers at
// most asio_connection's close linger for the peer's FIN) or it is evicted.
//
// Ownership: with the shared_ptr overload every connection holds the io_context, so a connection
// that outlives the io_thread (say, in a peer actor that CAF destroys later) is destroyed while
// its io_context still exists. Once the io_context is stopped (io_thread::stop), connection
// methods do nothing: their handlers could never run.
#include <memory>
#include <optional>
#include <thread>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "net/connection_limits.hpp"
#include "net/transport.hpp"

namespace ddb {

struct asio_transport_options {
  connection_limits limits;                       // max_connections, max_per_address, backoff
  std::shared_ptr<connection_counters> counters;  // optional: what was refused
  std::shared_ptr<address_bans> bans;             // optional: IPs refused at accept
};

// Returns a transport whose sockets run on `io`. Borrowed: `io` must outlive it and every
// connection it made. Destroying the transport shuts it down (see transport::shutdown).
std::unique_ptr<transport> make_asio_transport(asio::io_context& io,
                                               asio_transport_options options = {});
// The same, but every connection (and the transport) keeps `io` alive: prefer it.
std::unique_ptr<transport> make_asio_transport(std::shared_ptr<asio::io_context> io,
                                               asio_transport_options options = {});

// An io_context run by one owned thread, kept busy by a work guard, for programs and tests. A
// handler that throws is reported on stderr and the thread keeps serving.
class io_thread {
 public:
  io_thread();
  // Stops and joins.
  ~io_thread();
  io_thread(const io_thread&) = delete;
  io_thread& operator=(const io_thread&) = delete;

  asio::io_context& context() noexcept { return *io_; }
  // The io_context, for owners that must keep it alive (make_asio_transport's shared overload).
  std::shared_ptr<asio::io_context> shared_context() const noexcept { return io_; }
  // Stops the io_context (handlers not yet run stay queued until the io_context is destroyed)
  // and joins the thread. Idempotent.
  // From the io thread itself it only stops (the destructor then joins).
  void stop();

 private:
  void run() noexcept;

  std::shared_ptr<asio::io_context> io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
};

}  // namespace ddb
