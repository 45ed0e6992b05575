// security.identity: who this process runs as, against what the pod spec asks of it. On Linux
// the uid, gid and supplementary groups (identity_linux.hpp), on Windows the token's account and
// SID (identity_windows.hpp); the catalog entry and the judges, pure, are in identity.cpp.
//
// observed (Linux): "root", or "uid:<n>" for any other uid (the ids inside the container, which
// are what runAsUser sets).
// observed (Windows): "container_administrator" (S-1-5-93-2-1), "container_user" (S-1-5-93-2-2),
// "system" (S-1-5-18), "local_service" (S-1-5-19), "network_service" (S-1-5-20) - the last three
// are what HostProcess containers run as -, "user:<name>" for any other account, "sid:<sid>" when
// its name could not be looked up, "unknown" when the token could not be read.
#pragma once

#include "probes/probe.hpp"

namespace capprobe::probes {

inline constexpr const char* kSecurityIdentityId = "security.identity";

ProbeInfo security_identity_info();

}  // namespace capprobe::probes
