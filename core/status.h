// Status and Result<T>: how core reports operating errors. Core never throws across
// its API; callers must look at the code. Programmer errors use RINGKV_ASSERT instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/assert.h"

namespace ringkv {

enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,  // bad input from a client, a peer or a flag
  kNotFound,
  kCorruption,       // checksum mismatch, malformed on-disk or on-wire data
  kIoError,          // the Env failed (includes injected faults)
  kNoSpace,          // disk full
  kLimitExceeded,    // a named limit was hit
  kUnavailable,      // quorum not reached, peer down
  kTimeout,
  kConflict,         // the request conflicts with the current state (a change in progress)
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return Status(); }
  static Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status no_space(std::string m) { return {StatusCode::kNoSpace, std::move(m)}; }
  static Status limit_exceeded(std::string m) { return {StatusCode::kLimitExceeded, std::move(m)}; }
  static Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status timeout(std::string m) { return {StatusCode::kTimeout, std::move(m)}; }
  static Status conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corruption: bad CRC in wal-000001.log at offset 4096"
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    RINGKV_ASSERT_MSG(!status_.ok(), "Result constructed from an ok Status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & {
    RINGKV_ASSERT_MSG(ok(), status_.message().c_str());
    return *value_;
  }
  const T& value() const& {
    RINGKV_ASSERT_MSG(ok(), status_.message().c_str());
    return *value_;
  }
  T&& value() && {
    RINGKV_ASSERT_MSG(ok(), status_.message().c_str());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace ringkv

// Return early from a function returning Status or Result<T> when `expr` failed.
#define RINGKV_RETURN_IF_ERROR(expr)              \
  do {                                            \
    ::ringkv::Status ringkv_status_ = (expr);     \
    if (!ringkv_status_.ok()) return ringkv_status_; \
  } while (0)
