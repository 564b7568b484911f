#include "net/asio_transport.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>

#include "net/asio_address.hpp"
#include "net/asio_connection.hpp"

namespace ddb {

namespace {

using tcp = asio::ip::tcp;
using conn_ptr = std::shared_ptr<asio_connection>;

const char* const shut_reason = "transport shut down";

// The live connections of one transport; shared with the async handlers. Thread-safe.
class registry {
 public:
  // False (and the connection is aborted) once the transport was shut down.
  bool add(const conn_ptr& c, std::string host = {}) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) {
      c->abort(shut_reason);
      return false;
    }
    prune();
    live_.push_back({c, std::move(host), !c->initiator(), false});
    return true;
  }

  // Live inbound connections (evicted ones no longer count): in total and from `host`.
  std::pair<uint64_t, uint64_t> inbound(const std::string& host) {
    std::lock_guard<std::mutex> lock(mu_);
    prune();
    uint64_t total = 0, same = 0;
    for (const auto& e : live_) {
      if (!e.inbound || e.evicted) continue;
      ++total;
      same += e.host == host ? 1 : 0;
    }
    return {total, same};
  }

  // Resets the oldest inbound connection from `host` that has not finished its handshake; false
  // when every one of them has.
  bool evict_handshaking(const std::string& host) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& e : live_) {  // oldest first
      if (!e.inbound || e.evicted || e.host != host) continue;
      auto c = e.conn.lock();
      if (!c || c->handshaken()) continue;
      e.evicted = true;
      c->reset("evicted: unfinished handshake, too many connections from " + host);
      return true;
    }
    return false;
  }

  void close_all() {
    std::vector<entry> live;
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
      live.swap(live_);
    }
    for (auto& e : live) {
      if (auto c = e.conn.lock()) c->abort(shut_reason);
    }
  }

 private:
  struct entry {
    std::weak_ptr<asio_connection> conn;
    std::string host;
    bool inbound = false;
    bool evicted = false;  // reset by evict_handshaking; its socket is closing
  };

  void prune() {
    live_.erase(
        std::remove_if(live_.begin(), live_.end(), [](const entry& e) { return e.conn.expired(); }),
        live_.end());
  }

  std::mutex mu_;
  std::vector<entry> live_;
  bool closed_ = false;
};

// What every listener and dial of one transport shares.
struct shared_parts {
  std::shared_ptr<registry> reg = std::make_shared<registry>();
  std::shared_ptr<asio::io_context> keep_alive;  // null when the io_context is borrowed
  asio_transport_options options;
};

// The connection holds `keep_alive` (when set) until it is destroyed: its socket needs the
// io_context in its destructor.
conn_ptr make_connection(tcp::socket socket, bool initiator,
                         const std::shared_ptr<asio::io_context>& keep_alive) {
  asio::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (!keep_alive) return std::make_shared<asio_connection>(std::move(socket), initiator);
  return conn_ptr(new asio_connection(std::move(socket), initiator),
                  [keep_alive](asio_connection* c) { delete c; });
}

std::string host_of(const tcp::endpoint& ep) {
  try {
    return ep.address().to_string();
  } catch (...) {
    return "?";
  }
}

// One listening socket and its accept loop (on the acceptor's strand).
class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(asio::io_context& io, std::shared_ptr<shared_parts> parts, accept_handler on_accept)
      : io_(io),
        acceptor_(asio::make_strand(io)),
        timer_(acceptor_.get_executor()),
        parts_(std::move(parts)),
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
    name_ = format_endpoint(bound);
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->accept_next(); });
    return name_;
  }

  void close() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      asio::error_code ignored;
      self->closed_ = true;
      self->timer_.cancel();
      self->acceptor_.close(ignored);
    });
  }

 private:
  void accept_next() {
    if (closed_ || !acceptor_.is_open()) return;
    acceptor_.async_accept(asio::make_strand(io_),
                           [self = shared_from_this()](const asio::error_code& ec, tcp::socket s) {
                             self->on_accepted(ec, std::move(s));
                           });
  }

  void on_accepted(const asio::error_code& ec, tcp::socket socket) {
    if (closed_ || ec == asio::error::operation_aborted) return;  // closed
    if (ec && ec != asio::error::connection_aborted && ec != asio::error::connection_reset) {
      return back_off(ec.message());  // EMFILE, ENFILE, ENOBUFS, ENOMEM...: retrying at once spins
    }
    if (!ec) {
      try {
        admit(std::move(socket));
      } catch (const std::bad_alloc&) {
        return back_off("out of memory");
      } catch (const std::exception& e) {  // a handler threw: drop that socket, keep accepting
        std::fprintf(stderr, "accept on %s: %s\n", name_.c_str(), e.what());
      }
    }
    if (failures_ > 0) {
      std::fprintf(stderr, "accept on %s: accepting again after %llu failed attempts\n",
                   name_.c_str(), static_cast<unsigned long long>(failures_));
      failures_ = 0;
    }
    accept_next();
  }

  // Refuses the socket (closing it at once) or makes it a connection for on_accept_.
  void admit(tcp::socket socket) {
    const asio_transport_options& o = parts_->options;
    asio::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    std::string host = ec ? std::string("?") : host_of(ep);
    if (o.bans && o.bans->banned(host)) return refuse(socket, &connection_counters::refused_banned);
    auto [total, same] = parts_->reg->inbound(host);
    if (o.limits.max_connections > 0 && total >= o.limits.max_connections)
      return refuse(socket, &connection_counters::refused_over_cap);
    if (o.limits.max_per_address > 0 && same >= o.limits.max_per_address) {
      // The address is at its cap: a connection still in its handshake makes room (a peer that
      // shares the address, say behind the same NAT, is not locked out by silent sockets);
      // when all of them finished their handshake, the newcomer is refused.
      if (!parts_->reg->evict_handshaking(host))
        return refuse(socket, &connection_counters::refused_per_address);
      if (o.counters) ++o.counters->handshakes_evicted;
    }
    auto c = make_connection(std::move(socket), false, parts_->keep_alive);
    if (!parts_->reg->add(c, std::move(host))) return;
    c->start();
    try {
      on_accept_(c);
    } catch (...) {
      c->abort("accept handler failed");
      throw;
    }
  }

  void refuse(tcp::socket& socket, std::atomic<uint64_t> connection_counters::*counter) {
    if (parts_->options.counters) ++((*parts_->options.counters).*counter);
    asio::error_code ignored;
    socket.set_option(asio::socket_base::linger(true, 0), ignored);  // reset: no TIME_WAIT
    socket.close(ignored);
  }

  // Accepting failed: retry after a delay that doubles per failure (logged once per episode).
  void back_off(const std::string& why) {
    const connection_limits& l = parts_->options.limits;
    if (parts_->options.counters) ++parts_->options.counters->accept_errors;
    if (failures_++ == 0) {
      std::fprintf(stderr, "accept on %s: %s; retrying with backoff\n", name_.c_str(), why.c_str());
      delay_ = l.accept_backoff_min;
    } else {
      delay_ = std::min(delay_ * 2, l.accept_backoff_max);
    }
    timer_.expires_after(delay_);
    timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
      if (!ec) self->accept_next();
    });
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  asio::steady_timer timer_;  // the accept backoff
  std::shared_ptr<shared_parts> parts_;
  accept_handler on_accept_;
  std::string name_;
  bool closed_ = false;
  uint64_t failures_ = 0;  // in the current episode
  std::chrono::milliseconds delay_{0};
};

