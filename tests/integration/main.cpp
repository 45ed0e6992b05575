// The integration tests' entry point: before any test, remove what a crashed earlier run left
// (capprobe-it-* cgroups and temp dirs of dead test processes), then run Catch.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <unistd.h>

#include <iostream>
#include <string_view>

#include "tests/integration/support/sandbox.hpp"

int main(int argc, char* argv[]) {
  // Only root can have made (and can remove) cgroups; test discovery (--list-*) runs at build
  // time and should touch nothing.
  bool listing = false;
  for (int i = 1; i < argc; ++i)
    listing = listing || std::string_view(argv[i]).rfind("--list", 0) == 0;
  if (geteuid() == 0 && !listing)
    for (const auto& swept : capprobe::it::sweep_stale_test_residue())
      std::cerr << "capprobe-it: removed a stale test leftover: " << swept << "\n";
  return Catch::Session().run(argc, argv);
}
