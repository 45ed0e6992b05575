// The path of a fixture tree under tests/fixtures, for the resource and topology tests.
#pragma once

#include <string>

namespace capprobe::testing {

// Appended piecewise: GCC 12 at -O2 reports a false -Warray-bounds for the one-expression
// concatenation std::string(CAPPROBE_FIXTURES) + "/" + name.
inline std::string fixture_dir(const std::string& name) {
  std::string path = CAPPROBE_FIXTURES;
  path += '/';
  path += name;
  return path;
}

}  // namespace capprobe::testing
