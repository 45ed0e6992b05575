// Errors as values at the OS edge: every platform call returns a Result that holds either the
// value or the OS error (errno or Win32 code, with its symbolic name), never throws for an OS
// failure. "Absent" (ENOENT) and "denied" (EACCES) stay distinguishable for the probes.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace capprobe::platform {

// What an error means for a probe, whatever the OS called it. The platform sets it where the
// error happens (errno on Linux, the Win32 code on Windows), so that no judge has to know that
// ENOENT and ERROR_PATH_NOT_FOUND both mean "not there".
enum class ErrorKind {
  absent,       // nothing at that name: ENOENT, ENOTDIR; ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND
  denied,       // a permission or privilege check: EACCES, EPERM; ERROR_ACCESS_DENIED...
  unsupported,  // the OS or filesystem cannot do it: ENOSYS, EOPNOTSUPP; ERROR_NOT_SUPPORTED...
  timed_out,    // no answer in time: ETIMEDOUT; ERROR_TIMEOUT, WAIT_TIMEOUT
  other,        // anything else: the name says what
};

struct OsError {
  int code = 0;         // errno on Linux, the Win32 error on Windows
  std::string name;     // symbolic: "ENOENT", "EROFS", "ERROR_ACCESS_DENIED"
  std::string context;  // what was attempted: "open /proc/self/status"
  ErrorKind kind = ErrorKind::other;

  bool is(std::string_view symbolic) const { return name == symbolic; }
  bool is_absent() const { return kind == ErrorKind::absent; }
  bool is_denied() const { return kind == ErrorKind::denied; }
  std::string describe() const { return context.empty() ? name : context + ": " + name; }
};

// "absent", "denied", "unsupported", "timed_out", "other": for evidence.
inline std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::absent:
      return "absent";
    case ErrorKind::denied:
      return "denied";
    case ErrorKind::unsupported:
      return "unsupported";
    case ErrorKind::timed_out:
      return "timed_out";
    case ErrorKind::other:
      break;
  }
  return "other";
}

// The unit value for operations that succeed without producing anything.
struct Done {};

template <class T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT: implicit by design
  Result(OsError error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    if (!ok()) throw std::logic_error("Result::value() on an error: " + error().describe());
    return std::get<T>(state_);
  }
  T&& value() && {
    if (!ok()) throw std::logic_error("Result::value() on an error: " + error().describe());
    return std::get<T>(std::move(state_));
  }
  const OsError& error() const& {
    if (ok()) throw std::logic_error("Result::error() on a value");
    return std::get<OsError>(state_);
  }
  T value_or(T fallback) const { return ok() ? std::get<T>(state_) : std::move(fallback); }

  // The symbolic error name, or "ok": handy for evidence fields.
  std::string error_name_or_ok() const { return ok() ? std::string("ok") : error().name; }

 private:
  std::variant<T, OsError> state_;
};

}  // namespace capprobe::platform
