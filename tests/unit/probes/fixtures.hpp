// The fixture trees under tests/fixtures (captured /proc and /sys files, see the *-NOTES.md
// files there), for every probe test: one way to name them and to load one into the fake.
#pragma once

#include <string>

#include "platform/fake/fake_platform.hpp"

namespace capprobe::testing {

// Appended piecewise: GCC 12 at -O2 reports a false -Warray-bounds for the one-expression
// concatenation std::string(CAPPROBE_FIXTURES) + "/" + name.
inline std::string fixture_dir(const std::string& name) {
  std::string path = CAPPROBE_FIXTURES;
  path += '/';
  path += name;
  return path;
}

// Loads tests/fixtures/<name> as the fake's file tree, on top of what it already holds.
inline void load_fixture(platform::FakePlatform& os, const std::string& name) {
  os.load_tree(fixture_dir(name), "/");
}

}  // namespace capprobe::testing
