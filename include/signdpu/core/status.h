// Status and Result<T>: how untrusted input reports errors without throwing
// across module boundaries and without aborting the process.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "signdpu/core/check.h"

namespace signdpu {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad flag, malformed input, wrong shape
  kNotFound,         // file, device or tensor missing
  kUnsupported,      // valid input that this tool cannot handle (op, opset)
  kOutOfRange,       // constraint outside the DPU's limits
  kIoError,          // read/write failure
  kInternal,         // third-party failure caught at a boundary
  kCancelled,        // stopped by a signal
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prepends "context: " to the message, e.g. the file or node name.
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }
  std::string ToString() const { return ok() ? "OK" : message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return Status(StatusCode::kInvalidArgument, std::move(m)); }
inline Status NotFound(std::string m) { return Status(StatusCode::kNotFound, std::move(m)); }
inline Status Unsupported(std::string m) { return Status(StatusCode::kUnsupported, std::move(m)); }
inline Status OutOfRange(std::string m) { return Status(StatusCode::kOutOfRange, std::move(m)); }
inline Status IoError(std::string m) { return Status(StatusCode::kIoError, std::move(m)); }
inline Status Internal(std::string m) { return Status(StatusCode::kInternal, std::move(m)); }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    SIGNDPU_CHECK(!status_.ok()) << "Result constructed from an OK status without a value";
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & {
    SIGNDPU_CHECK(ok()) << "value() of a failed Result: " << status_.message();
    return *value_;
  }
  const T& value() const& {
    SIGNDPU_CHECK(ok()) << "value() of a failed Result: " << status_.message();
    return *value_;
  }
  T&& value() && {
    SIGNDPU_CHECK(ok()) << "value() of a failed Result: " << status_.message();
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace signdpu

#define SIGNDPU_CONCAT_INNER(a, b) a##b
#define SIGNDPU_CONCAT(a, b) SIGNDPU_CONCAT_INNER(a, b)

// Returns the status from the enclosing function if it is not OK.
#define SIGNDPU_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::signdpu::Status signdpu_status_ = (expr);       \
    if (!signdpu_status_.ok()) return signdpu_status_; \
  } while (0)

#define SIGNDPU_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

// SIGNDPU_ASSIGN_OR_RETURN(auto x, MakeX());
#define SIGNDPU_ASSIGN_OR_RETURN(lhs, expr) \
  SIGNDPU_ASSIGN_OR_RETURN_IMPL(SIGNDPU_CONCAT(signdpu_result_, __LINE__), lhs, expr)
