#pragma once
// A client of a node's control API (docs/api.md), for the CLI's online form (`--node N`).
// N is the node's storage folder (its node.sock), a socket path, or http://HOST:PORT (then the
// token is read from a token file: the given one, else <folder>/control.token when N was a
// folder). One client per thread; stop() may be called from another thread to end a stream.
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace ddb::control {

struct node_target {
  std::string socket;  // a Unix socket, or ...
  std::string host;    // ... a TCP host and port
  int port = 0;
  std::string token;        // sent as a Bearer token when set
  std::string description;  // for messages: the socket path or the URL
};

// Resolves `--node N` (and `--token-file F`, which may be empty).
result<node_target> resolve_node(const std::string& node, const std::string& token_file);

struct http_reply {
  int status = 0;
  std::string body;
};

class control_client {
 public:
  explicit control_client(node_target target);
  ~control_client();
  control_client(const control_client&) = delete;
  control_client& operator=(const control_client&) = delete;

  result<http_reply> get(const std::string& path);
  result<http_reply> del(const std::string& path);
  result<http_reply> post(const std::string& path, const std::string& body,
                          const std::string& content_type);
  // A body produced piece by piece (chunked): `next` fills `out` and returns false at the end.
  result<http_reply> post_stream(const std::string& path,
                                 const std::function<bool(std::string& out)>& next);
  // GET whose 2xx body goes to `on_data` as it arrives (a non-2xx reply's body is returned).
  // `on_data` returning false, or stop(), ends the transfer (canceled).
  result<http_reply> get_stream(const std::string& path,
                                const std::function<bool(const char*, size_t)>& on_data);
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// The status a non-2xx reply stands for: the server's {"error":{code, message}} (the code
// mapped back to an errc when it names one), or the HTTP status.
status reply_error(const http_reply& reply);

}  // namespace ddb::control
