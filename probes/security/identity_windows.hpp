// security.identity on Windows: the account this process's token names (its SID, and the name
// LookupAccountSidW gives it), against securityContext.windowsOptions.runAsUserName.
// collect_windows_identity is in identity_windows.cpp; the judge, pure, in identity.cpp.
//
// How runAsUserName is compared (Windows names are case-insensitive; "DOMAIN\USER" or "USER"):
//  - a name of a well-known account is compared by SID, whatever its spelling: "NT
//    AUTHORITY\SYSTEM" or "LocalSystem" (S-1-5-18), "NT AUTHORITY\Local service", "LocalService"
//    or "LOCAL SERVICE" (S-1-5-19), "NT AUTHORITY\NetworkService" or "NETWORK SERVICE"
//    (S-1-5-20), "ContainerAdministrator" (S-1-5-93-2-1), "ContainerUser" (S-1-5-93-2-2);
//  - any other name is compared with the token user's name, case-insensitively; a domain, when
//    the pod spec gives one, with the token's domain (a DNS domain by its first label, "." as
//    this machine): the same name in another domain is a different account, but a NetBIOS name
//    can differ from the DNS name, so that is `partial`, not ignored;
//  - in a HostProcess container a name may be a local group's (containerd 1.7+ then runs the
//    container as an ephemeral account that is a member of that group): a token group with that
//    name counts as the request honoured.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/platform.hpp"
#include "platform/windows_facts.hpp"
#include "probes/requests.hpp"
#include "probes/result.hpp"
#include "probes/security/access_token.hpp"
#include "probes/security/identity.hpp"

namespace capprobe::probes {

// A token group's SID and the name LookupAccountSidW gave it.
struct TokenGroupName {
  std::string sid;
  platform::Result<platform::AccountName> account;
};

struct WindowsIdentityFacts {
  token::AccessTokenFacts access;
  // Looked up only when they can decide: runAsUserName asked in a HostProcess container and not
  // naming the token's user (a local group's name); at most kMaxGroupLookups.
  std::vector<TokenGroupName> group_names;
};

inline constexpr std::size_t kMaxGroupLookups = 64;

WindowsIdentityFacts collect_windows_identity(const platform::Platform& os,
                                              const PodRequests& requests);

enum class AccountMatch {
  same,                    // the token's user is the account asked for
  same_name_other_domain,  // the user name matches, the domain does not
  different,               // another account
  unknown,                 // the token's user has no name to compare with
};

// runAsUserName against the token's user, by the rules above.
AccountMatch match_account(std::string_view asked, const platform::TokenFacts& token);

// The SID of a well-known account named by `asked` in any of its spellings; nullopt otherwise.
std::optional<std::string> well_known_sid(std::string_view asked);

CapabilityResult judge_windows_identity(const WindowsIdentityFacts& facts,
                                        const PodRequests& requests);

}  // namespace capprobe::probes
