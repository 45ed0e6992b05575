// WindowsPlatform's construction and the factory that hands it to the agent.
#include "platform/windows/windows_platform.hpp"

#include <memory>
#include <utility>

#include "platform/make_platform.hpp"

namespace capprobe::platform {

WindowsPlatform::WindowsPlatform(std::string system_root) : root_(std::move(system_root)) {}

std::unique_ptr<Platform> make_native_platform(const std::string& system_root) {
  return std::make_unique<WindowsPlatform>(system_root);
}

}  // namespace capprobe::platform
