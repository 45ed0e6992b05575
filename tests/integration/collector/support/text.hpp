// String building for the collector's tests. GCC 12 at -O3 warns falsely (-Wrestrict,
// -Warray-bounds) about "literal" + std::string temporaries; appending avoids that pattern.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace capprobe::collector::testing {

inline std::string cat(std::initializer_list<std::string_view> parts) {
  std::string text;
  for (const auto part : parts) text.append(part);
  return text;
}

}  // namespace capprobe::collector::testing
