// Which Linux security module (AppArmor, SELinux) confines this process, from its own label.
// Shared by security.confinement (the verdict) and security.capabilities (the privileged
// heuristic: a privileged container runs unconfined).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "platform/platform.hpp"

namespace capprobe::probes {

inline constexpr const char* kAppArmorCurrentPath = "/proc/self/attr/apparmor/current";  // 5.8+
inline constexpr const char* kAttrCurrentPath = "/proc/self/attr/current";  // SELinux or AppArmor
inline constexpr const char* kSelinuxEnforcePath = "/sys/fs/selinux/enforce";
inline constexpr const char* kAppArmorEnabledPath = "/sys/module/apparmor/parameters/enabled";

// Each read as it came back: the content, or the errno name. ENOENT (no such interface on this
// kernel), EINVAL (the interface exists but no LSM answers on it) and EACCES (we may not look)
// mean different things and stay apart.
struct LsmFacts {
  platform::Result<std::string> apparmor_current;
  platform::Result<std::string> attr_current;
  platform::Result<std::string> selinux_enforce;
  platform::Result<std::string> apparmor_enabled;
};

// The four reads, through LinuxFacts (lsm_linux.cpp: only the Linux collectors call it).
LsmFacts read_lsm_facts(const platform::Platform& os);

struct LsmView {
  std::string lsm;      // "apparmor", "selinux", "none" (no LSM labels processes), "unknown"
  std::string label;    // the label as read: "docker-default (enforce)", "system_u:...:s0:c1,c2"
  std::string profile;  // the AppArmor profile, or the SELinux type ("container_t")
  std::string mode;     // "enforce", "complain", "kill", "unconfined"; "enforcing", "permissive";
                        // "" when not known
  std::string source;   // the file the label came from
  bool confining = false;          // a policy is enforced on this process
  std::optional<bool> unconfined;  // known unconfined / known confined / unknown
  std::string note;                // why the view is unknown or uncertain
};

LsmView judge_lsm(const LsmFacts& facts);

// The evidence fields both probes report: lsm, lsm_label, lsm_profile, lsm_mode, lsm_source,
// lsm_reads ({path: "ok" or errno}), selinux_enforce, apparmor_enabled.
void add_lsm_evidence(nlohmann::json& evidence, const LsmFacts& facts, const LsmView& view);

}  // namespace capprobe::probes
