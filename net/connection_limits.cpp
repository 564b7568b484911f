#include "net/connection_limits.hpp"

#include <algorithm>
#include <cctype>

namespace ddb {

std::string address_host(const std::string& address) {
  std::string s = address.rfind("tcp ", 0) == 0 ? address.substr(4) : address;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    return close == std::string::npos ? s : s.substr(1, close - 1);
  }
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return s;
  std::string host = s.substr(0, colon);
  // Only an IPv4 address loses its port: other addresses (the simulator's "sim:3") are kept
  // whole, so that each names one remote.
  bool ipv4 = std::all_of(host.begin(), host.end(), [](char c) {
    return c == '.' || std::isdigit(static_cast<unsigned char>(c));
  });
  return ipv4 ? host : s;
}

}  // namespace ddb
