// security.identity on Linux: the uid, gid and supplementary groups this process runs with,
// against securityContext.runAsUser / runAsGroup / supplementalGroups. collect_identity is in
// identity_linux.cpp; the judge, pure, in identity.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "platform/platform.hpp"
#include "probes/common/proc_status.hpp"
#include "probes/requests.hpp"
#include "probes/result.hpp"
#include "probes/security/identity.hpp"
#include "probes/security/user_namespace.hpp"

namespace capprobe::probes {

struct IdentityFacts {
  platform::Result<ProcStatus> status;
  platform::Result<std::string> passwd;  // /etc/passwd as this process sees it
  platform::Result<std::string> group;   // /etc/group
  UserNamespaceFacts user_namespace{};   // how the ids here map to the host's
};

IdentityFacts collect_identity(const platform::Platform& os);

// "name:x:id:..." lines of /etc/passwd or /etc/group -> id -> name (the first name wins, as
// getpwuid does). Malformed lines are skipped.
std::map<std::int64_t, std::string> parse_id_names(std::string_view text);

CapabilityResult judge_identity(const IdentityFacts& facts, const PodRequests& requests);

}  // namespace capprobe::probes
