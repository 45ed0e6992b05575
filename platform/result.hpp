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

struct OsError {
  int code = 0;         // errno on Linux, the Win32 error on Windows
  std::string name;     // symbolic: "ENOENT", "EROFS", "ERROR_ACCESS_DENIED"
  std::string context;  // what was attempted: "open /proc/self/status"

  bool is(std::string_view symbolic) const { return name == symbolic; }
  bool is_absent() const { return name == "ENOENT" || name == "ENOTDIR"; }
  bool is_denied() const { return name == "EACCES" || name == "EPERM"; }
  std::string describe() const { return context.empty() ? name : context + ": " + name; }
};

// The unit value for operations that succeed without producing anything.
struct Done {};

template <class T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}         // NOLINT: implicit by design
  Result(OsError error) : state_(std::move(error)) {}   // NOLINT: implicit by design

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
