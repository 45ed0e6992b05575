// Exact parsing of Kubernetes quantities; see quantity.hpp for the grammar.
#include "agent/quantity.hpp"

#include <array>
#include <cmath>
#include <cstdlib>
#include <utility>
#include <vector>

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
// Nor does a resource quantity have this many significant digits; the bound keeps the exact
// arithmetic of to_units_ceil() cheap whatever a pod spec holds.
constexpr std::size_t kMaxSignificantDigits = 64;

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

// A non-negative integer of any size, least significant 32 bits first, no high zero limbs: enough
// arithmetic for the exact digits * 2^exp2 / 10^-exp10 of to_units_ceil().
using Limbs = std::vector<std::uint32_t>;

void multiply_add(Limbs& number, std::uint32_t by, std::uint32_t add) {
  std::uint64_t carry = add;
  for (auto& limb : number) {
    const std::uint64_t product = std::uint64_t{limb} * by + carry;
    limb = static_cast<std::uint32_t>(product);
    carry = product >> 32;
  }
  if (carry != 0) number.push_back(static_cast<std::uint32_t>(carry));
}

// Divides in place; returns the remainder.
std::uint32_t divide(Limbs& number, std::uint32_t by) {
  std::uint64_t remainder = 0;
  for (auto limb = number.rbegin(); limb != number.rend(); ++limb) {
    const std::uint64_t part = (remainder << 32) | *limb;
    *limb = static_cast<std::uint32_t>(part / by);
    remainder = part % by;
  }
  while (!number.empty() && number.back() == 0) number.pop_back();
  return static_cast<std::uint32_t>(remainder);
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
  if (digits.size() > kMaxSignificantDigits)
    return failure(
        text, "it has more than " + std::to_string(kMaxSignificantDigits) + " significant digits");
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
  // Exactly: the binary factor before the decimal division, since "1.5Pi" is a whole number of
  // bytes although 15 * 2^50 is not a multiple of 10; a 64-bit numerator would overflow there.
  Limbs number;
  for (const char c : digits) multiply_add(number, 10, static_cast<std::uint32_t>(c - '0'));
  for (int i = 0; i < exp2; ++i) multiply_add(number, 2, 0);
  const auto too_large = [&number] { return number.size() > 2; };
  for (int i = 0; i < exp10 && !too_large(); ++i) multiply_add(number, 10, 0);
  bool remainder = false;
  for (int i = 0; i < -exp10 && !number.empty(); ++i) remainder |= divide(number, 10) != 0;
  if (remainder) multiply_add(number, 1, 1);  // rounded up to the next whole unit
  if (too_large()) return std::nullopt;
  std::uint64_t units = 0;
  for (auto limb = number.rbegin(); limb != number.rend(); ++limb) units = (units << 32) | *limb;
  return units;
}

}  // namespace capprobe::agent
