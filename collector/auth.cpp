// Token loading and the constant-time bearer comparison.
#include "collector/auth.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace capprobe::collector {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

TokenCheck TokenCheck::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read token file " + path + ": " + std::strerror(errno));
  std::ostringstream contents;
  contents << in.rdbuf();
  const std::string text = contents.str();
  const auto token = trim(text);
  if (token.empty()) throw std::runtime_error("token file " + path + " is empty");
  return TokenCheck(std::string(token));
}

bool constant_time_equal(std::string_view expected, std::string_view given) {
  // The loop runs over the guess, so its length is all the timing reveals; the length check is
  // folded into the same accumulator.
  unsigned char difference = expected.size() == given.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i) {
    const char want = expected.empty() ? '\0' : expected[i % expected.size()];
    difference |= static_cast<unsigned char>(want ^ given[i]);
  }
  return difference == 0;
}

bool TokenCheck::allows(std::string_view authorization) const {
  if (!token_) return true;
  constexpr std::string_view kScheme = "Bearer ";
  // The scheme name is case-insensitive (RFC 7235); the token itself is not.
  if (authorization.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = authorization[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    const char want = (kScheme[i] >= 'A' && kScheme[i] <= 'Z')
                          ? static_cast<char>(kScheme[i] - 'A' + 'a')
                          : kScheme[i];
    if (lower != want) return false;
  }
  return constant_time_equal(*token_, trim(authorization.substr(kScheme.size())));
}

}  // namespace capprobe::collector
