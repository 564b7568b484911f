#include "net/asio_address.hpp"

#include <cctype>

namespace ddb {

namespace {

bool valid_port(const std::string& port) {
  if (port.empty() || port.size() > 5) return false;
  for (char ch : port) {
    if (!std::isdigit(static_cast<unsigned char>(ch))) return false;
  }
  return std::stoul(port) <= 65535;
}

}  // namespace

result<host_port> parse_host_port(const std::string& address) {
  auto bad = [&] { return make_error(errc::invalid_argument, "bad address: '" + address + "'"); };
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad();
  host_port hp{address.substr(0, colon), address.substr(colon + 1)};
  if (hp.host.front() == '[') {
    if (hp.host.size() < 3 || hp.host.back() != ']') return bad();
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  } else if (hp.host.find(':') != std::string::npos) {
    return bad();  // an IPv6 host needs brackets
  }
  if (!valid_port(hp.port)) return bad();
  return hp;
}

result<asio::ip::tcp::endpoint> resolve_passive(asio::io_context& io, const host_port& hp) {
  asio::ip::tcp::resolver resolver(io);
  asio::error_code ec;
  auto flags = asio::ip::resolver_base::passive | asio::ip::resolver_base::numeric_service;
  auto results = resolver.resolve(hp.host, hp.port, flags, ec);
  if (ec || results.empty()) {
    std::string why = ec ? ec.message() : "no address";
    return make_error(errc::invalid_argument, "resolve " + hp.host + ": " + why);
  }
  return results.begin()->endpoint();
}

}  // namespace ddb
