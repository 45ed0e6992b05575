// The one way the agent gets a real platform without including any OS-specific header.
#pragma once

#include <memory>
#include <string>

#include "platform/platform.hpp"

namespace capprobe::platform {

// The implementation for this build's OS (platform/linux on Linux, platform/windows on
// Windows). `system_root` is where system facts are read from: on Linux /proc, /sys and /etc,
// "/" normally, "/host" in a pod with the node mounted. On Windows the facts come from the live
// system's APIs (registry, token, job object), which have no root to move; it is only kept.
std::unique_ptr<Platform> make_native_platform(const std::string& system_root = "/");

// Every main() calls this first, with its own arguments, before anything else runs: when the
// platform started this executable as one of its internal children (on Windows, which has no
// fork, the memory trial's child is this same executable with a hidden first argument), it runs
// the child and returns the exit code for main to return. -1 when not asked (always on Linux).
int run_internal_child_if_asked(int argc, char** argv);

}  // namespace capprobe::platform
