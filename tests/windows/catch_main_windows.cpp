// The Catch2 main of the Windows test executables. Standard output and error are put in binary
// mode first: in text mode the C runtime writes every "\n" as "\r\n", and Catch2's test
// discovery (CatchAddTests.cmake, one test name a line) would read each name with a "\r" at its
// end. A "\r" that a tested value holds still shows as it is.
#define CATCH_CONFIG_RUNNER
#include <fcntl.h>
#include <io.h>

#include <catch2/catch.hpp>
#include <cstdio>

int main(int argc, char* argv[]) {
  ::_setmode(::_fileno(stdout), _O_BINARY);
  ::_setmode(::_fileno(stderr), _O_BINARY);
  return Catch::Session().run(argc, argv);
}
