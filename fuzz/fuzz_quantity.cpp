// Kubernetes quantities (agent/quantity.hpp) on any text: never a crash, and the parser accepts
// exactly the grammar of k8s.io/apimachinery's resource.Quantity, checked against an independent
// regular expression (the parser alone refuses decimal exponents above 400 and more than 64
// significant digits, on purpose).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <regex>
#include <string>

#include "agent/quantity.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace capprobe;

namespace {

const std::regex& grammar() {
  static const std::regex pattern(
      R"(^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?([0-9]+))?$)");
  return pattern;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 256) return -1;  // quantities are short; longer only slows the regex down
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto parsed = agent::parse_quantity(text);

  std::smatch match;
  const bool in_grammar = std::regex_match(text, match, grammar());
  if (!parsed.quantity) {
    fuzz::check(!parsed.error.empty(), "a refusal without a reason", text);
    // Refused although in the grammar: only for an exponent or a significand beyond the
    // parser's bounds.
    std::string significand = match[1].str();
    significand.erase(std::remove(significand.begin(), significand.end(), '.'), significand.end());
    significand.erase(0, std::min(significand.find_first_not_of('0'), significand.size()));
    while (!significand.empty() && significand.back() == '0') significand.pop_back();
    if (in_grammar && significand.size() <= 64) {
      const std::string exponent = match[3].str();
      const auto significant = exponent.find_first_not_of('0');
      fuzz::check(significant != std::string::npos &&
                      (exponent.size() - significant > 3 || std::stoi(exponent) > 400),
                  "a quantity in the grammar was refused", text + ": " + parsed.error);
    }
    return 0;
  }
  fuzz::check(in_grammar, "a text outside the grammar was accepted", text);
  const auto& quantity = *parsed.quantity;
  fuzz::check(!quantity.digits.empty() &&
                  (quantity.digits == "0" ||
                   (quantity.digits.front() != '0' && quantity.digits.back() != '0')) &&
                  quantity.digits.find_first_not_of("0123456789") == std::string::npos,
              "the significand is not normalised", text + " -> " + quantity.digits);
  const double value = quantity.to_double();
  fuzz::check(!std::isnan(value), "to_double gave NaN", text);
  if (const auto units = quantity.to_units_ceil()) {
    fuzz::check(!quantity.negative || *units == 0, "a negative quantity has units", text);
    // Rounded up to whole units: never below the value, less than one unit above it.
    const double whole = static_cast<double>(*units);
    fuzz::check(whole >= value * (1 - 1e-12) && whole <= std::abs(value) * (1 + 1e-12) + 1,
                "to_units_ceil disagrees with to_double", text);
  } else {
    fuzz::check(quantity.negative || value >= 1.8e19,
                "to_units_ceil refused a positive value that fits 64 bits", text);
  }
  return 0;
}
