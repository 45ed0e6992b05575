// security.identity on Windows: the process token's user (GetTokenInformation(TokenUser) and
// LookupAccountSidW) and, for a HostProcess container asked to run as a name that is not its
// user's, the names of its groups; handed to the judge in identity.cpp.
#include "probes/security/identity_windows.hpp"

namespace capprobe::probes {

WindowsIdentityFacts collect_windows_identity(const platform::Platform& os,
                                              const PodRequests& requests) {
  WindowsIdentityFacts facts{token::read_access_token(os), {}};
  const auto& access = facts.access;
  if (!requests.run_as_user_name || !access.host_process() || !access.token) return facts;
  const auto& asked = *requests.run_as_user_name;
  // Only a local group's name can still decide; a lookup may ask a domain controller.
  if (well_known_sid(asked) || match_account(asked, access.token.value()) == AccountMatch::same)
    return facts;
  for (const auto& sid : access.token.value().group_sids) {
    if (facts.group_names.size() >= kMaxGroupLookups) break;
    facts.group_names.push_back({sid, platform::windows_facts(os).account_name(sid)});
  }
  return facts;
}

Probe security_identity_windows_probe() {
  return {security_identity_info(), [](ProbeContext& ctx) {
            return judge_windows_identity(collect_windows_identity(ctx.os, ctx.requests),
                                          ctx.requests);
          }};
}

}  // namespace capprobe::probes
