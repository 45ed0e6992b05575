// `capprobe collector` on Linux: becomes capprobe-collector, installed beside capprobe (the
// build puts it in build/agent/, the image in /usr/local/bin/). Keeping the collector in its own
// executable keeps OpenSSL (its HTTPS), SQLite and simdjson out of the agent's process: the idle
// agent maps no TLS library (tests/integration/agent/agent_test.cpp checks it).
#include <iostream>

#include "collector/collector_command.hpp"
#include "platform/process/child_process.hpp"

namespace capprobe::collector {

int collector_main(const std::vector<std::string>& args) {
  const auto name = platform::executable_name("capprobe-collector");
  std::string why;
  const auto dir = platform::own_executable_dir(why);
  // Without /proc (a bare chroot) capprobe cannot tell where it lives: then the PATH says.
  const auto program = dir ? *dir + "/" + name : name;
  if (dir && !platform::is_executable_file(program)) {
    std::cerr << "capprobe: the collector is " << program
              << ", which is missing: install it beside capprobe\n";
    return 1;
  }
  const auto failed = platform::replace_process(program, args);
  std::cerr << "capprobe: cannot run the collector: " << failed
            << (dir ? "" : " (looked up on PATH: " + why + ")") << "\n";
  return 1;
}

}  // namespace capprobe::collector
