// capprobe-collector: the collector command on its own, so that the collector's integration
// tests and benchmark run it as a real process without the rest of the capprobe binary.
#include <string>
#include <vector>

#include "collector/collector_command.hpp"

int main(int argc, char** argv) {
  return capprobe::collector::collector_main(std::vector<std::string>(argv + 1, argv + argc));
}
