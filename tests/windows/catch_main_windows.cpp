// The Catch2 main of the Windows test executables, which first hands the platform its internal
// children (the memory trial's). Standard output and error are put in binary
// mode first: in text mode the C runtime writes every "\n" as "\r\n", and Catch2's test
// discovery (CatchAddTests.cmake, one test name a line) would read each name with a "\r" at its
// end. A "\r" that a tested value holds still shows as it is.
#define CATCH_CONFIG_RUNNER
#include <fcntl.h>
#include <io.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "platform/make_platform.hpp"

int main(int argc, char* argv[]) {
  // First of all: the memory trial's child is this same executable with a hidden argument
  // (WindowsPlatform::run_memory_trial), which must run before Catch2 reads the arguments.
  if (const int child = capprobe::platform::run_internal_child_if_asked(argc, argv); child >= 0) {
    return child;
  }
  ::_setmode(::_fileno(stdout), _O_BINARY);
  ::_setmode(::_fileno(stderr), _O_BINARY);
  return Catch::Session().run(argc, argv);
}
