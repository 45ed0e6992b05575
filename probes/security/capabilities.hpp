// security.capabilities: what this process may do beyond an ordinary one, against what the pod
// spec asks. On Linux the capability sets, NoNewPrivs and the privileged heuristic
// (capabilities_linux.hpp); the catalog entry and the judges, pure, are in capabilities.cpp.
//
// observed (Linux): "privileged", "default" (exactly the Docker/containerd 14), "elevated" (the
// default 14 and more), "restricted" (some, not all of the default), "none" (no effective
// capabilities), "unknown".
#pragma once

#include "probes/probe.hpp"

namespace capprobe::probes {

inline constexpr const char* kSecurityCapabilitiesId = "security.capabilities";

ProbeInfo security_capabilities_info();

}  // namespace capprobe::probes
