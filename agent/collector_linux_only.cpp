// `capprobe collector` where there is no collector: the Windows build. The collector is a Linux
// service (SQLite, Beast, one fleet store); Windows nodes run the agent and report to it.
#include <iostream>

#include "agent/cli.hpp"
#include "collector/collector_command.hpp"

namespace capprobe::collector {

int collector_main(const std::vector<std::string>&) {
  std::cerr << "capprobe: the collector runs on Linux only; this Windows build has the probe, "
               "list, version and agent commands (run the collector on a Linux machine and "
               "point 'capprobe agent --collector URL' at it)\n";
  return agent::kExitUsage;
}

}  // namespace capprobe::collector
