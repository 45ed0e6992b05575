// capprobe-collector: the collector's executable. `capprobe collector` becomes it (execv, from
// agent/collector_executable.cpp), so that capprobe itself, the long-running agent, does not
// load what only the collector uses: OpenSSL for HTTPS, SQLite, simdjson. The collector's
// integration tests and the benchmark run it directly.
#include <string>
#include <vector>

#include "collector/collector_command.hpp"

int main(int argc, char** argv) {
  return capprobe::collector::collector_main(std::vector<std::string>(argv + 1, argv + argc));
}
