// security.capabilities: what this process may do beyond an ordinary one, against what the pod
// spec asks. On Linux the capability sets, NoNewPrivs and the privileged heuristic
// (capabilities_linux.hpp), on Windows the token's privileges, integrity level and elevation
// (capabilities_windows.hpp); the catalog entry and the judges, pure, are in capabilities.cpp.
//
// observed (Linux): "privileged", "default" (exactly the Docker/containerd 14), "elevated" (the
// default 14 and more), "restricted" (some, not all of the default), "none" (no effective
// capabilities), "unknown".
// observed (Windows), from the most to the least powerful: "system" (LocalSystem), "service"
// (LocalService, NetworkService, or another account at System integrity), "administrator" (an
// elevated administrator: ContainerAdministrator), "user" (a standard user: ContainerUser),
// "restricted" (Low or Untrusted integrity), "unknown" (token::privilege_class in
// access_token.hpp decides).
#pragma once

#include "probes/probe.hpp"

namespace capprobe::probes {

inline constexpr const char* kSecurityCapabilitiesId = "security.capabilities";

ProbeInfo security_capabilities_info();

}  // namespace capprobe::probes
