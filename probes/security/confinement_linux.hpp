// security.confinement on Linux: the seccomp mode and the LSM (AppArmor, SELinux) profile that
// confine this process, and whether what the pod spec asked (seccompProfile, appArmorProfile or
// its annotation, seLinuxOptions.type, allowPrivilegeEscalation: false) is in effect.
// collect_confinement is in confinement_linux.cpp; the judge, pure, in confinement.cpp.
#pragma once

#include <string>

#include "platform/platform.hpp"
#include "probes/common/proc_status.hpp"
#include "probes/requests.hpp"
#include "probes/result.hpp"
#include "probes/security/confinement.hpp"
#include "probes/security/lsm.hpp"

namespace capprobe::probes {

struct ConfinementFacts {
  platform::Result<ProcStatus> status;
  LsmFacts lsm;
  PodRequests requests;  // only the confinement fields are read
};

ConfinementFacts collect_confinement(const platform::Platform& os, const PodRequests& requests);

// 0 "disabled", 1 "strict", 2 "filter".
std::string seccomp_word(int mode);

CapabilityResult judge_confinement(const ConfinementFacts& facts);

}  // namespace capprobe::probes
