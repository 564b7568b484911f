#pragma once
// Our errc at the actor boundary: caf::error(code, atom("ddb"), message text).
#include <caf/error.hpp>
#include <caf/make_message.hpp>

#include "core/result.hpp"

namespace ddb {

inline caf::error to_caf_error(const status& s) {
  return caf::error(static_cast<uint8_t>(s.code()), caf::atom("ddb"),
                    caf::make_message(s.message()));
}

// Back to a status: codes from other categories (CAF's own) map to io_error/timeout/closed.
status from_caf_error(const caf::error& e);

}  // namespace ddb
