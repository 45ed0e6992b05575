// What a fuzz target does when its oracle finds the product wrong: say what, then abort, so that
// libFuzzer keeps the input as a crash (fuzz/README is the README's "Fuzzing" section).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace capprobe::fuzz {

[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "FUZZ FINDING: %.*s\n", static_cast<int>(what.size()), what.data());
  if (!detail.empty())
    std::fprintf(stderr, "  %.*s\n", static_cast<int>(detail.size()), detail.data());
  std::abort();
}

inline void check(bool ok, std::string_view what, std::string_view detail = {}) {
  if (!ok) fail(what, detail);
}

}  // namespace capprobe::fuzz
