// security.confinement on Windows: seccomp, AppArmor and SELinux do not exist there, so the
// result is not_applicable, with the token's integrity level as evidence. A Windows container is
// confined by its job object and server silo (and, under Hyper-V isolation, a utility VM), which
// resources.* and isolation.kernel report; a HostProcess container by its account alone. The
// pod spec's seccompProfile, appArmorProfile, seLinuxOptions and allowPrivilegeEscalation are
// Linux fields (the API server rejects them for Windows pods): not requested here.
// read_access_token is in access_token_windows.cpp, the factory in confinement_windows.cpp; the
// judge, pure, in confinement.cpp.
#pragma once

#include "probes/requests.hpp"
#include "probes/result.hpp"
#include "probes/security/access_token.hpp"
#include "probes/security/confinement.hpp"

namespace capprobe::probes {

CapabilityResult judge_windows_confinement(const token::AccessTokenFacts& facts,
                                           const PodRequests& requests);

}  // namespace capprobe::probes
