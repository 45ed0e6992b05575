// What a Windows access token says about the account a process runs as and its power, for the
// security.* probes on Windows: the well-known SIDs (the two container accounts, the service
// accounts a HostProcess container runs as), integrity levels and the classes the probes report.
// Pure; the token is read in access_token_windows.cpp, as lsm.hpp's label is in lsm_linux.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "platform/platform.hpp"
#include "platform/windows_facts.hpp"

namespace capprobe::probes::token {

// Well-known SIDs ([MS-DTYP] 2.4.2.4; the container accounts are the virtual accounts
// containerd and Docker run Windows containers as).
inline constexpr std::string_view kSystemSid = "S-1-5-18";          // NT AUTHORITY\SYSTEM
inline constexpr std::string_view kLocalServiceSid = "S-1-5-19";    // NT AUTHORITY\LOCAL SERVICE
inline constexpr std::string_view kNetworkServiceSid = "S-1-5-20";  // NT AUTHORITY\NETWORK SERVICE
inline constexpr std::string_view kContainerAdministratorSid = "S-1-5-93-2-1";  // User Manager
inline constexpr std::string_view kContainerUserSid = "S-1-5-93-2-2";           // User Manager
inline constexpr std::string_view kAdministratorsSid = "S-1-5-32-544";  // BUILTIN\Administrators

// Set by containerd in every HostProcess container (the host path of the container's volume),
// and in no other kind of container.
inline constexpr const char* kSandboxMountPointEnv = "CONTAINER_SANDBOX_MOUNT_POINT";

// The token and what tells a HostProcess container, as read. Shared by the three Windows judges.
struct AccessTokenFacts {
  platform::Result<platform::TokenFacts> token;
  std::optional<std::string> sandbox_mount_point;  // CONTAINER_SANDBOX_MOUNT_POINT

  bool host_process() const { return sandbox_mount_point.has_value(); }
};

// WindowsFacts::token() and the environment (access_token_windows.cpp: only the Windows
// collectors call it).
AccessTokenFacts read_access_token(const platform::Platform& os);

// SIDs compare case-insensitively ("s-1-5-18" is "S-1-5-18").
bool same_sid(std::string_view a, std::string_view b);
bool has_group(const platform::TokenFacts& token, std::string_view sid);

// The integrity level of a mandatory label SID "S-1-16-<rid>": "untrusted" (0), "low" (4096),
// "medium" (8192), "medium_plus" (8448), "high" (12288), "system" (16384), "protected_process"
// (20480); "rid:<n>" for another rid; nullopt when no label was read or it is not S-1-16-<n>.
std::optional<std::uint32_t> integrity_rid(const std::optional<std::string>& label_sid);
std::optional<std::string> integrity_name(const std::optional<std::string>& label_sid);

// The word security.identity reports for the token's user: "system", "local_service",
// "network_service", "container_administrator", "container_user"; "user:<name>" for any other
// account whose name was looked up, "sid:<sid>" for one whose name was not.
std::string account_word(const platform::TokenFacts& token);

// "User Manager\ContainerAdministrator (S-1-5-93-2-1)", "S-1-5-21-...-1001" without a name.
std::string describe_account(const platform::TokenFacts& token);

// The class security.capabilities reports for a token, from the most to the least powerful:
//   "system"         the user is LocalSystem (S-1-5-18), SeTcbPrivilege held: all of the
//                    machine it runs on (the node itself in a HostProcess container);
//   "service"        LocalService or NetworkService (S-1-5-19/20), or another account at System
//                    integrity: a service's few privileges, on the node when in HostProcess;
//   "administrator"  an elevated administrator: High integrity or TokenElevation set
//                    (ContainerAdministrator, an elevated member of BUILTIN\Administrators);
//   "user"           a standard user at Medium integrity, or one known not to be elevated
//                    (ContainerUser);
//   "restricted"     Low or Untrusted integrity;
//   "unknown"        neither the integrity level nor the elevation could be read.
std::string privilege_class(const platform::TokenFacts& token);

// The evidence every Windows security result carries about the token: token_read ("ok" or the
// Win32 error), user_sid, user_name, domain, integrity_level (the label SID), integrity (its
// name), elevated, host_process, sandbox_mount_point. Null where not known.
void add_token_evidence(nlohmann::json& evidence, const AccessTokenFacts& facts);

}  // namespace capprobe::probes::token
