#include "control/control_server.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <thread>

#include "control/api_context.hpp"
#include "control/node_sample.hpp"
#include "core/random.hpp"
#include "core/types.hpp"

namespace ddb::control {

namespace fs = std::filesystem;

namespace {

constexpr size_t worker_threads = 16;  // live streams hold one each while they last

// True when something accepts connections on the Unix socket `path`.
bool socket_in_use(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  bool used = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return used;
}

status prepare_socket_path(const std::string& path) {
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return make_error(errc::invalid_argument,
                      "control socket path " + path + " is longer than " +
                          std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                          " bytes: set node.control.socket to a shorter one");
  }
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return status::ok();
  if (!S_ISSOCK(st.st_mode))
    return make_error(errc::invalid_argument, path + " exists and is not a socket");
  if (socket_in_use(path))
    return make_error(errc::locked, "another process serves the control API on " + path);
  if (::unlink(path.c_str()) != 0)
    return make_error(errc::io_error, "cannot remove the stale socket " + path);
  return status::ok();
}

// 32 random bytes as hex, written 0600 (a temporary file renamed over the old token). Always the
// production source (libsodium's RNG), never an injected one: the token is a real process's
// secret, not something a simulation replays.
result<std::string> write_token(const std::string& path) {
  std::array<uint8_t, 32> raw = random_source().bytes<32>();
  std::string token = to_hex(byte_view(raw.data(), raw.size()));
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(errc::io_error, "cannot write " + tmp);
  std::string line = token + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error(errc::io_error, "cannot write " + path);
  return token;
}

bool loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

const char* code_for(int http_status) {
  switch (http_status) {
    case 400:
      return "invalid_argument";
    case 401:
      return "unauthorized";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "too_large";
    default:
      return "error";
  }
}

}  // namespace

struct control_server::impl {
  impl(caf::actor_system& sys, node& n) : ctx(sys, n), rates(ctx) { ctx.rates = &rates; }
  api_context ctx;
  peer_rates rates;
  httplib::Server unix_server;
  std::unique_ptr<httplib::Server> tcp_server;
  std::thread unix_thread, tcp_thread;
  std::string socket, tcp_address, token, token_path;
  bool stopped = false;

  void configure(httplib::Server& s, bool needs_token) {
    s.new_task_queue = [] { return new httplib::ThreadPool(worker_threads); };
    s.set_keep_alive_timeout(2);
    s.set_read_timeout(10);
    if (needs_token) {
      s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        std::string want = "Bearer " + token;
        std::string got = req.get_header_value("Authorization");
        bool ok =
            got.size() == want.size() && sodium_memcmp(got.data(), want.data(), got.size()) == 0;
        if (ok) return httplib::Server::HandlerResponse::Unhandled;
        res.set_header("WWW-Authenticate", "Bearer");
        send_error(
            res, 401, "unauthorized",
            "this listener needs Authorization: Bearer TOKEN (the token is in " + token_path + ")");
        return httplib::Server::HandlerResponse::Handled;
      });
    }
    s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      send_error(res, res.status, code_for(res.status),
                 res.status == 404 ? "no such endpoint (see docs/api.md)"
                                   : "malformed request (" + std::to_string(res.status) + ")");
    });
    s.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "internal error";
          try {
            if (ep) std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          send_error(res, 500, "internal", what);
        });
    add_feed_routes(s, ctx);
    add_block_routes(s, ctx);
    add_node_routes(s, ctx);
  }

  status start_unix() {
    if (status s = prepare_socket_path(socket); !s) return s;
    configure(unix_server, false);
    unix_server.set_address_family(AF_UNIX);
    if (!unix_server.bind_to_port(socket, 80))
      return make_error(errc::io_error, "cannot listen on the control socket " + socket);
    ::chmod(socket.c_str(), 0600);  // only the node's user may connect
    unix_thread = std::thread([this] { unix_server.listen_after_bind(); });
    return status::ok();
  }

  status start_tcp(const control_config& cc) {
    std::string host = cc.listen.substr(0, cc.listen.rfind(':'));
    std::string port = cc.listen.substr(cc.listen.rfind(':') + 1);
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (!loopback(host) && !cc.allow_remote) {
      return make_error(errc::invalid_argument,
                        "node.control.listen " + cc.listen +
                            " is not a loopback address (set allow_remote: true to accept that)");
    }
    tcp_server = std::make_unique<httplib::Server>();
    configure(*tcp_server, true);
    int p = std::atoi(port.c_str());
    int bound =
        p == 0 ? tcp_server->bind_to_any_port(host) : (tcp_server->bind_to_port(host, p) ? p : -1);
    if (bound <= 0) return make_error(errc::io_error, "cannot listen on " + cc.listen);
    tcp_address = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                  std::to_string(bound);
    tcp_thread = std::thread([this] { tcp_server->listen_after_bind(); });
    return status::ok();
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    ctx.stopping = true;
    rates.stop();
    unix_server.stop();
    if (tcp_server) tcp_server->stop();
    if (unix_thread.joinable()) unix_thread.join();
    if (tcp_thread.joinable()) tcp_thread.join();
    if (!socket.empty()) ::unlink(socket.c_str());
  }
};

std::string token_file_path(const std::string& storage) {
  return (fs::path(storage) / "control.token").string();
}

std::string socket_path_of(const node_config& config) {
  if (!config.control.socket.empty()) return config.control.socket;
  return (fs::path(config.storage) / "node.sock").string();
}

control_server::control_server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

control_server::~control_server() {
  stop();
}

void control_server::stop() {
  if (impl_) impl_->stop();
}

const std::string& control_server::socket_path() const {
  return impl_->socket;
}
const std::string& control_server::tcp_address() const {
  return impl_->tcp_address;
}
const std::string& control_server::token_path() const {
  return impl_->token_path;
}

std::unique_lock<std::mutex> control_server::lock_runtime_feeds() {
  return std::unique_lock<std::mutex>(impl_->ctx.runtime_mutex);
}

void control_server::set_yaml_feeds(std::set<std::string> names) {
  impl_->ctx.yaml_feeds = std::move(names);
}

result<std::unique_ptr<control_server>> control_server::start(caf::actor_system& sys, node& n,
                                                              control_options options) {
  auto p = std::make_unique<impl>(sys, n);
  p->ctx.version = std::move(options.version);
  p->ctx.yaml_feeds = std::move(options.yaml_feeds);
  p->ctx.started = sys.clock().now();
  const node_config& cfg = n.config();
  std::error_code ec;
  fs::create_directories(cfg.storage, ec);
  p->token_path = token_file_path(cfg.storage);
  auto token = write_token(p->token_path);
  if (!token) return token.error();
  p->token = *token;
  p->socket = socket_path_of(cfg);
  if (cfg.control.socket.empty()) ::chmod(cfg.storage.c_str(), 0700);
  std::unique_ptr<control_server> server(new control_server(std::move(p)));
  if (status s = server->impl_->start_unix(); !s) {
    server->impl_->socket.clear();  // not ours: leave it
    return s;
  }
  if (!cfg.control.listen.empty()) {
    if (status s = server->impl_->start_tcp(cfg.control); !s) return s;
  }
  server->impl_->rates.start();
  return server;
}

}  // namespace ddb::control
