// `node.control:`: where the control API listens (docs/config.md, docs/api.md).
#include <string>

#include "config/config_sections.hpp"

namespace ddb::config_detail {

namespace {

// The host part of "HOST:PORT" (IPv6 without its brackets).
std::string host_of(const std::string& address) {
  std::string host = address.substr(0, address.rfind(':'));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return host;
}

bool loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

void parse_control(yaml_reader& r, const YAML::Node& section, node_config& c) {
  const std::string path = "node.control";
  if (!section.IsDefined() ||
      !r.check_map(section, path, {"socket", "listen", "allow_remote", "off"})) {
    return;
  }
  control_config& cc = c.control;
  r.read_bool(section, path, "off", cc.off);
  r.read_path(section, path, "socket", cc.socket);
  r.read_address(section, path, "listen", true, cc.listen);
  r.read_bool(section, path, "allow_remote", cc.allow_remote);
  if (r.ok() && !cc.listen.empty() && !cc.allow_remote && !loopback_host(host_of(cc.listen))) {
    r.fail(field(section, "listen"), path + ".listen",
           "\"" + cc.listen +
               "\" is not a loopback address: the API would be reachable from other machines "
               "(set allow_remote: true to accept that)");
  }
}

}  // namespace ddb::config_detail
