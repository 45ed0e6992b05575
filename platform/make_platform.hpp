// The one way the agent gets a real platform without including any OS-specific header.
#pragma once

#include <memory>
#include <string>

#include "platform/platform.hpp"

namespace capprobe::platform {

// The implementation for this build's OS (platform/linux on Linux). `system_root` is where
// /proc, /sys and /etc are read from: "/" normally, "/host" in a pod with the node mounted.
std::unique_ptr<Platform> make_native_platform(const std::string& system_root = "/");

}  // namespace capprobe::platform
