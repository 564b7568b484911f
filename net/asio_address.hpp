#pragma once
// "HOST:PORT" parsing and resolution for the asio transport (private to net/).
#include <string>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "core/result.hpp"

namespace ddb {

struct host_port {
  std::string host;  // without IPv6 brackets
  std::string port;  // decimal digits, 0..65535
};

// Accepts "127.0.0.1:4000", "localhost:0" and "[::1]:4000".
result<host_port> parse_host_port(const std::string& address);

// Resolves `hp` for binding (blocking, but numeric hosts need no lookup); the first endpoint.
result<asio::ip::tcp::endpoint> resolve_passive(asio::io_context& io, const host_port& hp);

}  // namespace ddb
