#include "messages/errors.hpp"

#include <caf/sec.hpp>

namespace ddb {

status from_caf_error(const caf::error& e) {
  if (!e) return status::ok();
  std::string text;
  if (e.context().match_elements<std::string>()) text = e.context().get_as<std::string>(0);
  if (e.category() == caf::atom("ddb")) return make_error(static_cast<errc>(e.code()), text);
  if (e.category() == caf::atom("system")) {
    auto code = static_cast<caf::sec>(e.code());
    if (code == caf::sec::request_timeout) return make_error(errc::timeout, "request timed out");
    if (code == caf::sec::request_receiver_down) return make_error(errc::closed, "actor is down");
  }
  return make_error(errc::io_error, "actor error: " + caf::to_string(e));
}

}  // namespace ddb
