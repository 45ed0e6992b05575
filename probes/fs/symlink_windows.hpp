// fs.symlink on Windows: CreateSymbolicLinkW with and without
// SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE in the temp dir and the pod's writable volume
// mounts, a junction next to them, and the token's SeCreateSymbolicLinkPrivilege that decides
// whether a link may be made at all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "probes/fs/symlink.hpp"

namespace capprobe::probes::fs {

struct WindowsSymlinkFacts {
  SymlinkFacts places;
  std::optional<std::string> token_user;   // "ContainerUser", "ContainerAdministrator", "SYSTEM"
  std::optional<std::string> token_sid;    // "S-1-5-93-2-2"
  std::optional<std::string> token_error;  // why the token could not be read
  // SeCreateSymbolicLinkPrivilege in the token, and whether it is enabled (an administrator's
  // token lists it disabled and still makes links); nullopt when the token could not be read.
  std::optional<bool> privilege_held;
  std::optional<bool> privilege_enabled;
  std::optional<std::uint32_t> build;  // the kernel's (RtlGetVersion)
  bool host_process = false;
};

WindowsSymlinkFacts collect_windows_symlink_facts(ProbeContext& ctx);

// judge_symlink over the places, and what only Windows shows: the missing privilege and whose
// token lacks it, links that work only with the unprivileged flag (partial), the known failures
// of volume mappings (\\?\ContainerMappedDirectories, ERROR_SYMLINK_CLASS_DISABLED), and
// junctions that work where symlinks do not.
CapabilityResult judge_windows_symlink(const WindowsSymlinkFacts& facts);

}  // namespace capprobe::probes::fs
