// security.confinement: which mechanisms confine this process, against what the pod spec asks.
// On Linux seccomp, AppArmor and SELinux (confinement_linux.hpp); on Windows none of them exists
// (confinement_windows.hpp). The catalog entry and the judges, pure, are in confinement.cpp.
//
// observed (Linux): the mechanisms in effect joined by "+" ("seccomp+apparmor"), "unconfined",
// or "unknown". observed (Windows): "not_applicable", the status too.
#pragma once

#include "probes/probe.hpp"

namespace capprobe::probes {

inline constexpr const char* kSecurityConfinementId = "security.confinement";

ProbeInfo security_confinement_info();

}  // namespace capprobe::probes