// One dial: resolve, then connect, on one strand.
struct dial_op : std::enable_shared_from_this<dial_op> {
  using done_fn = std::function<void(result<connection_ptr>)>;

  dial_op(asio::io_context& io, std::shared_ptr<shared_parts> p, std::string a, done_fn d)
      : strand(asio::make_strand(io)),
        resolver(strand),
        socket(strand),
        parts(std::move(p)),
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
    auto c = make_connection(std::move(socket), true, parts->keep_alive);
    if (!parts->reg->add(c))
      return done(make_error(errc::closed, "dial " + address + ": " + shut_reason));
    c->start();
    done(connection_ptr(c));
  }

  asio::strand<asio::io_context::executor_type> strand;
  tcp::resolver resolver;
  tcp::socket socket;
  std::shared_ptr<shared_parts> parts;
  std::string address;
  done_fn done;
};

class asio_transport final : public transport {
 public:
  asio_transport(asio::io_context& io, std::shared_ptr<asio::io_context> keep_alive,
                 asio_transport_options options)
      : io_(io), parts_(std::make_shared<shared_parts>()) {
    parts_->keep_alive = std::move(keep_alive);
    parts_->options = std::move(options);
  }
  ~asio_transport() override { shutdown(); }

  result<std::string> listen(const std::string& address, accept_handler on_accept) override {
    auto hp = parse_host_port(address);
    if (!hp) return hp.error();
    auto ep = resolve_passive(io_, *hp);
    if (!ep) return ep.error();
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_) return make_error(errc::closed, "listen " + address + ": " + shut_reason);
    auto l = std::make_shared<listener>(io_, parts_, std::move(on_accept));
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
    std::make_shared<dial_op>(io_, parts_, address, std::move(done))->start(*hp);
  }

  void shutdown() override {
    std::vector<std::shared_ptr<listener>> listeners;
    {
      std::lock_guard<std::mutex> lock(mu_);
      shut_ = true;
      listeners.swap(listeners_);
    }
    for (auto& l : listeners) l->close();
    parts_->reg->close_all();
  }

 private:
  asio::io_context& io_;
  std::shared_ptr<shared_parts> parts_;
  std::mutex mu_;
  std::vector<std::shared_ptr<listener>> listeners_;
  bool shut_ = false;
};

}  // namespace

std::unique_ptr<transport> make_asio_transport(asio::io_context& io,
                                               asio_transport_options options) {
  return std::make_unique<asio_transport>(io, nullptr, std::move(options));
}

std::unique_ptr<transport> make_asio_transport(std::shared_ptr<asio::io_context> io,
                                               asio_transport_options options) {
  asio::io_context& ref = *io;
  return std::make_unique<asio_transport>(ref, std::move(io), std::move(options));
}

namespace {

// An io_context whose services can be shut down before it is destroyed.
struct stoppable_context final : asio::io_context {
  using asio::io_context::shutdown;
};

}  // namespace

io_thread::io_thread()
    : io_(std::make_shared<stoppable_context>()),
      work_(asio::make_work_guard(*io_)),
      thread_([this] { run(); }) {}

// Pending handlers hold connections and connections may hold the io_context: shutting the
// services down destroys those handlers (breaking the cycle); connections still owned elsewhere
// keep the io_context alive until they go.
io_thread::~io_thread() {
  stop();
  if (thread_.get_id() == std::this_thread::get_id()) return;  // see stop()
  static_cast<stoppable_context&>(*io_).shutdown();
}

void io_thread::stop() {
  work_.reset();
  io_->stop();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void io_thread::run() noexcept {
  for (;;) {
    try {
      io_->run();
      return;
    } catch (const std::exception& e) {  // a callback threw: report it and keep serving
      std::fprintf(stderr, "io_thread: handler threw: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "io_thread: handler threw\n");
    }
  }
}

}  // namespace ddb
