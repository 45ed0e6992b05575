// Bearer-token authentication for writes: the token is read once at start and compared in
// constant time; it is never logged.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace capprobe::collector {

class TokenCheck {
 public:
  TokenCheck() = default;  // no token: writes are open
  explicit TokenCheck(std::string token) : token_(std::move(token)) {}

  // Reads the token file (surrounding whitespace, e.g. the final newline, is not part of the
  // token). Throws std::runtime_error when it cannot be read or is empty: a collector that was
  // asked to require a token must not start open.
  static TokenCheck from_file(const std::string& path);

  bool enabled() const { return token_.has_value(); }
  // The value of an Authorization header (empty when absent).
  bool allows(std::string_view authorization) const;

 private:
  std::optional<std::string> token_;
};

// Compares without an early exit, so the time taken does not tell how much of a guess was right.
bool constant_time_equal(std::string_view expected, std::string_view given);

}  // namespace capprobe::collector
