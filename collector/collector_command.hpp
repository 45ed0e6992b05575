// `capprobe collector --listen ADDR ...` (options.hpp): the fleet collector service.
#pragma once

#include <string>
#include <vector>

namespace capprobe::collector {

// args are the arguments after "collector". Serves until SIGINT or SIGTERM, then finishes what
// it acknowledged and returns 0. 2: usage error (one line on stderr), 1: could not start.
int collector_main(const std::vector<std::string>& args);

}  // namespace capprobe::collector
