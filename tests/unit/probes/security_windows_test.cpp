// The security probes on Windows: the token naming and the judges table-driven, then each
// <name>_windows_probe() over the FakePlatform with the tokens Windows Server 2019 and 2022
// containers (process- and Hyper-V-isolated) and HostProcess pods show. The shapes and their
// sources: tests/fixtures/win-NOTES.md, "security.*".
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "platform/fake/fake_platform.hpp"
#include "probes/common/judge.hpp"
#include "probes/probe_list.hpp"
#include "probes/security/access_token.hpp"
#include "probes/security/capabilities_windows.hpp"
#include "probes/security/confinement_windows.hpp"
#include "probes/security/identity_windows.hpp"

using capprobe::platform::AccountName;
using capprobe::platform::fake_error;
using capprobe::platform::FakePlatform;
using capprobe::platform::Result;
using capprobe::platform::TokenFacts;
using capprobe::platform::TokenPrivilege;
using namespace capprobe::probes;
namespace token = capprobe::probes::token;

namespace {

using Privileges = std::vector<TokenPrivilege>;

// An elevated administrator's privileges as `whoami /priv` lists them for ContainerAdministrator
// (the Administrators group's default user rights; three enabled by default).
const Privileges kAdministratorPrivileges = {
    {"SeIncreaseQuotaPrivilege", false},
    {"SeSecurityPrivilege", false},
    {"SeTakeOwnershipPrivilege", false},
    {"SeLoadDriverPrivilege", false},
    {"SeSystemProfilePrivilege", false},
    {"SeSystemtimePrivilege", false},
    {"SeProfileSingleProcessPrivilege", false},
    {"SeIncreaseBasePriorityPrivilege", false},
    {"SeCreatePagefilePrivilege", false},
    {"SeBackupPrivilege", false},
    {"SeRestorePrivilege", false},
    {"SeShutdownPrivilege", false},
    {"SeDebugPrivilege", false},
    {"SeSystemEnvironmentPrivilege", false},
    {"SeChangeNotifyPrivilege", true},
    {"SeRemoteShutdownPrivilege", false},
    {"SeUndockPrivilege", false},
    {"SeManageVolumePrivilege", false},
    {"SeImpersonatePrivilege", true},
    {"SeCreateGlobalPrivilege", true},
    {"SeIncreaseWorkingSetPrivilege", false},
    {"SeTimeZonePrivilege", false},
    {"SeCreateSymbolicLinkPrivilege", false},
    {"SeDelegateSessionUserImpersonatePrivilege", false},
};

// A standard user's (ContainerUser, an ephemeral HostProcess account).
const Privileges kUserPrivileges = {
    {"SeChangeNotifyPrivilege", true},
    {"SeIncreaseWorkingSetPrivilege", false},
};

// LocalSystem's, as the LocalSystem account page lists them (privilege-constants names).
const Privileges kSystemPrivileges = {
    {"SeAssignPrimaryTokenPrivilege", false},
    {"SeAuditPrivilege", true},
    {"SeBackupPrivilege", false},
    {"SeChangeNotifyPrivilege", true},
    {"SeCreateGlobalPrivilege", true},
    {"SeCreatePagefilePrivilege", true},
    {"SeCreatePermanentPrivilege", true},
    {"SeCreateTokenPrivilege", false},
    {"SeDebugPrivilege", true},
    {"SeImpersonatePrivilege", true},
    {"SeIncreaseBasePriorityPrivilege", true},
    {"SeIncreaseQuotaPrivilege", false},
    {"SeLoadDriverPrivilege", false},
    {"SeLockMemoryPrivilege", true},
    {"SeManageVolumePrivilege", false},
    {"SeProfileSingleProcessPrivilege", true},
    {"SeRestorePrivilege", false},
    {"SeSecurityPrivilege", false},
    {"SeShutdownPrivilege", false},
    {"SeSystemEnvironmentPrivilege", false},
    {"SeSystemtimePrivilege", false},
    {"SeTakeOwnershipPrivilege", false},
    {"SeTcbPrivilege", true},
    {"SeUndockPrivilege", false},
};

// LocalService's and NetworkService's, as their account pages list them.
const Privileges kServicePrivileges = {
    {"SeAssignPrimaryTokenPrivilege", false}, {"SeAuditPrivilege", false},
    {"SeChangeNotifyPrivilege", true},        {"SeCreateGlobalPrivilege", true},
    {"SeImpersonatePrivilege", true},         {"SeIncreaseQuotaPrivilege", false},
    {"SeShutdownPrivilege", false},           {"SeUndockPrivilege", false},
};

// ContainerAdministrator, the default user of servercore and windows images, on WS2019 and
// WS2022 alike, process- or Hyper-V-isolated (the token is the container's, not the host's).
TokenFacts container_administrator() {
  TokenFacts t;
  t.user_sid = "S-1-5-93-2-1";
  t.user_name = "ContainerAdministrator";
  t.domain = "User Manager";
  t.group_sids = {"S-1-1-0", "S-1-5-32-544", "S-1-5-32-545", "S-1-5-6",
                  "S-1-2-1", "S-1-5-11",     "S-1-5-15",     "S-1-2-0"};
  t.privileges = kAdministratorPrivileges;
  t.integrity_level = "S-1-16-12288";
  t.elevated = true;
  return t;
}

// ContainerUser, the default user of nanoserver images.
TokenFacts container_user() {
  TokenFacts t;
  t.user_sid = "S-1-5-93-2-2";
  t.user_name = "ContainerUser";
  t.domain = "User Manager";
  t.group_sids = {"S-1-1-0", "S-1-5-32-545", "S-1-5-4", "S-1-2-1", "S-1-5-11", "S-1-5-15"};
  t.privileges = kUserPrivileges;
  t.integrity_level = "S-1-16-8192";
  t.elevated = false;
  return t;
}

// A HostProcess container with runAsUserName "NT AUTHORITY\SYSTEM": the node's LocalSystem.
TokenFacts host_system() {
  TokenFacts t;
  t.user_sid = "S-1-5-18";
  t.user_name = "SYSTEM";
  t.domain = "NT AUTHORITY";
  t.group_sids = {"S-1-5-32-544", "S-1-1-0", "S-1-5-11"};
  t.privileges = kSystemPrivileges;
  t.integrity_level = "S-1-16-16384";
  t.elevated = true;
  return t;
}

// "NT AUTHORITY\Local service" / "NT AUTHORITY\NetworkService": services run at System integrity.
TokenFacts host_service(bool network) {
  TokenFacts t;
  t.user_sid = network ? "S-1-5-20" : "S-1-5-19";
  t.user_name = network ? "NETWORK SERVICE" : "LOCAL SERVICE";
  t.domain = "NT AUTHORITY";
  t.group_sids = {"S-1-1-0", "S-1-5-32-545", "S-1-5-6", "S-1-2-1", "S-1-5-11", "S-1-5-15"};
  t.privileges = kServicePrivileges;
  t.integrity_level = "S-1-16-16384";
  t.elevated = false;
  return t;
}

// A HostProcess container with runAsUserName "hpc-localgroup" (containerd 1.7+): an ephemeral
// local account, member of that local group of the node.
constexpr const char* kNodeDomain = "S-1-5-21-1004336348-1177238915-682003330";
const std::string kLocalGroupSid = std::string(kNodeDomain) + "-1004";
TokenFacts host_group_user() {
  TokenFacts t;
  t.user_sid = std::string(kNodeDomain) + "-1005";
  t.user_name = "hpc-8a3f1c2e";  // the ephemeral account's name is containerd's choice
  t.domain = "WIN-NODE1";
  t.group_sids = {kLocalGroupSid, "S-1-1-0", "S-1-5-32-545", "S-1-5-4", "S-1-5-11", "S-1-5-15"};
  t.privileges = kUserPrivileges;
  t.integrity_level = "S-1-16-8192";
  t.elevated = false;
  return t;
}

constexpr const char* kSandbox =
    "C:\\C\\3f6d1b8e0c2a47e5b9d4a1c7e8f90b12d3c4e5f6a7b8c9d0e1f2a3b4c5d6e7f8\\";

token::AccessTokenFacts access(Result<TokenFacts> token, bool host_process = false) {
  return {std::move(token), host_process ? std::optional<std::string>(kSandbox) : std::nullopt};
}

Result<TokenFacts> denied_token() {
  return fake_error("ERROR_ACCESS_DENIED", "OpenProcessToken");
}

PodRequests spec() {
  PodRequests requests;
  requests.from_pod_spec = true;
  return requests;
}

PodRequests run_as(const std::string& name) {
  auto requests = spec();
  requests.run_as_user_name = name;
  return requests;
}

ProbeContext context_for(FakePlatform& os, const PodRequests& requests) {
  return ProbeContext{os, requests, false, ".capprobe-4242-abcdef",
                      std::chrono::steady_clock::now() + std::chrono::seconds(2)};
}

bool ignored_summary(const CapabilityResult& result) {
  return result.summary.rfind(std::string(kIgnoredPrefix), 0) == 0;
}

}  // namespace

