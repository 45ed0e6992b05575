// Get-or-create of the component loggers; creation is serialised because spdlog's registry
// throws when two threads register the same name.
#include "agent/log.hpp"

#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace capprobe::agent {

std::shared_ptr<spdlog::logger> logger(const std::string& component) {
  static std::mutex creation;
  std::lock_guard lock(creation);
  if (auto existing = spdlog::get(component)) return existing;
  return spdlog::stderr_color_mt(component);
}

}  // namespace capprobe::agent
