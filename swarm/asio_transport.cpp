#include "swarm/asio_transport.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <mutex>
#include <utility>
#include <vector>

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>

#include "swarm/asio_address.hpp"
#include "swarm/asio_connection.hpp"

namespace ddb {

namespace {

using tcp = asio::ip::tcp;
using conn_ptr = std::shared_ptr<asio_connection>;

const char* const shut_reason = "transport shut down";

// The live connections of one transport; shared with the async handlers. Thread-safe.
class registry {
 public:
  // False (and the connection is aborted) once the transport was shut down.
  bool add(const conn_ptr& c) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) {
      c->abort(shut_reason);
      return false;
    }
    live_.erase(std::remove_if(live_.begin(), live_.end(), [](auto& w) { return w.expired(); }),
                live_.end());
    live_.push_back(c);
    return true;
  }

  void close_all() {
    std::vector<std::weak_ptr<asio_connection>> live;
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
      live.swap(live_);
    }
    for (auto& w : live) {
      if (auto c = w.lock()) c->abort(shut_reason);
    }
  }

 private:
  std::mutex mu_;
  std::vector<std::weak_ptr<asio_connection>> live_;
  bool closed_ = false;
};

conn_ptr make_connection(tcp::socket socket, bool initiator) {
  asio::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  return std::make_shared<asio_connection>(std::move(socket), initiator);
}

// One listening socket and its accept loop (on the acceptor's strand).
class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(asio::io_context& io, std::shared_ptr<registry> reg, accept_handler on_accept)
      : io_(io),
        acceptor_(asio::make_strand(io)),
        reg_(std::move(reg)),
        on_accept_(std::move(on_accept)) {}

  // Binds and listens; returns the bound address.
  result<std::string> open(const tcp::endpoint& ep) {
    asio::error_code ec;
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    tcp::endpoint bound;
    if (!ec) bound = acceptor_.local_endpoint(ec);
    if (ec)
      return make_error(errc::io_error, "listen " + format_endpoint(ep) + ": " + ec.message());
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->accept_next(); });
    return format_endpoint(bound);
  }

  void close() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      asio::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

 private:
  void accept_next() {
    if (!acceptor_.is_open()) return;
    acceptor_.async_accept(asio::make_strand(io_),
                           [self = shared_from_this()](const asio::error_code& ec, tcp::socket s) {
                             self->on_accepted(ec, std::move(s));
                           });
  }

  void on_accepted(const asio::error_code& ec, tcp::socket socket) {
    if (!ec) {
      auto c = make_connection(std::move(socket), false);
      if (reg_->add(c)) {
        c->start();
        on_accept_(c);
      }
    } else if (ec != asio::error::connection_aborted && ec != asio::error::connection_reset) {
      return;  // closed, or a persistent error (no clock to back off with): stop accepting
    }
    accept_next();
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::shared_ptr<registry> reg_;
  accept_handler on_accept_;
};

// One dial: resolve, then connect, on one strand.
struct dial_op : std::enable_shared_from_this<dial_op> {
  using done_fn = std::function<void(result<connection_ptr>)>;

  dial_op(asio::io_context& io, std::shared_ptr<registry> r, std::string a, done_fn d)
      : strand(asio::make_strand(io)),
        resolver(strand),
        socket(strand),
        reg(std::move(r)),
        address(std::move(a)),
        done(std::move(d)) {}

  void start(const host_port& hp) {
    resolver.async_resolve(hp.host, hp.port, [self = shared_from_this()](auto ec, auto results) {
      if (ec) return self->finish(ec);
      asio::async_connect(self->socket, results,
                          [self](auto ec2, const tcp::endpoint&) { self->finish(ec2); });
    });
  }

  void finish(const asio::error_code& ec) {
    if (ec) return done(make_error(errc::unavailable, "dial " + address + ": " + ec.message()));
    auto c = make_connection(std::move(socket), true);
    if (!reg->add(c)) return done(make_error(errc::closed, "dial " + address + ": " + shut_reason));
    c->start();
    done(connection_ptr(c));
  }

  asio::strand<asio::io_context::executor_type> strand;
  tcp::resolver resolver;
  tcp::socket socket;
  std::shared_ptr<registry> reg;
  std::string address;
  done_fn done;
};

class asio_transport final : public transport {
 public:
  explicit asio_transport(asio::io_context& io) : io_(io), reg_(std::make_shared<registry>()) {}
  ~asio_transport() override { shutdown(); }

  result<std::string> listen(const std::string& address, accept_handler on_accept) override {
    auto hp = parse_host_port(address);
    if (!hp) return hp.error();
    auto ep = resolve_passive(io_, *hp);
    if (!ep) return ep.error();
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_) return make_error(errc::closed, "listen " + address + ": " + shut_reason);
    auto l = std::make_shared<listener>(io_, reg_, std::move(on_accept));
    auto bound = l->open(*ep);
    if (bound) listeners_.push_back(std::move(l));
    return bound;
  }

  void dial(const std::string& address, std::function<void(result<connection_ptr>)> done) override {
    auto hp = parse_host_port(address);
    if (!hp) {
      asio::post(io_, [done = std::move(done), e = hp.error()] { done(e); });
      return;
    }
    std::make_shared<dial_op>(io_, reg_, address, std::move(done))->start(*hp);
  }

  void shutdown() override {
    std::vector<std::shared_ptr<listener>> listeners;
    {
      std::lock_guard<std::mutex> lock(mu_);
      shut_ = true;
      listeners.swap(listeners_);
    }
    for (auto& l : listeners) l->close();
    reg_->close_all();
  }

 private:
  asio::io_context& io_;
  std::shared_ptr<registry> reg_;
  std::mutex mu_;
  std::vector<std::shared_ptr<listener>> listeners_;
  bool shut_ = false;
};

}  // namespace

std::unique_ptr<transport> make_asio_transport(asio::io_context& io) {
  return std::make_unique<asio_transport>(io);
}

io_thread::io_thread() : work_(asio::make_work_guard(io_)), thread_([this] { run(); }) {}

io_thread::~io_thread() {
  stop();
}

void io_thread::stop() {
  work_.reset();
  io_.stop();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void io_thread::run() noexcept {
  for (;;) {
    try {
      io_.run();
      return;
    } catch (const std::exception& e) {  // a callback threw: report it and keep serving
      std::fprintf(stderr, "io_thread: handler threw: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "io_thread: handler threw\n");
    }
  }
}

}  // namespace ddb
