#pragma once
// Errors as values: `status` (a code plus a message; ok is cheap) and `result<T>` (a value or a
// status). No exceptions cross module or actor boundaries.
#include <optional>
#include <string>
#include <utility>

#include "core/assert.hpp"
#include "core/errc.hpp"

namespace ddb {

class status {
 public:
  status() = default;
  status(errc code, std::string message) : code_(code), message_(std::move(message)) {}

  static status ok() { return {}; }

  bool is_ok() const noexcept { return code_ == errc::ok; }
  explicit operator bool() const noexcept { return is_ok(); }
  errc code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  // "bad_index: index 7 is beyond length 3"
  std::string to_string() const;

 private:
  errc code_ = errc::ok;
  std::string message_;
};

inline status make_error(errc code, std::string message) {
  return {code, std::move(message)};
}

template <class T>
class result {
 public:
  result(T value) : value_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  result(status error) : error_(std::move(error)) {  // NOLINT(google-explicit-constructor)
    DDB_ASSERT(!error_.is_ok());
  }

  bool has_value() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    DDB_ASSERT(value_);
    return *value_;
  }
  const T& value() const& {
    DDB_ASSERT(value_);
    return *value_;
  }
  T&& value() && {
    DDB_ASSERT(value_);
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const status& error() const noexcept { return error_; }

 private:
  std::optional<T> value_;
  status error_;
};

// Propagate a failing status from an expression that yields `status`.
#define DDB_TRY(expr)                   \
  do {                                  \
    ::ddb::status ddb_try_s_ = (expr);  \
    if (!ddb_try_s_) return ddb_try_s_; \
  } while (0)

}  // namespace ddb
