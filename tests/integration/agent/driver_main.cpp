// `capprobe-agent-driver agent ...`: the agent command as its own executable, configured the way
// capprobe's main configures logging, for the integration tests until `capprobe agent` is
// dispatched by agent/main.cpp (then tests/agent_daemon.cmake points them at capprobe itself).
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "agent/daemon/agent_command.hpp"

int main(int argc, char** argv) {
  spdlog::set_pattern("capprobe[%n] %l: %v");
  spdlog::set_level(spdlog::level::warn);
  if (const char* wanted = std::getenv("CAPPROBE_LOG"); wanted && *wanted)
    spdlog::set_level(spdlog::level::from_str(wanted));
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args.front() != "agent") {
    std::cerr << "usage: capprobe-agent-driver agent [flags]\n";
    return 2;
  }
  args.erase(args.begin());
  try {
    return capprobe::agent::agent_main(args);
  } catch (const std::exception& failure) {
    std::cerr << "capprobe: internal error: " << failure.what() << "\n";
    return 1;
  }
}
