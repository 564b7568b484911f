#include "core/errc.hpp"

#include "core/result.hpp"

namespace ddb {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::ok:
      return "ok";
    case errc::bad_index:
      return "bad_index";
    case errc::block_too_large:
      return "block_too_large";
    case errc::not_writable:
      return "not_writable";
    case errc::key_mismatch:
      return "key_mismatch";
    case errc::not_found:
      return "not_found";
    case errc::closed:
      return "closed";
    case errc::io_error:
      return "io_error";
    case errc::corruption:
      return "corruption";
    case errc::bad_signature:
      return "bad_signature";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::locked:
      return "locked";
    case errc::timeout:
      return "timeout";
    case errc::cancelled:
      return "cancelled";
    case errc::protocol_error:
      return "protocol_error";
    case errc::unavailable:
      return "unavailable";
    case errc::no_space:
      return "no_space";
    case errc::forked:
      return "forked";
    case errc::unlinked:
      return "unlinked";
    case errc::bad_encoding:
      return "bad_encoding";
  }
  return "unknown";
}

std::string status::to_string() const {
  std::string out(ddb::to_string(code_));
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

}  // namespace ddb
