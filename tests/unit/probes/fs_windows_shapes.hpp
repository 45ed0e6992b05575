// The Windows facts of the fs.* probe tests, in the shapes real Windows Server nodes show: the
// tokens of ContainerAdministrator, ContainerUser and SYSTEM (a HostProcess container), the
// kernel builds of WS2016, 1709, WS2019 and WS2022, the temp dirs, and what a container's
// \\.\pipe\ listing holds. Sources: tests/fixtures/win-NOTES.md, "fs".
//
// The fake's filesystem separates with "/" only, so Windows paths here are written with forward
// slashes ("C:/Users/..."), which Windows accepts too; the probes keep whichever separator a
// path already uses.
#pragma once

#include <string>
#include <vector>

#include "platform/fake/fake_platform.hpp"

namespace capprobe::testing {

inline constexpr std::uint32_t kBuildWs2016 = 14393;
inline constexpr std::uint32_t kBuild1709 = 16299;
inline constexpr std::uint32_t kBuildWs2019 = 17763;
inline constexpr std::uint32_t kBuildWs2022 = 20348;

inline constexpr const char* kAdminTemp = "C:/Users/ContainerAdministrator/AppData/Local/Temp";
inline constexpr const char* kUserTemp = "C:/Users/ContainerUser/AppData/Local/Temp";
inline constexpr const char* kSystemTemp = "C:/Windows/Temp";

// The privileges of a standard user's token (all but the first disabled, as whoami /priv
// lists them).
inline std::vector<platform::TokenPrivilege> standard_user_privileges() {
  return {{"SeChangeNotifyPrivilege", true},
          {"SeShutdownPrivilege", false},
          {"SeIncreaseWorkingSetPrivilege", false},
          {"SeTimeZonePrivilege", false}};
}

// ContainerAdministrator (S-1-5-93-2-1): the default user of the Server Core images, an
// elevated administrator whose token holds SeCreateSymbolicLinkPrivilege (listed disabled, as
// whoami /priv shows an administrator's).
inline platform::TokenFacts container_administrator() {
  platform::TokenFacts token;
  token.user_sid = "S-1-5-93-2-1";
  token.user_name = "ContainerAdministrator";
  token.domain = "User Manager";
  token.group_sids = {"S-1-5-32-544", "S-1-5-11"};
  token.privileges = standard_user_privileges();
  token.privileges.push_back({"SeCreateSymbolicLinkPrivilege", false});
  token.privileges.push_back({"SeBackupPrivilege", false});
  token.privileges.push_back({"SeRestorePrivilege", false});
  token.integrity_level = "S-1-16-12288";
  token.elevated = true;
  return token;
}

// ContainerUser (S-1-5-93-2-2): the default user of the Nano Server images, a standard user
// without SeCreateSymbolicLinkPrivilege.
inline platform::TokenFacts container_user() {
  platform::TokenFacts token;
  token.user_sid = "S-1-5-93-2-2";
  token.user_name = "ContainerUser";
  token.domain = "User Manager";
  token.group_sids = {"S-1-5-32-545", "S-1-5-11"};
  token.privileges = standard_user_privileges();
  token.integrity_level = "S-1-16-8192";
  token.elevated = false;
  return token;
}

// SYSTEM (S-1-5-18), the usual user of a HostProcess container: every privilege, the symlink
// one enabled by default.
inline platform::TokenFacts local_system() {
  platform::TokenFacts token;
  token.user_sid = "S-1-5-18";
  token.user_name = "SYSTEM";
  token.domain = "NT AUTHORITY";
  token.group_sids = {"S-1-5-32-544"};
  token.privileges = {{"SeCreateSymbolicLinkPrivilege", true},
                      {"SeTcbPrivilege", true},
                      {"SeBackupPrivilege", false},
                      {"SeChangeNotifyPrivilege", true}};
  token.integrity_level = "S-1-16-16384";
  token.elevated = true;
  return token;
}

inline platform::WindowsVersion server_build(std::uint32_t build) {
  return platform::WindowsVersion{10, 0, build, 3};
}

// The pipes a process-isolated container's own services serve: the container's pipe listing
// holds these and whatever named pipe is mounted into it. None is a runtime's.
inline std::vector<std::string> container_service_pipes() {
  return {"InitShutdown",    "lsass",    "ntsvcs", "scerpc", "epmapper",
          "LSM_API_service", "eventlog", "atsvc",  "wkssvc"};
}

// A process-isolated container on a WS2019 or WS2022 node: its user, its build, its temp dir
// (made in the fake), its own pipes.
inline void process_isolated(platform::FakePlatform& os, const platform::TokenFacts& token,
                             std::uint32_t build) {
  os.windows.token = token;
  os.windows.kernel_version = server_build(build);
  os.tmp = token.user_sid == "S-1-5-93-2-2" ? kUserTemp : kAdminTemp;
  os.dir(os.tmp);
  os.environment["SystemDrive"] = "C:";
  os.windows.pipe_names = container_service_pipes();
}

// A HostProcess container (containerd 1.7 on WS2022, bind filter: the sandbox at C:\hpc\) as
// SYSTEM: the node's temp dir, the node's pipes.
inline void host_process(platform::FakePlatform& os, std::uint32_t build = kBuildWs2022) {
  os.windows.token = local_system();
  os.windows.kernel_version = server_build(build);
  os.tmp = kSystemTemp;
  os.dir(os.tmp);
  os.environment["SystemDrive"] = "C:";
  os.environment["CONTAINER_SANDBOX_MOUNT_POINT"] = "C:/hpc/";
  auto pipes = container_service_pipes();
  for (const auto* name : {"containerd-containerd", "csi-proxy-filesystem-v1", "csi-proxy-disk-v1",
                           "csi-proxy-volume-v1", "kubelet-pod-resources"})
    pipes.push_back(name);
  os.windows.pipe_names = pipes;
}

}  // namespace capprobe::testing
