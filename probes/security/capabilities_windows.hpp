// security.capabilities on Windows: the privileges of this process's token, its integrity level
// and elevation. Windows has no pod-spec field for them: securityContext.privileged (which the
// API server rejects for Windows pods) and capabilities.add/drop are Linux's, so nothing is
// requested; HostProcess is Windows' privileged container, and its account decides.
// read_access_token is in access_token_windows.cpp, the collector and factory in
// capabilities_windows.cpp; the judge, pure, in capabilities.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "probes/requests.hpp"
#include "probes/result.hpp"
#include "probes/security/access_token.hpp"
#include "probes/security/capabilities.hpp"

namespace capprobe::probes {

// The privileges the evidence names one by one ("enabled", "disabled" or "absent"): what makes a
// token powerful on a node, and the one symbolic links need.
const std::vector<std::string_view>& notable_privileges();

// "enabled", "disabled" (held: the process may enable it) or "absent".
std::string privilege_state(const platform::TokenFacts& token, std::string_view name);

CapabilityResult judge_windows_capabilities(const token::AccessTokenFacts& facts,
                                            const PodRequests& requests);

}  // namespace capprobe::probes
