// Kubernetes resource quantities ("500m", "1.5Gi", "1e9", "128M"): parsed exactly from their
// decimal text so that memory sizes come out as whole bytes, the way the API server rounds them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace capprobe::agent {

// A parsed quantity: value = sign * digits * 10^exp10 * 2^exp2, with `digits` a decimal
// integer (no leading zeros, "0" for zero). Keeping the decimal text avoids binary floating
// point rounding ("0.1Gi" is exactly 107374182.4 bytes, which the API server rounds up).
struct Quantity {
  bool negative = false;
  std::string digits = "0";
  int exp10 = 0;
  int exp2 = 0;

  bool is_zero() const { return digits == "0"; }
  double to_double() const;
  // Whole units rounded up (Kubernetes' Quantity.Value()); nullopt when negative or above
  // 2^64 - 1.
  std::optional<std::uint64_t> to_units_ceil() const;
};

struct QuantityParse {
  std::optional<Quantity> quantity;
  std::string error;  // why the text is not a quantity, when quantity is empty
};

// The grammar of k8s.io/apimachinery resource.Quantity:
//   [+-] (digits | digits. | digits.digits | .digits) suffix
//   suffix: Ki Mi Gi Ti Pi Ei | n u m "" k M G T P E | (e|E) [+-] digits
// Refused beyond it: a decimal exponent above 400, more than 64 significant digits (bounds that
// no resource quantity comes near, and that keep the exact arithmetic cheap).
QuantityParse parse_quantity(std::string_view text);

}  // namespace capprobe::agent
