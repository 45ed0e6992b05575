// Exact parsing of Kubernetes quantities; see quantity.hpp for the grammar.
#include "agent/quantity.hpp"

#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

namespace capprobe::agent {
namespace {

struct Suffix {
  std::string_view text;
  int exp10;
  int exp2;
};

constexpr std::array<Suffix, 15> kSuffixes{{
    {"", 0, 0},
    {"n", -9, 0},
    {"u", -6, 0},
    {"m", -3, 0},
    {"k", 3, 0},
    {"M", 6, 0},
    {"G", 9, 0},
    {"T", 12, 0},
    {"P", 15, 0},
    {"E", 18, 0},
    {"Ki", 0, 10},
    {"Mi", 0, 20},
    {"Gi", 0, 30},
    {"Ti", 0, 40},
    {"Pi", 0, 50},
}};
constexpr Suffix kExbibyte{"Ei", 0, 60};

// Exponents beyond this are nonsense for a resource quantity and would only risk overflow.
constexpr int kMaxExponent = 400;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::optional<Suffix> find_suffix(std::string_view text) {
  if (text == kExbibyte.text) return kExbibyte;
  for (const auto& suffix : kSuffixes)
    if (suffix.text == text) return suffix;
  return std::nullopt;
}

// "e3", "E-2", "e+6": the decimalExponent form; nullopt when `text` is not one.
std::optional<int> decimal_exponent(std::string_view text) {
  if (text.size() < 2 || (text[0] != 'e' && text[0] != 'E')) return std::nullopt;
  std::size_t at = 1;
  bool negative = false;
  if (text[at] == '+' || text[at] == '-') negative = text[at++] == '-';
  if (at == text.size()) return std::nullopt;
  int value = 0;
  for (; at < text.size(); ++at) {
    if (!is_digit(text[at])) return std::nullopt;
    value = value * 10 + (text[at] - '0');
    if (value > kMaxExponent) return std::nullopt;
  }
  return negative ? -value : value;
}

QuantityParse failure(std::string_view text, const std::string& why) {
  return {std::nullopt, "invalid quantity '" + std::string(text) + "': " + why};
}

bool multiply(std::uint64_t& value, std::uint64_t by) {
  if (value != 0 && by > std::numeric_limits<std::uint64_t>::max() / value) return false;
  value *= by;
  return true;
}

}  // namespace

QuantityParse parse_quantity(std::string_view text) {
  if (text.empty()) return failure(text, "it is empty");
  std::size_t at = 0;
  Quantity quantity;
  if (text[at] == '+' || text[at] == '-') quantity.negative = text[at++] == '-';
  std::string whole, fraction;
  while (at < text.size() && is_digit(text[at])) whole += text[at++];
  if (at < text.size() && text[at] == '.') {
    ++at;
    while (at < text.size() && is_digit(text[at])) fraction += text[at++];
  }
  if (whole.empty() && fraction.empty()) return failure(text, "it does not start with a number");

  const auto suffix_text = text.substr(at);
  if (const auto suffix = find_suffix(suffix_text)) {
    quantity.exp10 = suffix->exp10;
    quantity.exp2 = suffix->exp2;
  } else if (const auto exponent = decimal_exponent(suffix_text)) {
    quantity.exp10 = *exponent;
  } else {
    return failure(text, "unknown suffix '" + std::string(suffix_text) +
                             "' (expected one of n u m k M G T P E Ki Mi Gi Ti Pi Ei or e<N>)");
  }

  // Normalise to an integer significand without leading or trailing zeros.
  std::string digits = whole + fraction;
  quantity.exp10 -= static_cast<int>(fraction.size());
  const auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) return {Quantity{}, ""};  // zero, whatever its sign or suffix
  digits.erase(0, first);
  while (digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
    ++quantity.exp10;
  }
  quantity.digits = std::move(digits);
  return {quantity, ""};
}

double Quantity::to_double() const {
  // strtod rounds the decimal text correctly; the binary factor is exact.
  const std::string decimal = digits + "e" + std::to_string(exp10);
  const double magnitude = std::ldexp(std::strtod(decimal.c_str(), nullptr), exp2);
  return negative ? -magnitude : magnitude;
}

std::optional<std::uint64_t> Quantity::to_units_ceil() const {
  if (digits == "0") return 0;
  if (negative) return std::nullopt;
  std::uint64_t numerator = 0;
  for (const char c : digits) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (!multiply(numerator, 10) || numerator > std::numeric_limits<std::uint64_t>::max() - digit)
      return std::nullopt;
    numerator += digit;
  }
  for (int i = 0; i < exp2; ++i)
    if (!multiply(numerator, 2)) return std::nullopt;
  if (exp10 >= 0) {
    for (int i = 0; i < exp10; ++i)
      if (!multiply(numerator, 10)) return std::nullopt;
    return numerator;
  }
  // 10^20 exceeds any 64-bit numerator, so a smaller positive value rounds up to one unit.
  if (-exp10 >= 20) return 1;
  std::uint64_t denominator = 1;
  for (int i = 0; i < -exp10; ++i) denominator *= 10;
  return numerator / denominator + (numerator % denominator != 0 ? 1 : 0);
}

}  // namespace capprobe::agent
