// The one way the agent gets a real platform without including any OS-specific header.
#pragma once

#include <memory>
#include <string>

#include "platform/platform.hpp"

namespace capprobe::platform {

// The implementation for this build's OS (platform/linux on Linux, platform/windows on
// Windows). `system_root` is where system facts are read from: on Linux /proc, /sys and /etc,
// "/" normally, "/host" in a pod with the node mounted. On Windows it is kept for the
// system-fact calls, which answer ERROR_CALL_NOT_IMPLEMENTED for now.
std::unique_ptr<Platform> make_native_platform(const std::string& system_root = "/");

}  // namespace capprobe::platform
