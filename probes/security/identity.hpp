// security.identity: who this process runs as, against what the pod spec asks of it. On Linux
// the uid, gid and supplementary groups (identity_linux.hpp); the catalog entry and the judges,
// pure, are in identity.cpp.
//
// observed (Linux): "root", or "uid:<n>" for any other uid (the ids inside the container, which
// are what runAsUser sets).
#pragma once

#include "probes/probe.hpp"

namespace capprobe::probes {

inline constexpr const char* kSecurityIdentityId = "security.identity";

ProbeInfo security_identity_info();

}  // namespace capprobe::probes