// --- the token ---------------------------------------------------------------------------

TEST_CASE("windows token: integrity levels are named from their label SID") {
  const std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> cases = {
      {"S-1-16-0", "untrusted"},
      {"S-1-16-4096", "low"},
      {"S-1-16-8192", "medium"},
      {"S-1-16-8448", "medium_plus"},
      {"S-1-16-12288", "high"},
      {"s-1-16-16384", "system"},
      {"S-1-16-20480", "protected_process"},
      {"S-1-16-28672", "rid:28672"},
      {"S-1-5-18", std::nullopt},
      {"S-1-16-", std::nullopt},
      {std::nullopt, std::nullopt},
  };
  for (const auto& [sid, name] : cases) {
    INFO(sid.value_or("(none)"));
    CHECK(token::integrity_name(sid) == name);
  }
}

TEST_CASE("windows token: the account word and the privilege class") {
  struct Case {
    const char* name;
    TokenFacts token;
    std::string account;
    std::string privilege_class;
  };
  auto low = container_user();
  low.integrity_level = "S-1-16-4096";
  auto no_label = container_user();
  no_label.integrity_level.reset();
  auto nothing_known = no_label;
  nothing_known.elevated.reset();
  auto unnamed = host_group_user();
  unnamed.user_name.reset();
  auto service_integrity = host_group_user();  // an NT SERVICE\ virtual account, say
  service_integrity.integrity_level = "S-1-16-16384";
  auto elevated_medium = host_group_user();
  elevated_medium.elevated = true;
  const std::vector<Case> cases = {
      {"ContainerAdministrator", container_administrator(), "container_administrator",
       "administrator"},
      {"ContainerUser", container_user(), "container_user", "user"},
      {"HostProcess SYSTEM", host_system(), "system", "system"},
      {"HostProcess LocalService", host_service(false), "local_service", "service"},
      {"HostProcess NetworkService", host_service(true), "network_service", "service"},
      {"HostProcess local group account", host_group_user(), "user:hpc-8a3f1c2e", "user"},
      {"low integrity", low, "container_user", "restricted"},
      {"no label, not elevated", no_label, "container_user", "user"},
      {"neither label nor elevation", nothing_known, "container_user", "unknown"},
      {"no name", unnamed, "sid:" + std::string(kNodeDomain) + "-1005", "user"},
      {"System integrity, another account", service_integrity, "user:hpc-8a3f1c2e", "service"},
      {"elevated at Medium", elevated_medium, "user:hpc-8a3f1c2e", "administrator"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(token::account_word(c.token) == c.account);
    CHECK(token::privilege_class(c.token) == c.privilege_class);
  }
  CHECK(token::describe_account(container_administrator()) ==
        "User Manager\\ContainerAdministrator (S-1-5-93-2-1)");
  CHECK(token::describe_account(unnamed) == std::string(kNodeDomain) + "-1005");
  CHECK(token::has_group(container_administrator(), token::kAdministratorsSid));
  CHECK_FALSE(token::has_group(container_user(), token::kAdministratorsSid));
}

// --- security.identity -------------------------------------------------------------------

TEST_CASE("windows identity: runAsUserName spellings against the token's account") {
  TokenFacts app = container_user();
  app.user_sid = std::string(kNodeDomain) + "-1001";
  app.user_name = "app";
  app.domain = "WEB-1";
  TokenFacts app_no_domain = app;
  app_no_domain.domain.reset();
  TokenFacts unnamed = app;
  unnamed.user_name.reset();
  struct Case {
    std::string asked;
    TokenFacts token;
    AccountMatch expected;
  };
  const std::vector<Case> cases = {
      {"ContainerAdministrator", container_administrator(), AccountMatch::same},
      {"containeradministrator", container_administrator(), AccountMatch::same},
      {"User Manager\\ContainerAdministrator", container_administrator(), AccountMatch::same},
      {"ContainerUser", container_administrator(), AccountMatch::different},
      {"ContainerUser", container_user(), AccountMatch::same},
      {"NT AUTHORITY\\SYSTEM", host_system(), AccountMatch::same},
      {"LocalSystem", host_system(), AccountMatch::same},
      {".\\LocalSystem", host_system(), AccountMatch::same},
      {"NT AUTHORITY\\Local service", host_service(false), AccountMatch::same},
      {"NT AUTHORITY\\LOCAL SERVICE", host_service(false), AccountMatch::same},
      {"LocalService", host_service(false), AccountMatch::same},
      {"NT AUTHORITY\\NetworkService", host_service(true), AccountMatch::same},
      {"NT AUTHORITY\\NETWORK SERVICE", host_service(true), AccountMatch::same},
      {"NT AUTHORITY\\NetworkService", host_service(false), AccountMatch::different},
      {"NT AUTHORITY\\SYSTEM", host_service(false), AccountMatch::different},
      // Well-known by SID even when the token's name is missing or localised.
      {"NT AUTHORITY\\SYSTEM",
       [] {
         auto t = host_system();
         t.user_name = "SYSTÈME";
         return t;
       }(),
       AccountMatch::same},
      {"app", app, AccountMatch::same},
      {"APP", app, AccountMatch::same},
      {"WEB-1\\app", app, AccountMatch::same},
      {"web-1\\App", app, AccountMatch::same},
      {".\\app", app, AccountMatch::same},
      {"web-1.contoso.com\\app", app, AccountMatch::same},
      {"CONTOSO\\app", app, AccountMatch::same_name_other_domain},
      {"CONTOSO\\app", app_no_domain, AccountMatch::same},
      {"other", app, AccountMatch::different},
      {"app", unnamed, AccountMatch::unknown},
      {"ContainerUser", unnamed, AccountMatch::different},
  };
  for (const auto& c : cases) {
    INFO(c.asked << " vs " << c.token.user_name.value_or(c.token.user_sid));
    CHECK(match_account(c.asked, c.token) == c.expected);
  }
  CHECK(well_known_sid("NT AUTHORITY\\Local service") == "S-1-5-19");
  CHECK(well_known_sid("CONTOSO\\SYSTEM") == std::nullopt);  // a domain account, not LocalSystem
  CHECK(well_known_sid("hpc-localgroup") == std::nullopt);
}

TEST_CASE("windows identity: the account against runAsUserName") {
  struct Case {
    const char* name;
    token::AccessTokenFacts access;
    std::vector<TokenGroupName> groups;
    PodRequests requests;
    Status expected;
    std::string observed;
    std::optional<bool> requested;
    std::vector<std::string> summary_has;
  };
  const std::vector<TokenGroupName> named_groups = {
      {kLocalGroupSid, AccountName{"hpc-localgroup", "WIN-NODE1"}},
      {"S-1-1-0", AccountName{"Everyone", ""}},
      {"S-1-5-32-545", AccountName{"Users", "BUILTIN"}},
      {"S-1-5-4", AccountName{"INTERACTIVE", "NT AUTHORITY"}},
      {"S-1-5-11", AccountName{"Authenticated Users", "NT AUTHORITY"}},
      {"S-1-5-15", AccountName{"This Organization", "NT AUTHORITY"}},
  };
  auto unnamed_groups = named_groups;
  unnamed_groups[0].account = fake_error("ERROR_NONE_MAPPED", "LookupAccountSidW");
  auto other_group = named_groups;
  other_group[0].account = AccountName{"other-group", "WIN-NODE1"};
  auto linux_fields = spec();
  linux_fields.run_as_user = 1000;
  linux_fields.supplemental_groups = std::vector<std::int64_t>{2000};
  auto unnamed_user = container_user();
  unnamed_user.user_sid = std::string(kNodeDomain) + "-1001";
  unnamed_user.user_name.reset();

  const std::vector<Case> cases = {
      {"WS2019 servercore, nothing known to be asked",
       access(container_administrator()),
       {},
       PodRequests{},
       Status::supported,
       "container_administrator",
       std::nullopt,
       {"runs as User Manager\\ContainerAdministrator (S-1-5-93-2-1)"}},
      {"a pod spec without runAsUserName",
       access(container_administrator()),
       {},
       spec(),
       Status::supported,
       "container_administrator",
       false,
       {"ContainerAdministrator"}},
      {"runAsUserName ContainerUser honoured",
       access(container_user()),
       {},
       run_as("ContainerUser"),
       Status::supported,
       "container_user",
       true,
       {"as the pod spec asks"}},
      {"runAsUserName ContainerUser ignored",
       access(container_administrator()),
       {},
       run_as("ContainerUser"),
       Status::unsupported,
       "container_administrator",
       true,
       {"securityContext.windowsOptions.runAsUserName=ContainerUser was requested",
        "ContainerAdministrator"}},
      {"HostProcess as NT AUTHORITY\\Local service",
       access(host_service(false), true),
       {},
       run_as("NT AUTHORITY\\Local service"),
       Status::supported,
       "local_service",
       true,
       {"LOCAL SERVICE", "in a HostProcess container", "as the pod spec asks"}},
      {"HostProcess asked for SYSTEM runs as LocalService",
       access(host_service(false), true),
       {},
       run_as("NT AUTHORITY\\SYSTEM"),
       Status::unsupported,
       "local_service",
       true,
       {"runAsUserName=NT AUTHORITY\\SYSTEM was requested"}},
      {"HostProcess local group, the account is its member",
       access(host_group_user(), true),
       named_groups,
       run_as("hpc-localgroup"),
       Status::supported,
       "user:hpc-8a3f1c2e",
       true,
       {"a member of the local group WIN-NODE1\\hpc-localgroup that runAsUserName names"}},
      {"HostProcess local group, a group could not be named",
       access(host_group_user(), true),
       unnamed_groups,
       run_as("hpc-localgroup"),
       Status::untested,
       "user:hpc-8a3f1c2e",
       true,
       {"may name a local group of the account", "1 of the token's 6 groups could not be named"}},
      {"HostProcess local group, groups not looked up",
       access(host_group_user(), true),
       {},
       run_as("hpc-localgroup"),
       Status::untested,
       "user:hpc-8a3f1c2e",
       true,
       {"6 of the token's 6 groups could not be named"}},
      {"HostProcess local group, not a group of the token",
       access(host_group_user(), true),
       other_group,
       run_as("hpc-localgroup"),
       Status::unsupported,
       "user:hpc-8a3f1c2e",
       true,
       {"runAsUserName=hpc-localgroup was requested"}},
      {"a group name outside HostProcess is just another user",
       access(container_user()),
       named_groups,
       run_as("hpc-localgroup"),
       Status::unsupported,
       "container_user",
       true,
       {"runAsUserName=hpc-localgroup was requested"}},
      {"the same name in another domain",
       access(host_group_user(), true),
       {},
       run_as("CONTOSO\\hpc-8a3f1c2e"),
       Status::partial,
       "user:hpc-8a3f1c2e",
       true,
       {"the user name matches but the domain does not"}},
      {"an account without a name",
       access(unnamed_user),
       {},
       run_as("app"),
       Status::untested,
       "sid:" + std::string(kNodeDomain) + "-1001",
       true,
       {"cannot be compared"}},
      {"runAsUser and supplementalGroups are Linux fields",
       access(container_administrator()),
       {},
       linux_fields,
       Status::supported,
       "container_administrator",
       false,
       {"securityContext.runAsUser=1000, securityContext.supplementalGroups=[2000] are Linux "
        "fields without effect on Windows"}},
      {"the token cannot be read",
       access(denied_token()),
       {},
       run_as("ContainerUser"),
       Status::untested,
       "unknown",
       true,
       {"ERROR_ACCESS_DENIED", "not known"}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto result = judge_windows_identity({c.access, c.groups}, c.requests);
    INFO(result.summary);
    CHECK(result.id == "security.identity");
    CHECK(result.status == c.expected);
    CHECK(result.observed == c.observed);
    CHECK(result.requested == c.requested);
    CHECK(result.requested_but_ignored() == (c.expected == Status::unsupported));
    CHECK(ignored_summary(result) == (c.expected == Status::unsupported));
    for (const auto& part : c.summary_has) CHECK_THAT(result.summary, Catch::Contains(part));
  }
}

TEST_CASE("windows identity: evidence names the account, the token and what was asked") {
  auto requests = run_as("ContainerAdministrator");
  requests.run_as_group = 3000;
  const auto result = judge_windows_identity({access(container_administrator()), {}}, requests);
  const auto& e = result.evidence;
  CHECK(e["user_sid"] == "S-1-5-93-2-1");
  CHECK(e["user_name"] == "ContainerAdministrator");
  CHECK(e["domain"] == "User Manager");
  CHECK(e["account"] == "container_administrator");
  CHECK(e["integrity_level"] == "S-1-16-12288");
  CHECK(e["integrity"] == "high");
  CHECK(e["elevated"] == true);
  CHECK(e["host_process"] == false);
  CHECK(e["sandbox_mount_point"].is_null());
  CHECK(e["token_read"] == "ok");
  CHECK(e["match"] == "same");
  CHECK(e["asked"]["run_as_user_name"] == "ContainerAdministrator");
  CHECK(e["asked"]["run_as_group"] == 3000);
  CHECK(e["not_applicable_fields"] == nlohmann::json({"runAsGroup=3000"}));
  CHECK(e["group_sids"].size() == 8);

  const auto unread = judge_windows_identity({access(denied_token()), {}}, PodRequests{});
  CHECK(unread.evidence["token_read"] == "ERROR_ACCESS_DENIED");
  CHECK(unread.evidence["user_sid"].is_null());
  CHECK(unread.evidence["integrity"].is_null());
}

TEST_CASE("windows identity probe over the fake: WS2019 and WS2022 containers") {
  FakePlatform os;
  os.windows.kernel_version = capprobe::platform::WindowsVersion{10, 0, 17763, 3};

  SECTION("WS2019 process-isolated servercore as ContainerAdministrator, as asked") {
    os.windows.token = container_administrator();
    const auto requests = run_as("ContainerAdministrator");
    auto ctx = context_for(os, requests);
    const auto result = security_identity_windows_probe().run(ctx);
    INFO(result.summary);
    CHECK(result.status == Status::supported);
    CHECK(result.observed == "container_administrator");
    CHECK(result.evidence["integrity"] == "high");
    CHECK(result.evidence["group_lookups"].empty());
  }
  SECTION("WS2022 Hyper-V-isolated nanoserver as ContainerUser, ContainerAdministrator asked") {
    os.windows.kernel_version = capprobe::platform::WindowsVersion{10, 0, 20348, 3};
    os.windows.token = container_user();
    const auto requests = run_as("ContainerAdministrator");
    auto ctx = context_for(os, requests);
    const auto result = security_identity_windows_probe().run(ctx);
    INFO(result.summary);
    CHECK(result.status == Status::unsupported);
    CHECK(result.requested_but_ignored());
    CHECK(result.observed == "container_user");
  }
  SECTION("the token cannot be read") {
    os.windows.token = denied_token();
    const PodRequests nothing;
    auto ctx = context_for(os, nothing);
    const auto result = security_identity_windows_probe().run(ctx);
    CHECK(result.status == Status::untested);
    CHECK(result.evidence["token_read"] == "ERROR_ACCESS_DENIED");
  }
}

TEST_CASE("windows identity probe over the fake: HostProcess pods") {
  FakePlatform os;
  os.windows.kernel_version = capprobe::platform::WindowsVersion{10, 0, 20348, 3};
  os.environment[token::kSandboxMountPointEnv] = kSandbox;

  SECTION("as SYSTEM, asked: no group is looked up") {
    os.windows.token = host_system();
    const auto requests = run_as("NT AUTHORITY\\SYSTEM");
    auto ctx = context_for(os, requests);
    const auto result = security_identity_windows_probe().run(ctx);
    INFO(result.summary);
    CHECK(result.status == Status::supported);
    CHECK(result.observed == "system");
    CHECK(result.evidence["host_process"] == true);
    CHECK(result.evidence["sandbox_mount_point"] == kSandbox);
    CHECK(result.evidence["group_lookups"].empty());
  }
  SECTION("as an ephemeral account of the local group asked for") {
    os.windows.token = host_group_user();
    os.windows.accounts[kLocalGroupSid] = AccountName{"hpc-localgroup", "WIN-NODE1"};
    os.windows.accounts["S-1-5-32-545"] = AccountName{"Users", "BUILTIN"};
    const auto requests = run_as("hpc-localgroup");
    auto ctx = context_for(os, requests);
    const auto result = security_identity_windows_probe().run(ctx);
    INFO(result.summary);
    CHECK(result.status == Status::supported);
    CHECK(result.observed == "user:hpc-8a3f1c2e");
    CHECK(result.evidence["group_match"] == kLocalGroupSid);
    CHECK(result.evidence["group_lookups"][kLocalGroupSid] == "WIN-NODE1\\hpc-localgroup");
    CHECK(result.evidence["group_lookups"]["S-1-5-4"] == "ERROR_NONE_MAPPED");
  }
  SECTION("the local group asked for is not the token's") {
    os.windows.token = host_group_user();
    for (const auto& sid : host_group_user().group_sids)
      os.windows.accounts[sid] = AccountName{"group-" + sid.substr(sid.size() - 2), "WIN-NODE1"};
    const auto requests = run_as("hpc-localgroup");
    auto ctx = context_for(os, requests);
    const auto result = security_identity_windows_probe().run(ctx);
    INFO(result.summary);
    CHECK(result.status == Status::unsupported);
    CHECK(result.requested_but_ignored());
  }
  SECTION("outside HostProcess no group is looked up") {
    os.environment.clear();
    os.windows.token = container_user();
    const auto requests = run_as("hpc-localgroup");
    auto ctx = context_for(os, requests);
    const auto result = security_identity_windows_probe().run(ctx);
    CHECK(result.status == Status::unsupported);
    CHECK(result.evidence["group_lookups"].empty());
  }
}

// --- security.capabilities ---------------------------------------------------------------

TEST_CASE("windows capabilities: the token's class, privileges and the Linux fields") {
  struct Case {
    const char* name;
    token::AccessTokenFacts access;
    PodRequests requests;
    Status expected;
    std::string observed;
    std::optional<bool> requested;
    std::vector<std::string> summary_has;
  };
  auto privileged = spec();
  privileged.privileged = true;
  privileged.capabilities_add = std::vector<std::string>{"NET_ADMIN"};
  privileged.capabilities_drop = std::vector<std::string>{};
  const std::vector<Case> cases = {
      {"ContainerAdministrator",
       access(container_administrator()),
       PodRequests{},
       Status::supported,
       "administrator",
       std::nullopt,
       {"at high integrity, elevated: an elevated administrator, with 24 privileges (3 enabled)",
        "it holds SeDebugPrivilege, SeImpersonatePrivilege, SeLoadDriverPrivilege, "
        "SeBackupPrivilege and 3 more",
        "SeCreateSymbolicLinkPrivilege held"}},
      {"ContainerUser",
       access(container_user()),
       spec(),
       Status::supported,
       "user",
       false,
       {"a standard user, with 2 privileges (1 enabled)", "none of the powerful ones",
        "without SeCreateSymbolicLinkPrivilege"}},
      {"HostProcess SYSTEM",
       access(host_system(), true),
       spec(),
       Status::supported,
       "system",
       false,
       {"in a HostProcess container at system integrity, elevated: the LocalSystem account",
        "SeTcbPrivilege", "these are privileges on the node itself"}},
      {"HostProcess LocalService",
       access(host_service(false), true),
       spec(),
       Status::supported,
       "service",
       false,
       {"a service account", "SeAssignPrimaryTokenPrivilege, SeImpersonatePrivilege",
        "these are privileges on the node itself"}},
      {"privileged: true and capabilities.add are Linux fields, not requests",
       access(container_administrator()),
       privileged,
       Status::supported,
       "administrator",
       false,
       {"securityContext.privileged=true, securityContext.capabilities.add [NET_ADMIN] are "
        "Linux fields without effect on Windows"}},
      {"the token cannot be read",
       access(denied_token()),
       spec(),
       Status::untested,
       "unknown",
       false,
       {"ERROR_ACCESS_DENIED", "privileges are not known"}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto result = judge_windows_capabilities(c.access, c.requests);
    INFO(result.summary);
    CHECK(result.id == "security.capabilities");
    CHECK(result.status == c.expected);
    CHECK(result.observed == c.observed);
    CHECK(result.requested == c.requested);
    CHECK_FALSE(result.requested_but_ignored());
    for (const auto& part : c.summary_has) CHECK_THAT(result.summary, Catch::Contains(part));
  }
}

TEST_CASE("windows capabilities: evidence lists every privilege and the notable ones' states") {
  const auto admin = judge_windows_capabilities(access(container_administrator()), PodRequests{});
  const auto& e = admin.evidence;
  CHECK(e["privileges"].size() == 24);
  CHECK(e["privileges"][0] ==
        nlohmann::json({{"name", "SeIncreaseQuotaPrivilege"}, {"enabled", false}}));
  CHECK(e["enabled_privileges"] ==
        nlohmann::json(
            {"SeChangeNotifyPrivilege", "SeImpersonatePrivilege", "SeCreateGlobalPrivilege"}));
  CHECK(e["notable_privileges"]["SeCreateSymbolicLinkPrivilege"] == "disabled");
  CHECK(e["notable_privileges"]["SeImpersonatePrivilege"] == "enabled");
  CHECK(e["notable_privileges"]["SeTcbPrivilege"] == "absent");
  CHECK(e["notable_privileges"].size() == notable_privileges().size());
  CHECK(e["administrators_member"] == true);
  CHECK(e["integrity"] == "high");
  CHECK(e["not_applicable_fields"] == nlohmann::json::array());

  const auto user = judge_windows_capabilities(access(container_user()), PodRequests{});
  CHECK(user.evidence["notable_privileges"]["SeCreateSymbolicLinkPrivilege"] == "absent");
  CHECK(user.evidence["administrators_member"] == false);

  const auto system = judge_windows_capabilities(access(host_system(), true), PodRequests{});
  CHECK(system.evidence["notable_privileges"]["SeTcbPrivilege"] == "enabled");
  CHECK(system.evidence["notable_privileges"]["SeDebugPrivilege"] == "enabled");
  CHECK(system.evidence["host_process"] == true);

  CHECK(privilege_state(container_user(), "SeChangeNotifyPrivilege") == "enabled");
  CHECK(privilege_state(container_user(), "SeIncreaseWorkingSetPrivilege") == "disabled");
  CHECK(privilege_state(container_user(), "SeDebugPrivilege") == "absent");
}

TEST_CASE("windows capabilities probe over the fake") {
  FakePlatform os;
  os.windows.kernel_version = capprobe::platform::WindowsVersion{10, 0, 17763, 3};
  const auto requests = spec();

  SECTION("WS2019 process-isolated servercore") {
    os.windows.token = container_administrator();
    auto ctx = context_for(os, requests);
    const auto result = security_capabilities_windows_probe().run(ctx);
    INFO(result.summary);
    CHECK(result.status == Status::supported);
    CHECK(result.observed == "administrator");
    CHECK(result.requested == false);
  }
  SECTION("WS2022 Hyper-V-isolated nanoserver") {
    os.windows.token = container_user();
    auto ctx = context_for(os, requests);
    const auto result = security_capabilities_windows_probe().run(ctx);
    CHECK(result.observed == "user");
  }
  SECTION("a HostProcess pod as NetworkService") {
    os.windows.token = host_service(true);
    os.environment[token::kSandboxMountPointEnv] = kSandbox;
    auto ctx = context_for(os, requests);
    const auto result = security_capabilities_windows_probe().run(ctx);
    INFO(result.summary);
    CHECK(result.observed == "service");
    CHECK(result.evidence["host_process"] == true);
    CHECK(result.evidence["user_name"] == "NETWORK SERVICE");
  }
  SECTION("no token") {
    auto ctx = context_for(os, requests);  // the fake's token is unset
    const auto result = security_capabilities_windows_probe().run(ctx);
    CHECK(result.status == Status::untested);
    CHECK(result.evidence["token_read"] == "ERROR_CALL_NOT_IMPLEMENTED");
  }
}

// --- security.confinement ----------------------------------------------------------------

TEST_CASE("windows confinement: seccomp, AppArmor and SELinux do not exist on Windows") {
  struct Case {
    const char* name;
    token::AccessTokenFacts access;
    PodRequests requests;
    std::optional<bool> requested;
    std::vector<std::string> summary_has;
  };
  auto asked = spec();
  asked.seccomp_profile = "RuntimeDefault";
  asked.selinux_type = "container_t";
  asked.allow_privilege_escalation = false;
  const std::vector<Case> cases = {
      {"process-isolated container",
       access(container_administrator()),
       PodRequests{},
       std::nullopt,
       {"do not exist on Windows", "job object and server silo", "at high integrity"}},
      {"HostProcess container",
       access(host_system(), true),
       spec(),
       false,
       {"no isolation beyond its account's rights", "at system integrity"}},
      {"Linux confinement fields asked",
       access(container_user()),
       asked,
       false,
       {"seccompProfile RuntimeDefault, seLinuxOptions.type container_t, "
        "allowPrivilegeEscalation false are Linux fields without effect here"}},
      {"the token cannot be read",
       access(denied_token()),
       spec(),
       false,
       {"do not exist on Windows"}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto result = judge_windows_confinement(c.access, c.requests);
    INFO(result.summary);
    CHECK(result.id == "security.confinement");
    CHECK(result.status == Status::not_applicable);
    CHECK(result.observed == "not_applicable");
    CHECK(result.requested == c.requested);
    CHECK_FALSE(result.requested_but_ignored());
    for (const auto& part : c.summary_has) CHECK_THAT(result.summary, Catch::Contains(part));
  }
  const auto unread = judge_windows_confinement(access(denied_token()), PodRequests{});
  CHECK(unread.evidence["token_read"] == "ERROR_ACCESS_DENIED");
  CHECK_THAT(unread.summary, !Catch::Contains("integrity"));
  const auto with_fields = judge_windows_confinement(access(container_user()), asked);
  CHECK(with_fields.evidence["not_applicable_fields"].size() == 3);
  CHECK(with_fields.evidence["asked"]["seccomp_profile"] == "RuntimeDefault");
  CHECK(with_fields.evidence["integrity_level"] == "S-1-16-8192");
}

TEST_CASE("windows confinement probe over the fake") {
  FakePlatform os;
  os.windows.token = container_administrator();
  const auto requests = spec();
  auto ctx = context_for(os, requests);
  const auto result = security_confinement_windows_probe().run(ctx);
  INFO(result.summary);
  CHECK(result.status == Status::not_applicable);
  CHECK(result.evidence["integrity"] == "high");
  CHECK(result.evidence["host_process"] == false);
}

// --- the catalog -------------------------------------------------------------------------

TEST_CASE("the security probes are one catalog entry for both OSes") {
  const std::vector<std::pair<Probe, Probe>> pairs = {
      {security_identity_linux_probe(), security_identity_windows_probe()},
      {security_capabilities_linux_probe(), security_capabilities_windows_probe()},
      {security_confinement_linux_probe(), security_confinement_windows_probe()},
  };
  for (const auto& [linux_probe, windows_probe] : pairs) {
    INFO(linux_probe.info.id);
    CHECK(windows_probe.info.id == linux_probe.info.id);
    CHECK(windows_probe.info.title == linux_probe.info.title);
    CHECK(windows_probe.info.pod_spec_field == linux_probe.info.pod_spec_field);
    CHECK(windows_probe.info.scope == SpecScope::container);
    CHECK(windows_probe.info.platforms == std::vector<std::string>{"linux", "windows"});
  }
}
