#include "net/asio_connection.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <caf/send.hpp>

#include "net/transport_atoms.hpp"

namespace ddb {

std::string format_endpoint(const asio::ip::tcp::endpoint& ep) {
  try {
    std::string host = ep.address().to_string();
    if (ep.address().is_v6()) host = "[" + host + "]";
    return host + ":" + std::to_string(ep.port());
  } catch (...) {
    return "?:" + std::to_string(ep.port());
  }
}

namespace {

// How long close() waits for queued writes to drain and for the peer's FIN before it resets the
// connection: a peer that neither reads nor closes must not keep the socket (and its fd).
constexpr std::chrono::seconds close_linger{3};

// Posts `fn` unless the io_context was stopped (its io thread is gone): the handler would never
// run, and, holding the connection that holds the io_context, would keep both alive for good.
// (Our sockets always run on a strand of an io_context.)
template <class Executor, class Fn>
void post_live(const Executor& ex, Fn&& fn) {
  auto& io = static_cast<asio::io_context&>(asio::query(ex, asio::execution::context));
  if (!io.stopped()) asio::post(ex, std::forward<Fn>(fn));
}

std::string remote_of(const asio::ip::tcp::socket& socket) {
  asio::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  return ec ? std::string("tcp ?") : "tcp " + format_endpoint(ep);
}

}  // namespace

asio_connection::asio_connection(socket_type socket, bool initiator)
    : socket_(std::move(socket)), initiator_(initiator), remote_(remote_of(socket_)) {
  read_buf_.resize(initial_read_size);
}

void asio_connection::start() {
  post_live(socket_.get_executor(), [self = shared_from_this()] { self->do_read(); });
}

void asio_connection::abort(std::string reason) {
  post_live(socket_.get_executor(), [self = shared_from_this(), r = std::move(reason)]() mutable {
    self->fail(std::move(r));
  });
}

void asio_connection::reset(std::string reason) {
  post_live(socket_.get_executor(), [self = shared_from_this(), r = std::move(reason)]() mutable {
    self->fail(std::move(r), true);
  });
}

void asio_connection::attach(caf::actor owner) {
  post_live(socket_.get_executor(), [self = shared_from_this(), o = std::move(owner)]() mutable {
    self->do_attach(std::move(o));
  });
}

void asio_connection::write(byte_buffer bytes) {
  if (bytes.empty()) return;
  pending_.fetch_add(bytes.size());
  post_live(socket_.get_executor(), [self = shared_from_this(), b = std::move(bytes)]() mutable {
    self->enqueue(std::move(b));
  });
}

void asio_connection::close() {
  post_live(socket_.get_executor(), [self = shared_from_this()] { self->do_close(); });
}

void asio_connection::set_reading(bool on) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), on] { self->do_set_reading(on); });
}

void asio_connection::do_set_reading(bool on) {
  paused_ = !on;
  if (on) do_read();  // no-op while a read is outstanding
}

uint64_t asio_connection::pending_bytes() const {
  return pending_.load();
}

std::string asio_connection::remote_address() const {
  return remote_;
}

bool asio_connection::initiator() const {
  return initiator_;
}

void asio_connection::do_attach(caf::actor owner) {
  if (attached_) return;  // REQUIRES: attach once; later calls are ignored
  attached_ = true;
  owner_ = std::move(owner);
  for (auto& bytes : inbox_) caf::anon_send(owner_, ddb_recv_atom_v, std::move(bytes));
  inbox_.clear();
  inbox_bytes_ = 0;
  if (dead_) {
    send_down();
  } else {
    do_read();  // resumes a read loop paused by a full inbox
  }
}

void asio_connection::do_read() {
  if (dead_ || reading_ || paused_) return;                   // set_reading(true) resumes
  if (!attached_ && inbox_bytes_ >= max_inbox_bytes) return;  // attach resumes
  reading_ = true;
  socket_.async_read_some(
      asio::buffer(read_buf_),
      [self = shared_from_this()](const asio::error_code& ec, size_t n) { self->on_read(ec, n); });
}

