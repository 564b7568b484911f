#include "control/control_client.hpp"

#include <sys/socket.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace ddb::control {

namespace fs = std::filesystem;

namespace {

result<std::string> read_token(const std::string& path) {
  std::ifstream in(path);
  std::string token;
  if (!in || !std::getline(in, token) || token.empty())
    return make_error(errc::not_found, "cannot read a token from " + path);
  return token;
}

status transport_error(const node_target& t, httplib::Error e) {
  return make_error(errc::unavailable,
                    "cannot reach the node at " + t.description + ": " + httplib::to_string(e));
}

}  // namespace

result<node_target> resolve_node(const std::string& node, const std::string& token_file) {
  node_target t;
  const std::string scheme = "http://";
  if (node.rfind(scheme, 0) == 0) {
    std::string rest = node.substr(scheme.size());
    rest = rest.substr(0, rest.find('/'));
    auto colon = rest.rfind(':');
    if (colon == std::string::npos)
      return make_error(errc::invalid_argument, "--node " + node + ": expected http://HOST:PORT");
    t.host = rest.substr(0, colon);
    if (t.host.size() >= 2 && t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
    t.port = std::atoi(rest.substr(colon + 1).c_str());
    if (t.port <= 0 || t.port > 65535)
      return make_error(errc::invalid_argument, "--node " + node + ": a bad port");
    t.description = node;
    if (token_file.empty()) {
      return make_error(errc::invalid_argument,
                        "--node " + node + " needs --token-file (the node's control.token)");
    }
  } else {
    std::error_code ec;
    if (fs::is_directory(node, ec)) {
      t.socket = (fs::path(node) / "node.sock").string();
    } else {
      t.socket = node;
    }
    struct stat st {};
    if (::stat(t.socket.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
      return make_error(errc::unavailable,
                        "no node is running at " + node + " (no socket " + t.socket + ")");
    }
    t.description = t.socket;
  }
  if (!token_file.empty()) {
    auto token = read_token(token_file);
    if (!token) return token.error();
    t.token = *token;
  }
  return t;
}

struct control_client::impl {
  node_target target;
  httplib::Client http;
  explicit impl(node_target t)
      : target(std::move(t)),
        http(target.socket.empty() ? httplib::Client(target.host, target.port)
                                   : httplib::Client(target.socket)) {
    if (!target.socket.empty()) http.set_address_family(AF_UNIX);
    http.set_connection_timeout(5);
    http.set_read_timeout(60);
    http.set_write_timeout(60);
    if (!target.token.empty()) http.set_bearer_token_auth(target.token.c_str());
  }
  result<http_reply> reply(const httplib::Result& r) {
    if (!r) return transport_error(target, r.error());
    return http_reply{r->status, r->body};
  }
};

control_client::control_client(node_target target)
    : impl_(std::make_unique<impl>(std::move(target))) {}
control_client::~control_client() = default;

result<http_reply> control_client::get(const std::string& path) {
  return impl_->reply(impl_->http.Get(path.c_str()));
}
result<http_reply> control_client::del(const std::string& path) {
  return impl_->reply(impl_->http.Delete(path.c_str()));
}
result<http_reply> control_client::post(const std::string& path, const std::string& body,
                                        const std::string& content_type) {
  return impl_->reply(impl_->http.Post(path.c_str(), body, content_type.c_str()));
}

result<http_reply> control_client::post_stream(const std::string& path,
                                               const std::function<bool(std::string& out)>& next) {
  std::string piece;
  auto provider = [&](size_t, httplib::DataSink& sink) {
    piece.clear();
    bool more = next(piece);
    if (!piece.empty() && !sink.write(piece.data(), piece.size())) return false;
    if (!more) sink.done();
    return true;
  };
  return impl_->reply(impl_->http.Post(
      path.c_str(), httplib::ContentProviderWithoutLength(provider), "application/octet-stream"));
}

result<http_reply> control_client::get_stream(
    const std::string& path, const std::function<bool(const char*, size_t)>& on_data) {
  http_reply out;
  // A live stream is quiet while the feed does not grow: only a closed connection ends it.
  impl_->http.set_read_timeout(std::chrono::hours(24));
  auto r = impl_->http.Get(
      path.c_str(),
      [&](const httplib::Response& res) {
        out.status = res.status;
        return true;
      },
      [&](const char* data, size_t n) {
        if (out.status / 100 != 2) {
          out.body.append(data, n);
          return true;
        }
        return on_data(data, n);
      });
  impl_->http.set_read_timeout(60);
  if (!r) return transport_error(impl_->target, r.error());
  out.status = r->status;
  return out;
}

void control_client::stop() {
  impl_->http.stop();
}

status reply_error(const http_reply& reply) {
  auto j = nlohmann::json::parse(reply.body, nullptr, false);
  std::string code, message = "HTTP " + std::to_string(reply.status);
  if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object()) {
    code = j["error"].value("code", "");
    message = j["error"].value("message", message);
  }
  for (uint8_t c = 1; c <= static_cast<uint8_t>(last_errc); ++c) {
    if (to_string(static_cast<errc>(c)) == code) return make_error(static_cast<errc>(c), message);
  }
  if (reply.status == 401) return make_error(errc::invalid_argument, "unauthorized: " + message);
  if (reply.status == 409) return make_error(errc::invalid_argument, message);
  return make_error(errc::io_error, message);
}

}  // namespace ddb::control
