// security.confinement: the seccomp mode and the LSM (AppArmor, SELinux) profile that confine
// this process. The pod spec fields (seccompProfile, appArmorProfile, seLinuxOptions) are not
// parsed yet, so requested stays null.
#pragma once

#include <string>

#include "platform/platform.hpp"
#include "probes/common/proc_status.hpp"
#include "probes/result.hpp"
#include "probes/security/lsm.hpp"

namespace capprobe::probes {

struct ConfinementFacts {
  platform::Result<ProcStatus> status;
  LsmFacts lsm;
};

ConfinementFacts collect_confinement(const platform::Platform& os);

// 0 "disabled", 1 "strict", 2 "filter".
std::string seccomp_word(int mode);

CapabilityResult judge_confinement(const ConfinementFacts& facts);

}  // namespace capprobe::probes