void asio_connection::on_read(const asio::error_code& ec, size_t n) {
  reading_ = false;
  if (n > 0 && !dead_) {
    if (n == read_buf_.size()) {  // the read filled the buffer: hand it over, grow the next one
      size_t next = std::min(read_buf_.size() * 2, max_read_size);
      deliver(std::exchange(read_buf_, byte_buffer(next)));
    } else {
      deliver(byte_buffer(read_buf_.begin(), read_buf_.begin() + static_cast<ptrdiff_t>(n)));
    }
  }
  if (ec) {
    if (ec == asio::error::eof) {
      fail(closing_ ? "closed" : "closed by peer");
    } else {
      fail(ec.message());
    }
    return;
  }
  do_read();
}

void asio_connection::deliver(byte_buffer bytes) {
  if (attached_) {
    caf::anon_send(owner_, ddb_recv_atom_v, std::move(bytes));
    return;
  }
  inbox_bytes_ += bytes.size();
  inbox_.push_back(std::move(bytes));
}

void asio_connection::enqueue(byte_buffer bytes) {
  if (dead_ || closing_) {  // nothing more goes out after close() or an error
    pending_.fetch_sub(bytes.size());
    return;
  }
  queue_.push_back(std::move(bytes));
  if (in_flight_.empty()) start_write();
}

void asio_connection::start_write() {
  in_flight_.swap(queue_);
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(in_flight_.size());
  in_flight_bytes_ = 0;
  for (const auto& b : in_flight_) {
    buffers.emplace_back(b.data(), b.size());
    in_flight_bytes_ += b.size();
  }
  asio::async_write(
      socket_, buffers,
      [self = shared_from_this()](const asio::error_code& ec, size_t) { self->on_write(ec); });
}

void asio_connection::on_write(const asio::error_code& ec) {
  pending_.fetch_sub(in_flight_bytes_);
  in_flight_bytes_ = 0;
  in_flight_.clear();
  if (dead_) return;
  if (ec) {
    fail(ec.message());
  } else if (!queue_.empty()) {
    start_write();
  } else if (closing_) {
    shutdown_send();
  }
}

void asio_connection::do_close() {
  if (dead_ || closing_) return;
  closing_ = true;
  auto timer = std::make_shared<asio::steady_timer>(socket_.get_executor(), close_linger);
  timer->async_wait([weak = weak_from_this(), timer](const asio::error_code& ec) {
    auto self = weak.lock();
    if (!ec && self) self->fail("closed (the peer did not close in time)");
  });
  if (in_flight_.empty()) shutdown_send();  // else on_write does it once the queue drains
}

// Everything queued went out: send FIN and keep reading until the peer closes too, so that
// nothing the peer sent is cut off by a reset; the read loop then reports the end.
void asio_connection::shutdown_send() {
  asio::error_code ec;
  socket_.shutdown(socket_type::shutdown_send, ec);
  if (ec) fail(ec.message());
}

void asio_connection::fail(std::string reason, bool reset) {
  if (dead_) return;
  dead_ = true;
  down_reason_ = std::move(reason);
  asio::error_code ignored;
  if (reset)
    socket_.set_option(asio::socket_base::linger(true, 0), ignored);  // close() sends RST
  else
    socket_.shutdown(socket_type::shutdown_both, ignored);
  socket_.close(ignored);  // pending operations complete with operation_aborted
  for (const auto& b : queue_) pending_.fetch_sub(b.size());
  queue_.clear();
  send_down();
}

void asio_connection::send_down() {
  if (down_sent_ || !attached_) return;
  down_sent_ = true;
  caf::anon_send(owner_, ddb_down_atom_v, down_reason_);
  owner_ = caf::actor{};  // nothing more is delivered
}

}  // namespace ddb
