// security.identity, security.capabilities, security.confinement: the /proc/self/status parser,
// the capability names, the LSM judgement and the three verdicts, table-driven over captured
// status texts and labels; then the probes end to end over fixture trees.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "platform/fake/fake_platform.hpp"
#include "probes/common/id_map.hpp"
#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/proc_status.hpp"
#include "probes/probe_list.hpp"
#include "probes/security/cap_names.hpp"
#include "probes/security/capabilities_linux.hpp"
#include "probes/security/confinement_linux.hpp"
#include "probes/security/identity_linux.hpp"
#include "probes/security/lsm.hpp"
#include "probes/security/user_namespace.hpp"
#include "tests/unit/probes/fixtures.hpp"

using capprobe::platform::fake_error;
using capprobe::platform::FakePlatform;
using capprobe::platform::FileKind;
using capprobe::platform::Result;
using namespace capprobe::probes;

namespace {

// Captured /proc/self/status texts (trimmed to the lines that matter plus some neighbours).
const std::string kRootFullCaps =  // `docker run --privileged`, kernel 6.1 (cap_last_cap 40)
    "Name:\tsh\nUmask:\t0022\nState:\tR (running)\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
    "FDSize:\t64\nGroups:\t0 1 2 3 4 6 10 11 20 26 27 \nCapInh:\t0000000000000000\n"
    "CapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n"
    "CapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n"
    "Speculation_Store_Bypass:\tthread vulnerable\nCpus_allowed_list:\t0-7\n";

const std::string kDockerDefault =  // `docker run` as root with the default profile
    "Name:\tsh\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t0 1 2 3 4 6 10 11 20 26 27 \n"
    "CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\n"
    "CapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t2\n"
    "Seccomp_filters:\t1\n";

const std::string kRuncDropped =  // runc with --cap-drop NET_RAW --cap-drop MKNOD
    "Name:\tsh\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\nCapInh:\t0000000000000000\n"
    "CapPrm:\t00000000a00405fb\nCapEff:\t00000000a00405fb\nCapBnd:\t00000000a00405fb\n"
    "CapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t2\nSeccomp_filters:\t1\n";

const std::string kUserNoNewPrivs =  // runAsUser 1000, fsGroup 2000, allowPrivilegeEscalation false
    "Name:\tcapprobe\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n"
    "Groups:\t1000 2000 \nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\n"
    "CapEff:\t0000000000000000\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\n"
    "NoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t3\n";

const std::string kAllButSysResource =  // this project's Firecracker build VM: root, one cap off
    "Name:\tcat\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t \nCapInh:\t0000000000000000\n"
    "CapPrm:\t000001fffeffffff\nCapEff:\t000001fffeffffff\nCapBnd:\t000001fffeffffff\n"
    "CapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n";

const std::string kOldKernel =  // 3.10: no CapAmb, NoNewPrivs, Seccomp_filters; no seccomp
    "Name:\tsh\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t0 \nCapInh:\t0000000000000000\n"
    "CapPrm:\t0000001fffffffff\nCapEff:\t0000001fffffffff\nCapBnd:\t0000001fffffffff\n";

Result<std::string> ok(std::string text) {
  return text;
}
Result<std::string> err(const std::string& name) {
  return fake_error(name, "read");
}

ProcStatus status_of(const std::string& text) {
  return parse_proc_status(text);
}

LsmFacts lsm_none() {
  return {err("ENOENT"), err("EINVAL"), err("ENOENT"), err("ENOENT")};
}
LsmFacts lsm_docker_apparmor() {
  return {ok("docker-default (enforce)\n"), ok("docker-default (enforce)\n"), err("ENOENT"),
          ok("Y\n")};
}
LsmFacts lsm_apparmor_unconfined() {
  return {ok("unconfined\n"), ok("unconfined\n"), err("ENOENT"), ok("Y\n")};
}
LsmFacts lsm_selinux_container() {
  return {err("EINVAL"), ok(std::string("system_u:system_r:container_t:s0:c1,c2\0", 39)), ok("1"),
          err("ENOENT")};
}
LsmFacts lsm_denied() {
  return {err("EACCES"), err("EACCES"), err("ENOENT"), err("ENOENT")};
}

ProbeContext context_for(FakePlatform& os, const PodRequests& requests) {
  return ProbeContext{os, requests, false, ".capprobe-4242-abcdef",
                      std::chrono::steady_clock::now() + std::chrono::seconds(2)};
}

}  // namespace

// --- /proc/self/status -------------------------------------------------------------------

TEST_CASE("parse_proc_status reads ids, groups, capability sets and seccomp") {
  const auto root = status_of(kRootFullCaps);
  REQUIRE(root.uid);
  CHECK(root.uid->real == 0);
  CHECK(root.uid->fs == 0);
  REQUIRE(root.groups);
  CHECK(*root.groups == std::vector<std::int64_t>{0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27});
  CHECK(root.cap_effective == 0x1ffffffffffull);
  CHECK(root.cap_bounding == 0x1ffffffffffull);
  CHECK(root.cap_ambient == 0u);
  CHECK(root.no_new_privs == false);
  CHECK(root.seccomp == 0);
  CHECK(root.seccomp_filters == 0);

  const auto user = status_of(kUserNoNewPrivs);
  REQUIRE(user.uid);
  CHECK(user.uid->effective == 1000);
  CHECK(user.gid->saved == 1000);
  CHECK(*user.groups == std::vector<std::int64_t>{1000, 2000});
  CHECK(user.cap_effective == 0u);
  CHECK(user.cap_bounding == 0xa80425fbull);
  CHECK(user.no_new_privs == true);
  CHECK(user.seccomp == 2);
  CHECK(user.seccomp_filters == 3);
}

TEST_CASE("parse_proc_status keeps missing and malformed lines apart from zero") {
  const auto old = status_of(kOldKernel);
  CHECK(old.cap_effective == 0x1fffffffffull);
  CHECK_FALSE(old.cap_ambient);
  CHECK_FALSE(old.no_new_privs);
  CHECK_FALSE(old.seccomp);
  CHECK_FALSE(old.seccomp_filters);

  const auto empty_groups = status_of(kAllButSysResource);  // "Groups:\t \n"
  REQUIRE(empty_groups.groups);
  CHECK(empty_groups.groups->empty());

  const auto broken = status_of(
      "Uid:\t0\t0\t0\nGid:\tx\t0\t0\t0\nCapEff:\tzz\nSeccomp:\t7\n"
      "NoNewPrivs:\t2\nGroups:\t1 a\n");
  CHECK_FALSE(broken.uid);  // three fields
  CHECK_FALSE(broken.gid);
  CHECK_FALSE(broken.cap_effective);
  CHECK_FALSE(broken.seccomp);  // no mode 7
  CHECK_FALSE(broken.no_new_privs);
  CHECK_FALSE(broken.groups);

  const auto nothing = status_of("");
  CHECK_FALSE(nothing.uid);
  CHECK_FALSE(nothing.groups);
}

// --- capability names --------------------------------------------------------------------

TEST_CASE("capability sets decode into kernel names, unknown high bits as CAP_<n>") {
  const auto defaults = caps::names_of(0xa80425fbull);
  CHECK(defaults == std::vector<std::string>{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER",
                                             "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
                                             "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW",
                                             "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_AUDIT_WRITE",
                                             "CAP_SETFCAP"});
  CHECK(caps::container_default_set() == 0xa80425fbull);
  CHECK(caps::names_of(0).empty());
  CHECK(caps::names_of(0x1ffffffffffull).size() == 41);
  CHECK(caps::names_of(0x1ffffffffffull).back() == "CAP_CHECKPOINT_RESTORE");
  CHECK(caps::names_of((1ull << 41) | (1ull << 63)) ==
        std::vector<std::string>{"CAP_41", "CAP_63"});
  CHECK(caps::name_of(24) == "CAP_SYS_RESOURCE");
  CHECK(caps::name_of(38) == "CAP_PERFMON");
  CHECK(caps::full_set(40) == 0x1ffffffffffull);
  CHECK(caps::full_set(63) == ~0ull);
}

TEST_CASE("capability names from a pod spec map to bits") {
  struct Case {
    const char* name;
    std::optional<int> bit;
  };
  const std::vector<Case> cases = {
      {"NET_ADMIN", 12},        {"CAP_NET_ADMIN", 12}, {"cap_sys_admin", 21},
      {" SYS_PTRACE ", 19},     {"CHOWN", 0},          {"checkpoint_restore", 40},
      {"CAP_45", 45},           {"BPF", 39},           {"NET_ADMINS", std::nullopt},
      {"CAP_64", std::nullopt}, {"", std::nullopt},    {"CAP_-1", std::nullopt},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(caps::bit_of(c.name) == c.bit);
  }
}

// --- LSM ---------------------------------------------------------------------------------

TEST_CASE("the LSM label is judged from the AppArmor file first, then attr/current") {
  struct Case {
    const char* name;
    LsmFacts facts;
    std::string lsm, profile, mode, source;
    bool confining;
    std::optional<bool> unconfined;
  };
  const std::vector<Case> cases = {
      {"AppArmor docker-default (5.8+)", lsm_docker_apparmor(), "apparmor", "docker-default",
       "enforce", kAppArmorCurrentPath, true, false},
      {"AppArmor unconfined", lsm_apparmor_unconfined(), "apparmor", "unconfined", "unconfined",
       kAppArmorCurrentPath, false, true},
      {"legacy AppArmor in attr/current (< 5.8)",
       {err("ENOENT"), ok("cri-containerd.apparmor.d (enforce)\n"), err("ENOENT"), ok("Y")},
       "apparmor",
       "cri-containerd.apparmor.d",
       "enforce",
       kAttrCurrentPath,
       true,
       false},
      {"AppArmor complain only logs",
       {ok("my-profile (complain)\n"), err("EINVAL"), err("ENOENT"), ok("Y")},
       "apparmor",
       "my-profile",
       "complain",
       kAppArmorCurrentPath,
       false,
       true},
      {"SELinux container_t enforcing", lsm_selinux_container(), "selinux", "container_t",
       "enforcing", kAttrCurrentPath, true, false},
      {"SELinux permissive",
       {err("EINVAL"), ok("system_u:system_r:container_t:s0:c1,c2"), ok("0\n"), err("ENOENT")},
       "selinux",
       "container_t",
       "permissive",
       kAttrCurrentPath,
       false,
       true},
      {"SELinux spc_t (privileged container)",
       {err("EINVAL"), ok("system_u:system_r:spc_t:s0"), ok("1"), err("ENOENT")},
       "selinux",
       "spc_t",
       "enforcing",
       kAttrCurrentPath,
       false,
       true},
      {"SELinux label with selinuxfs hidden",
       {err("ENOENT"), ok("system_u:system_r:container_t:s0:c5,c9"), err("ENOENT"), err("ENOENT")},
       "selinux",
       "container_t",
       "",
       kAttrCurrentPath,
       true,
       false},
      {"no LSM labels processes", lsm_none(), "none", "", "", "", false, true},
      {"attr/current denied", lsm_denied(), "unknown", "", "", "", false, std::nullopt},
      {"AppArmor file absent, attr/current denied",
       {err("ENOENT"), err("EACCES"), err("ENOENT"), err("ENOENT")},
       "unknown",
       "",
       "",
       "",
       false,
       std::nullopt},
      {"unrecognised label",
       {err("ENOENT"), ok("kernel"), err("ENOENT"), err("ENOENT")},
       "unknown",
       "",
       "",
       kAttrCurrentPath,
       false,
       std::nullopt},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto view = judge_lsm(c.facts);
    CHECK(view.lsm == c.lsm);
    CHECK(view.profile == c.profile);
    CHECK(view.mode == c.mode);
    CHECK(view.source == c.source);
    CHECK(view.confining == c.confining);
    CHECK(view.unconfined == c.unconfined);
  }
}

TEST_CASE("LSM evidence keeps ENOENT, EINVAL and EACCES apart") {
  nlohmann::json evidence;
  const LsmFacts facts{err("ENOENT"), err("EINVAL"), err("EACCES"), ok("N\n")};
  add_lsm_evidence(evidence, facts, judge_lsm(facts));
  CHECK(evidence["lsm"] == "none");
  CHECK(evidence["lsm_reads"][kAppArmorCurrentPath] == "ENOENT");
  CHECK(evidence["lsm_reads"][kAttrCurrentPath] == "EINVAL");
  CHECK(evidence["lsm_reads"][kSelinuxEnforcePath] == "EACCES");
  CHECK(evidence["lsm_reads"][kAppArmorEnabledPath] == "ok");
  CHECK(evidence["apparmor_enabled"] == false);
  CHECK(evidence["selinux_enforce"].is_null());
  CHECK(evidence["lsm_label"].is_null());

  nlohmann::json selinux;
  add_lsm_evidence(selinux, lsm_selinux_container(), judge_lsm(lsm_selinux_container()));
  CHECK(selinux["lsm_label"] == "system_u:system_r:container_t:s0:c1,c2");  // NUL stripped
  CHECK(selinux["selinux_enforce"] == 1);
}

// --- security.identity -------------------------------------------------------------------

TEST_CASE("identity: requested user and groups against what is in effect") {
  struct Case {
    const char* name;
    std::string status;
    std::optional<std::int64_t> run_as_user, run_as_group;
    std::optional<std::vector<std::int64_t>> supplemental;
    bool from_pod_spec;
    Status expected;
    std::string observed;
    std::optional<bool> requested;
    std::vector<std::string> summary_has;
  };
  const std::vector<Case> cases = {
      {"nothing known to be asked",
       kDockerDefault,
       {},
       {},
       {},
       false,
       Status::supported,
       "root",
       std::nullopt,
       {"uid 0 (root)", "gid 0 (root)"}},
      {"pod spec without a securityContext",
       kDockerDefault,
       {},
       {},
       {},
       true,
       Status::supported,
       "root",
       false,
       {"uid 0"}},
      {"runAsUser honoured",
       kUserNoNewPrivs,
       1000,
       1000,
       std::vector<std::int64_t>{2000},
       true,
       Status::supported,
       "uid:1000",
       true,
       {"uid 1000 (app)", "2000 (ssl-cert)", "as the pod"}},
      {"runAsUser ignored",
       kDockerDefault,
       1000,
       {},
       {},
       true,
       Status::unsupported,
       "root",
       true,
       {"securityContext.runAsUser=1000 was requested", "uid 0 (root)"}},
      {"runAsGroup ignored",
       kUserNoNewPrivs,
       1000,
       3000,
       {},
       true,
       Status::unsupported,
       "uid:1000",
       true,
       {"runAsGroup=3000", "gid 1000 (app)"}},
      {"supplementalGroups partly missing",
       kUserNoNewPrivs,
       {},
       {},
       std::vector<std::int64_t>{2000, 4000, 5000},
       true,
       Status::unsupported,
       "uid:1000",
       true,
       {"securityContext.supplementalGroups=[4000,5000] was requested"}},
      {"supplementalGroup equal to the primary gid counts",
       kUserNoNewPrivs,
       {},
       {},
       std::vector<std::int64_t>{1000},
       true,
       Status::supported,
       "uid:1000",
       true,
       {}},
  };
  const IdentityFacts base{
      Result<ProcStatus>(ProcStatus{}),
      ok("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"),
      ok("root:x:0:\napp:x:1000:\nssl-cert:x:2000:app\n")};
  for (const auto& c : cases) {
    INFO(c.name);
    IdentityFacts facts{status_of(c.status), base.passwd, base.group};
    PodRequests requests;
    requests.from_pod_spec = c.from_pod_spec;
    requests.run_as_user = c.run_as_user;
    requests.run_as_group = c.run_as_group;
    requests.supplemental_groups = c.supplemental;
    const auto result = judge_identity(facts, requests);
    INFO(result.summary);
    CHECK(result.id == "security.identity");
    CHECK(result.status == c.expected);
    CHECK(result.observed == c.observed);
    CHECK(result.requested == c.requested);
    CHECK(result.requested_but_ignored() == (c.expected == Status::unsupported));
    if (c.expected == Status::unsupported)
      CHECK(result.summary.rfind(std::string(kIgnoredPrefix), 0) == 0);
    for (const auto& part : c.summary_has) CHECK_THAT(result.summary, Catch::Contains(part));
  }
}

TEST_CASE("identity: evidence carries every id and the names found") {
  const IdentityFacts facts{status_of(kUserNoNewPrivs), ok("app:x:1000:1000::/:/bin/sh\n"),
                            ok("app:x:1000:\nssl-cert:x:2000:\n")};
  const auto result = judge_identity(facts, PodRequests{});
  const auto& e = result.evidence;
  CHECK(e["uid"] == 1000);
  CHECK(e["gid"] == 1000);
  CHECK(e["uids"]["saved"] == 1000);
  CHECK(e["groups"] == nlohmann::json({1000, 2000}));
  CHECK(e["user_name"] == "app");
  CHECK(e["group_name"] == "app");
  CHECK(e["group_names"]["2000"] == "ssl-cert");
  CHECK(e["status_read"] == "ok");
  CHECK(e["asked"]["run_as_user"].is_null());
}

TEST_CASE("identity: unreadable status or name files are facts, not failures") {
  SECTION("status denied") {
    const IdentityFacts facts{Result<ProcStatus>(fake_error("EACCES", "open")), err("ENOENT"),
                              err("ENOENT")};
    PodRequests requests;
    requests.run_as_user = 1000;
    const auto result = judge_identity(facts, requests);
    CHECK(result.status == Status::untested);
    CHECK(result.observed == "unknown");
    CHECK(result.evidence["status_read"] == "EACCES");
    CHECK_THAT(result.summary, Catch::Contains("EACCES"));
  }
  SECTION("no /etc/passwd (distroless)") {
    const IdentityFacts facts{status_of(kUserNoNewPrivs), err("ENOENT"), err("EACCES")};
    const auto result = judge_identity(facts, PodRequests{});
    CHECK(result.status == Status::supported);
    CHECK(result.evidence["user_name"].is_null());
    CHECK(result.evidence["passwd_read"] == "ENOENT");
    CHECK(result.evidence["group_read"] == "EACCES");
    CHECK_THAT(result.summary, Catch::Contains("uid 1000,"));
  }
}

TEST_CASE("passwd and group files parse into id -> first name") {
  const auto names = parse_id_names(
      "# comment\nroot:x:0:0::/:/bin/sh\ntoor:x:0:0::/:/bin/sh\n\nbad line\n"
      "nobody:x:65534:65534::/:/sbin/nologin\nneg:x:-1:0::/:\n:x:5:5::/:\n");
  CHECK(names.size() == 2);
  CHECK(names.at(0) == "root");
  CHECK(names.at(65534) == "nobody");
}

// --- security.capabilities ---------------------------------------------------------------

namespace {
struct CapCase {
  const char* name;
  std::string status;
  LsmFacts lsm;
  std::vector<DeviceNode> devices;
  std::optional<bool> privileged;
  std::optional<std::vector<std::string>> add, drop;
  Status expected;
  std::string observed;
  bool is_privileged;
  std::vector<std::string> summary_has;
};

CapabilityFacts cap_facts(const CapCase& c) {
  return CapabilityFacts{status_of(c.status), ok("40\n"), c.lsm,
                         Result<std::vector<DeviceNode>>(c.devices)};
}

const std::vector<DeviceNode> kHostDev = {{"/dev/null", FileKind::char_device},
                                          {"/dev/kmsg", FileKind::char_device},
                                          {"/dev/vda", FileKind::block_device},
                                          {"/dev/nvme0n1", FileKind::block_device}};
const std::vector<DeviceNode> kContainerDev = {{"/dev/null", FileKind::char_device},
                                               {"/dev/zero", FileKind::char_device},
                                               {"/dev/tty", FileKind::char_device}};
using Names = std::vector<std::string>;
}  // namespace

TEST_CASE("capabilities: observed class, privileged heuristic and requested settings") {
  const std::vector<CapCase> cases = {
      {"privileged container",
       kRootFullCaps,
       lsm_apparmor_unconfined(),
       kHostDev,
       {},
       {},
       {},
       Status::supported,
       "privileged",
       true,
       {"41 effective", "3 host device nodes"}},
      {"privileged requested and granted",
       kRootFullCaps,
       lsm_none(),
       kHostDev,
       true,
       {},
       {},
       Status::supported,
       "privileged",
       true,
       {"settings hold"}},
      {"docker default",
       kDockerDefault,
       lsm_docker_apparmor(),
       kContainerDev,
       {},
       {},
       {},
       Status::supported,
       "default",
       false,
       {"14 effective capabilities (default)"}},
      {"privileged requested but default profile",
       kDockerDefault,
       lsm_docker_apparmor(),
       kContainerDev,
       true,
       {},
       {},
       Status::unsupported,
       "default",
       false,
       {"privileged", "lacks CAP_DAC_READ_SEARCH", "and 23 more", "seccomp mode 2",
        "docker-default (enforce)"}},
      {"full caps under an AppArmor profile are not privileged",
       kRootFullCaps,
       lsm_docker_apparmor(),
       {},
       true,
       {},
       {},
       Status::unsupported,
       "elevated",
       false,
       {"docker-default"}},
      {"full caps, LSM unreadable",
       kRootFullCaps,
       lsm_denied(),
       kHostDev,
       true,
       {},
       {},
       Status::unsupported,
       "elevated",
       false,
       {"could not be read"}},
      {"runc with NET_RAW and MKNOD dropped",
       kRuncDropped,
       lsm_docker_apparmor(),
       kContainerDev,
       false,
       {},
       Names{"NET_RAW", "MKNOD"},
       Status::supported,
       "restricted",
       false,
       {"12 effective"}},
      {"drop ignored",
       kDockerDefault,
       lsm_docker_apparmor(),
       kContainerDev,
       false,
       {},
       Names{"NET_RAW", "MKNOD"},
       Status::unsupported,
       "default",
       false,
       {"capabilities.drop CAP_NET_RAW, CAP_MKNOD", "still present"}},
      {"drop ALL not applied to the bounding set",
       kUserNoNewPrivs,
       lsm_none(),
       {},
       false,
       {},
       Names{"ALL"},
       Status::unsupported,
       "none",
       false,
       {"capabilities.drop"}},
      {"add NET_ADMIN missing",
       kDockerDefault,
       lsm_docker_apparmor(),
       kContainerDev,
       false,
       Names{"NET_ADMIN"},
       {},
       Status::unsupported,
       "default",
       false,
       {"capabilities.add CAP_NET_ADMIN", "not in the bounding set"}},
      {"add in bounding set only, non-root",
       kUserNoNewPrivs,
       lsm_none(),
       {},
       false,
       Names{"KILL"},
       {},
       Status::partial,
       "none",
       false,
       {"CAP_KILL", "uid 1000 is not root"}},
      {"non-root user, nothing asked",
       kUserNoNewPrivs,
       lsm_none(),
       {},
       {},
       {},
       {},
       Status::supported,
       "none",
       false,
       {"0 effective", "NoNewPrivs set"}},
      {"root missing one capability",
       kAllButSysResource,
       lsm_none(),
       kHostDev,
       {},
       {},
       {},
       Status::supported,
       "elevated",
       false,
       {"all but CAP_SYS_RESOURCE"}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    PodRequests requests;
    requests.from_pod_spec = c.privileged.has_value();
    requests.privileged = c.privileged;
    requests.capabilities_add = c.add;
    requests.capabilities_drop = c.drop;
    const auto result = judge_capabilities(cap_facts(c), requests);
    INFO(result.summary);
    CHECK(result.id == "security.capabilities");
    CHECK(result.status == c.expected);
    CHECK(result.observed == c.observed);
    CHECK(result.evidence["privileged"] == c.is_privileged);
    if (c.expected == Status::unsupported) {
      CHECK(result.requested_but_ignored());
      CHECK(result.summary.rfind(std::string(kIgnoredPrefix), 0) == 0);
    }
    for (const auto& part : c.summary_has) CHECK_THAT(result.summary, Catch::Contains(part));
  }
}

TEST_CASE("capabilities: drop ALL with an add keeps only the added capability") {
  // drop ALL + add NET_BIND_SERVICE on a root container: effective = NET_BIND_SERVICE only.
  const std::string status =
      "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\nCapInh:\t0000000000000000\n"
      "CapPrm:\t0000000000000400\nCapEff:\t0000000000000400\nCapBnd:\t0000000000000400\n"
      "CapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t2\nSeccomp_filters:\t1\n";
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.capabilities_drop = Names{"ALL"};
  requests.capabilities_add = Names{"NET_BIND_SERVICE"};
  const CapabilityFacts facts{status_of(status), ok("40"), lsm_docker_apparmor(),
                              Result<std::vector<DeviceNode>>(kContainerDev)};
  const auto result = judge_capabilities(facts, requests);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "restricted");
  CHECK(result.requested == true);
  CHECK(result.evidence["effective"] == nlohmann::json({"CAP_NET_BIND_SERVICE"}));
  CHECK(result.evidence["drop_present"].empty());
}

TEST_CASE("capabilities: evidence lists the sets and each privileged signal") {
  const CapabilityFacts facts{status_of(kDockerDefault), ok("40\n"), lsm_docker_apparmor(),
                              Result<std::vector<DeviceNode>>(kContainerDev)};
  PodRequests requests;
  requests.capabilities_add = Names{"BOGUS_CAP"};
  const auto result = judge_capabilities(facts, requests);
  const auto& e = result.evidence;
  CHECK(e["effective"].size() == 14);
  CHECK(e["bounding"].size() == 14);
  CHECK(e["permitted"].size() == 14);
  CHECK(e["ambient"].empty());
  CHECK(e["no_new_privs"] == false);
  CHECK(e["sets_hex"]["effective"] == "00000000a80425fb");
  CHECK(e["cap_last_cap"] == 40);
  CHECK(e["cap_last_cap_source"] == "cap_last_cap");
  const auto& signals = e["privileged_signals"];
  CHECK(signals["full_capabilities"] == false);
  CHECK(signals["missing_capabilities"].size() == 27);
  CHECK(signals["seccomp_disabled"] == false);
  CHECK(signals["lsm_unconfined"] == false);
  CHECK(signals["host_devices"].empty());
  CHECK(signals["dev_read"] == "ok");
  CHECK(e["unknown_names"] == nlohmann::json({"BOGUS_CAP"}));
  CHECK(result.status == Status::supported);  // an unknown name cannot be judged either way
  CHECK_THAT(result.summary, Catch::Contains("BOGUS_CAP"));
}

TEST_CASE("capabilities: the kernel's cap_last_cap decides what full means") {
  // A 5.4 kernel has 38 capabilities (0..37): a privileged container's CapEff is 0x3fffffffff.
  const std::string status =
      "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapEff:\t0000003fffffffff\nCapBnd:\t0000003fffffffff\n"
      "Seccomp:\t0\n";
  CapabilityFacts facts{status_of(status), ok("37\n"), lsm_none(),
                        Result<std::vector<DeviceNode>>(kHostDev)};
  CHECK(judge_capabilities(facts, PodRequests{}).observed == "privileged");
  facts.cap_last_cap = err("EACCES");  // falls back to every capability this build knows
  const auto result = judge_capabilities(facts, PodRequests{});
  CHECK(result.observed == "elevated");
  CHECK(result.evidence["cap_last_cap_source"] == "known_caps");
}

TEST_CASE("capabilities: host device nodes are block devices and kernel memory/log nodes") {
  const std::vector<DeviceNode> nodes = {
      {"/dev/null", FileKind::char_device},   {"/dev/kmsg", FileKind::char_device},
      {"/dev/sda", FileKind::block_device},   {"/dev/mem", FileKind::char_device},
      {"/dev/loop0", FileKind::block_device}, {"/dev/fuse", FileKind::char_device},
      {"/dev/kmsg2", FileKind::char_device}};
  CHECK(host_devices(nodes) == Names{"/dev/kmsg", "/dev/loop0", "/dev/mem", "/dev/sda"});
  CHECK(host_devices(kContainerDev).empty());
}

TEST_CASE("capabilities: unreadable status is untested with the errno") {
  const CapabilityFacts facts{Result<ProcStatus>(fake_error("EACCES", "open")), err("EACCES"),
                              lsm_denied(),
                              Result<std::vector<DeviceNode>>(fake_error("ENOENT", "list"))};
  const auto result = judge_capabilities(facts, PodRequests{});
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "unknown");
  CHECK(result.evidence["status_read"] == "EACCES");
  CHECK_THAT(result.summary, Catch::Contains("EACCES"));
}

TEST_CASE("capabilities: classification words") {
  CHECK(classify_capabilities(0x1ffffffffffull, true) == "privileged");
  CHECK(classify_capabilities(0, false) == "none");
  CHECK(classify_capabilities(0xa80425fbull, false) == "default");
  CHECK(classify_capabilities(0xa80425fbull | (1ull << 12), false) == "elevated");
  CHECK(classify_capabilities(0xa00405fbull, false) == "restricted");
}

// --- security.confinement ----------------------------------------------------------------

TEST_CASE("confinement: seccomp and LSM decide observed and status") {
  struct Case {
    const char* name;
    Result<ProcStatus> status;
    LsmFacts lsm;
    Status expected;
    std::string observed;
    std::vector<std::string> summary_has;
  };
  const std::vector<Case> cases = {
      {"docker default",
       status_of(kDockerDefault),
       lsm_docker_apparmor(),
       Status::supported,
       "seccomp+apparmor",
       {"seccomp filter mode (1 filter)", "docker-default (enforce)"}},
      {"OpenShift restricted",
       status_of(kUserNoNewPrivs),
       lsm_selinux_container(),
       Status::supported,
       "seccomp+selinux",
       {"3 filters", "container_t", "NoNewPrivs set"}},
      {"seccomp only",
       status_of(kUserNoNewPrivs),
       lsm_none(),
       Status::supported,
       "seccomp",
       {"no LSM labels this process"}},
      {"AppArmor only",
       status_of(kRootFullCaps),
       lsm_docker_apparmor(),
       Status::supported,
       "apparmor",
       {"no seccomp filter"}},
      {"privileged: unconfined",
       status_of(kRootFullCaps),
       lsm_apparmor_unconfined(),
       Status::untested,
       "unconfined",
       {"unconfined does not enforce", "nothing confines"}},
      {"plain host",
       status_of(kAllButSysResource),
       lsm_none(),
       Status::untested,
       "unconfined",
       {"no seccomp filter", "no LSM"}},
      {"old kernel without seccomp",
       status_of(kOldKernel),
       lsm_none(),
       Status::untested,
       "unconfined",
       {"not reported"}},
      {"LSM denied, seccomp off",
       status_of(kRootFullCaps),
       lsm_denied(),
       Status::untested,
       "unknown",
       {"EACCES", "not known"}},
      {"LSM denied, seccomp on",
       status_of(kDockerDefault),
       lsm_denied(),
       Status::supported,
       "seccomp",
       {"EACCES"}},
      {"status denied, AppArmor readable",
       Result<ProcStatus>(fake_error("EACCES", "open")),
       lsm_docker_apparmor(),
       Status::supported,
       "apparmor",
       {"seccomp unknown"}},
      {"nothing readable",
       Result<ProcStatus>(fake_error("EACCES", "open")),
       lsm_denied(),
       Status::untested,
       "unknown",
       {"not known"}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto result = judge_confinement(ConfinementFacts{c.status, c.lsm, PodRequests{}});
    INFO(result.summary);
    CHECK(result.id == "security.confinement");
    CHECK(result.status == c.expected);
    CHECK(result.observed == c.observed);
    CHECK(result.requested == std::nullopt);
    for (const auto& part : c.summary_has) CHECK_THAT(result.summary, Catch::Contains(part));
  }
}

TEST_CASE("confinement: what the pod spec asks is checked against what is in effect") {
  const auto asking = [](auto&& fill) {
    PodRequests requests;
    requests.from_pod_spec = true;
    fill(requests);
    return requests;
  };
  struct Case {
    const char* name;
    std::string status_text;
    LsmFacts lsm;
    PodRequests requests;
    Status expected;
    std::optional<bool> requested;
    std::vector<std::string> summary_has;
  };
  const std::vector<Case> cases = {
      {"RuntimeDefault seccomp in effect",
       kDockerDefault,
       lsm_none(),
       asking([](PodRequests& r) { r.seccomp_profile = "RuntimeDefault"; }),
       Status::supported,
       true,
       {"what the pod spec asks is in effect"}},
      {"RuntimeDefault seccomp ignored (a sandbox that drops it)",
       kAllButSysResource,
       lsm_none(),
       asking([](PodRequests& r) { r.seccomp_profile = "RuntimeDefault"; }),
       Status::unsupported,
       true,
       {"REQUESTED BUT IGNORED: seccompProfile RuntimeDefault (seccomp disabled)"}},
      {"Unconfined seccomp asks for nothing",
       kAllButSysResource,
       lsm_none(),
       asking([](PodRequests& r) { r.seccomp_profile = "Unconfined"; }),
       Status::untested,
       false,
       {"nothing confines"}},
      {"AppArmor asked on an AppArmor node, confined",
       kDockerDefault,
       lsm_docker_apparmor(),
       asking([](PodRequests& r) { r.apparmor_profile = "RuntimeDefault"; }),
       Status::supported,
       true,
       {"in effect"}},
      {"AppArmor asked, process unconfined",
       kDockerDefault,
       lsm_apparmor_unconfined(),
       asking([](PodRequests& r) {
         r.apparmor_profile = "Localhost";
         r.apparmor_localhost = "k8s-nginx";
       }),
       Status::unsupported,
       true,
       {"REQUESTED BUT IGNORED: appArmorProfile Localhost k8s-nginx (AppArmor unconfined)"}},
      {"AppArmor asked on an SELinux node",
       kDockerDefault,
       lsm_selinux_container(),
       asking([](PodRequests& r) { r.apparmor_profile = "RuntimeDefault"; }),
       Status::unsupported,
       true,
       {"the LSM is SELinux"}},
      {"SELinux type asked and in effect",
       kUserNoNewPrivs,
       lsm_selinux_container(),
       asking([](PodRequests& r) { r.selinux_type = "container_t"; }),
       Status::supported,
       true,
       {"in effect"}},
      {"SELinux type asked, another type in effect",
       kUserNoNewPrivs,
       lsm_selinux_container(),
       asking([](PodRequests& r) { r.selinux_type = "spc_t"; }),
       Status::unsupported,
       true,
       {"seLinuxOptions.type spc_t (SELinux system_u:system_r:container_t"}},
      {"SELinux asked where no LSM labels processes",
       kAllButSysResource,
       lsm_none(),
       asking([](PodRequests& r) { r.selinux_type = "container_t"; }),
       Status::unsupported,
       true,
       {"no LSM labels this process"}},
      {"allowPrivilegeEscalation false honoured",
       kUserNoNewPrivs,
       lsm_none(),
       asking([](PodRequests& r) { r.allow_privilege_escalation = false; }),
       Status::supported,
       true,
       {"NoNewPrivs set"}},
      {"allowPrivilegeEscalation false ignored",
       kDockerDefault,
       lsm_none(),
       asking([](PodRequests& r) { r.allow_privilege_escalation = false; }),
       Status::unsupported,
       true,
       {"allowPrivilegeEscalation false (NoNewPrivs not set)"}},
      {"seccomp asked but unreadable: not called ignored",
       "",
       lsm_docker_apparmor(),
       asking([](PodRequests& r) { r.seccomp_profile = "RuntimeDefault"; }),
       Status::supported,
       true,
       {"not known"}},
      {"a pod spec that asks nothing",
       kAllButSysResource,
       lsm_none(),
       asking([](PodRequests&) {}),
       Status::untested,
       false,
       {"nothing requested"}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto status = c.status_text.empty() ? Result<ProcStatus>(fake_error("EACCES", "open"))
                                              : Result<ProcStatus>(status_of(c.status_text));
    const auto result = judge_confinement(ConfinementFacts{status, c.lsm, c.requests});
    INFO(result.summary);
    CHECK(result.status == c.expected);
    CHECK(result.requested == c.requested);
    for (const auto& part : c.summary_has) CHECK_THAT(result.summary, Catch::Contains(part));
    CHECK(result.evidence["requested_confinement"].is_array());
  }
}

TEST_CASE("confinement: evidence names the seccomp mode and every LSM read") {
  const auto result = judge_confinement(
      ConfinementFacts{status_of(kDockerDefault), lsm_docker_apparmor(), PodRequests{}});
  const auto& e = result.evidence;
  CHECK(e["seccomp_mode"] == 2);
  CHECK(e["seccomp"] == "filter");
  CHECK(e["seccomp_filters"] == 1);
  CHECK(e["no_new_privs"] == false);
  CHECK(e["lsm"] == "apparmor");
  CHECK(e["lsm_profile"] == "docker-default");
  CHECK(e["lsm_mode"] == "enforce");
  CHECK(e["lsm_reads"][kAppArmorCurrentPath] == "ok");
  CHECK(e["lsm_reads"][kSelinuxEnforcePath] == "ENOENT");
  CHECK(e["apparmor_enabled"] == true);
  CHECK(seccomp_word(1) == "strict");
}

// --- user namespaces: uid 0 and capabilities that are not the host's (issue #8) ----------

namespace {

// `unshare --user --map-root-user` run by nobody (uid 65534), kernel 6.18: every capability,
// no seccomp filter, uid 0; the kernel prints the map with %10u fields.
const std::string kUnshareRootAsNobody =
    "Name:\tsh\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t \nCapInh:\t0000000000000000\n"
    "CapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n"
    "CapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n";
const std::string kNobodyMap = "         0      65534          1\n";
const std::string kInitialMap = "         0          0 4294967295\n";
// A pod with hostUsers: false: the kubelet gives each pod 65536 ids from 1879048192 (0x70000000)
// upwards on a default node.
const std::string kPodMap = "         0 1879048192      65536\n";
const std::string kInitialUserNs = "user:[4026531837]";  // 0xEFFFFFFD
const std::string kChildUserNs = "user:[4026532174]";

}  // namespace

TEST_CASE("id maps parse as the kernel prints them") {
  struct Case {
    const char* name;
    std::string text;
    std::optional<IdMap> expected;
  };
  const std::vector<Case> cases = {
      {"initial namespace", kInitialMap, IdMap{{0, 0, 4294967295u}}},
      {"unshare -r as nobody", kNobodyMap, IdMap{{0, 65534, 1}}},
      {"Kubernetes hostUsers: false", kPodMap, IdMap{{0, 1879048192u, 65536}}},
      {"podman rootless: two ranges",
       "         0       1000          1\n         1     100000      65536\n",
       IdMap{{0, 1000, 1}, {1, 100000, 65536}}},
      {"never written", "", IdMap{}},
      {"no trailing newline", "0 65534 1", IdMap{{0, 65534, 1}}},
      {"two fields", "0 65534\n", std::nullopt},
      {"four fields", "0 65534 1 1\n", std::nullopt},
      {"not a number", "0 x 1\n", std::nullopt},
      {"negative", "-1 0 1\n", std::nullopt},
      {"zero count", "0 0 0\n", std::nullopt},
      {"above 32 bits", "0 4294967296 1\n", std::nullopt},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(parse_id_map(c.text) == c.expected);
  }

  const IdMap podman{{0, 1000, 1}, {1, 100000, 65536}};
  CHECK(map_id(podman, 0) == 1000u);
  CHECK(map_id(podman, 1) == 100000u);
  CHECK(map_id(podman, 65536) == 165535u);
  CHECK(map_id(podman, 65537) == std::nullopt);
  CHECK(map_id(IdMap{}, 0) == std::nullopt);
  CHECK(map_id(*parse_id_map(kInitialMap), 4294967294u) == 4294967294u);
  CHECK(is_identity_id_map(*parse_id_map(kInitialMap)));
  CHECK_FALSE(is_identity_id_map(*parse_id_map("0 0 65536\n")));
  CHECK_FALSE(is_identity_id_map(IdMap{}));
}

TEST_CASE("the user namespace is judged from its link first, then from the maps") {
  const auto link = [](const std::string& text) {
    FakePlatform os;
    if (!text.empty()) os.link("/proc/self/ns/user", text);
    return capprobe::probes::ns::read_namespace(os, "self", "user");
  };
  struct Case {
    const char* name;
    UserNamespaceFacts facts;
    std::optional<bool> initial;
    std::string basis;
    std::optional<std::uint64_t> host_uid_of_0;
  };
  const std::vector<Case> cases = {
      {"initial link",
       {link(kInitialUserNs), ok(kInitialMap), ok(kInitialMap)},
       true,
       "ns_link",
       0},
      {"initial link, maps unreadable",
       {link(kInitialUserNs), err("EACCES"), err("EACCES")},
       true,
       "ns_link",
       0},
      {"child link", {link(kChildUserNs), ok(kNobodyMap), ok(kNobodyMap)}, false, "ns_link", 65534},
      {"child link with an identity map (root's unshare -U)",
       {link(kChildUserNs), ok(kInitialMap), ok(kInitialMap)},
       false,
       "ns_link",
       0},
      {"link unreadable, a child's map",
       {link(""), ok(kPodMap), err("EACCES")},
       false,
       "id_map",
       1879048192u},
      {"link unreadable, a child's gid map only",
       {link(""), err("EACCES"), ok(kPodMap)},
       false,
       "id_map",
       std::nullopt},
      {"link unreadable, identity map",
       {link(""), ok(kInitialMap), ok(kInitialMap)},
       std::nullopt,
       "",
       0},
      {"nothing readable",
       {link(""), err("ENOENT"), err("ENOENT")},
       std::nullopt,
       "",
       std::nullopt},
      {"nothing read at all", UserNamespaceFacts{}, std::nullopt, "", std::nullopt},
      {"unparsable link",
       {link("user:4026532174"), ok(kNobodyMap), ok(kNobodyMap)},
       false,
       "id_map",
       65534},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto view = judge_user_namespace(c.facts);
    INFO(view.note);
    CHECK(view.initial == c.initial);
    CHECK(view.basis == c.basis);
    CHECK(view.host_uid(0) == c.host_uid_of_0);
    // A note says what is not known: whether the namespace is the initial one, or (in a child)
    // a map needed for the host ids.
    const bool all_known =
        c.initial == true || (c.initial == false && view.uid_map && view.gid_map);
    CHECK(view.note.empty() == all_known);
    const auto evidence = user_namespace_evidence(c.facts, view);
    CHECK(evidence["initial"] == json_or_null(c.initial));
    CHECK(evidence["reads"].size() == 3);
  }
}

namespace {

const std::string kPasswd =
    "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
const std::string kGroup = "root:x:0:\napp:x:1000:\nssl-cert:x:2000:app\nnogroup:x:65534:\n";

// A process as it sees itself: /proc/self/status, its user namespace link and id maps (an empty
// string leaves the file out), its /etc names and cap_last_cap 40. No LSM files: no LSM labels
// it (ENOENT on both), so it counts as unconfined.
void arrange_process(FakePlatform& os, const std::string& status, const std::string& user_ns,
                     const std::string& uid_map, const std::string& gid_map) {
  os.file("/proc/self/status", status).file("/proc/sys/kernel/cap_last_cap", "40\n");
  if (!user_ns.empty()) os.link("/proc/self/ns/user", user_ns);
  if (!uid_map.empty()) os.file("/proc/self/uid_map", uid_map);
  if (!gid_map.empty()) os.file("/proc/self/gid_map", gid_map);
  os.file("/etc/passwd", kPasswd).file("/etc/group", kGroup);
  os.special("/dev/null", FileKind::char_device);
}

PodRequests asking_privileged() {
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.privileged = true;
  return requests;
}

}  // namespace

// security.capabilities in a user namespace: never "privileged" in a child one.

TEST_CASE("user namespaces: capabilities in the initial one are judged as before") {
  FakePlatform os;
  arrange_process(os, kRootFullCaps, kInitialUserNs, kInitialMap, kInitialMap);
  const auto requests = asking_privileged();  // the context keeps a reference
  auto ctx = context_for(os, requests);
  auto caps = security_capabilities_linux_probe().run(ctx);
  INFO(caps.summary);
  CHECK(caps.status == Status::supported);
  CHECK(caps.observed == "privileged");
  CHECK(caps.evidence["privileged"] == true);
  CHECK(caps.evidence["user_namespace"]["link"] == kInitialUserNs);
  CHECK(caps.evidence["user_namespace"]["initial"] == true);
  CHECK(caps.evidence["privileged_signals"]["initial_user_namespace"] == true);
  CHECK_THAT(caps.summary, !Catch::Contains("user namespace"));
}

TEST_CASE("user namespaces: unshare -r as nobody holds capabilities that are not privilege") {
  FakePlatform os;
  arrange_process(os, kUnshareRootAsNobody, kChildUserNs, kNobodyMap, kNobodyMap);

  SECTION("nothing requested") {
    const PodRequests nothing_asked;
    auto ctx = context_for(os, nothing_asked);
    auto caps = security_capabilities_linux_probe().run(ctx);
    INFO(caps.summary);
    CHECK(caps.status == Status::supported);
    CHECK(caps.observed != "privileged");
    CHECK(caps.observed == "elevated");
    CHECK(caps.evidence["privileged"] == false);
    CHECK(caps.evidence["privileged_signals"]["initial_user_namespace"] == false);
    CHECK(caps.evidence["privileged_signals"]["full_capabilities"] == true);
    const auto& ns = caps.evidence["user_namespace"];
    CHECK(ns["link"] == kChildUserNs);
    CHECK(ns["initial"] == false);
    CHECK(ns["uid_map"] ==
          nlohmann::json::parse(R"([{"inside": 0, "outside": 65534, "count": 1}])"));
    CHECK(ns["gid_map"] == ns["uid_map"]);
    CHECK(caps.evidence["effective"].size() == 41);  // the existing keys stay
    CHECK_THAT(caps.summary, Catch::Contains("inside a user namespace"));
    CHECK_THAT(caps.summary, Catch::Contains("not privilege on the host"));
    CHECK_THAT(caps.summary, Catch::Contains("uid 0 here is host uid 65534"));
  }
  SECTION("privileged requested: the privilege is not real") {
    const auto requests = asking_privileged();
    auto ctx = context_for(os, requests);
    auto caps = security_capabilities_linux_probe().run(ctx);
    INFO(caps.summary);
    CHECK(caps.status == Status::unsupported);
    CHECK(caps.requested_but_ignored());
    CHECK(caps.observed != "privileged");
    CHECK(caps.evidence["privileged"] == false);
    CHECK_THAT(caps.summary,
               Catch::StartsWith(std::string(kIgnoredPrefix) + "securityContext.privileged"));
    CHECK_THAT(caps.summary, Catch::Contains("user namespace"));
    CHECK_THAT(caps.summary, Catch::Contains("host uid 65534"));
  }
}

TEST_CASE("user namespaces: capabilities in a Kubernetes pod with hostUsers: false") {
  FakePlatform os;

  SECTION("default capabilities of root in the pod") {
    arrange_process(os, kDockerDefault, "user:[4026532301]", kPodMap, kPodMap);
    const PodRequests nothing_asked;
    auto ctx = context_for(os, nothing_asked);
    const auto caps = security_capabilities_linux_probe().run(ctx);
    INFO(caps.summary);
    CHECK(caps.status == Status::supported);
    CHECK(caps.observed == "default");
    CHECK_THAT(caps.summary, Catch::Contains("uid 0 here is host uid 1879048192"));
  }
  SECTION("privileged: true with every capability is requested but ignored") {
    arrange_process(os, kRootFullCaps, "user:[4026532301]", kPodMap, kPodMap);
    const auto requests = asking_privileged();
    auto ctx = context_for(os, requests);
    const auto caps = security_capabilities_linux_probe().run(ctx);
    INFO(caps.summary);
    CHECK(caps.status == Status::unsupported);
    CHECK(caps.requested_but_ignored());
    CHECK(caps.observed == "elevated");
    CHECK(caps.evidence["privileged"] == false);
    CHECK_THAT(caps.summary, Catch::Contains("user namespace"));
  }
}

TEST_CASE("user namespaces: for capabilities, what cannot be read is unknown, not initial") {
  FakePlatform os;
  const PodRequests nothing_asked;

  SECTION("link and maps denied: the heuristic stands, unproven, and says why") {
    arrange_process(os, kRootFullCaps, kInitialUserNs, kInitialMap, kInitialMap);
    os.fail("read_link", "/proc/self/ns/user", "EACCES")
        .fail("read_file", "/proc/self/uid_map", "EACCES")
        .fail("read_file", "/proc/self/gid_map", "EACCES");
    auto ctx = context_for(os, nothing_asked);
    auto caps = security_capabilities_linux_probe().run(ctx);
    INFO(caps.summary);
    const auto& ns = caps.evidence["user_namespace"];
    REQUIRE(ns.is_object());
    CHECK(ns["initial"].is_null());
    CHECK(ns["link"].is_null());
    CHECK(ns["uid_map"].is_null());
    CHECK(ns["reads"]["/proc/self/ns/user"] == "EACCES");
    CHECK(ns["reads"]["/proc/self/uid_map"] == "EACCES");
    CHECK(caps.evidence["privileged_signals"]["initial_user_namespace"].is_null());
    CHECK(caps.observed == "privileged");
    CHECK_THAT(caps.summary, Catch::Contains("user namespace could not be read"));
  }
  SECTION("link denied, but a map only a child namespace has") {
    arrange_process(os, kUnshareRootAsNobody, kChildUserNs, kNobodyMap, kNobodyMap);
    os.fail("read_link", "/proc/self/ns/user", "EACCES");
    auto ctx = context_for(os, nothing_asked);
    auto caps = security_capabilities_linux_probe().run(ctx);
    INFO(caps.summary);
    CHECK(caps.evidence["user_namespace"]["initial"] == false);
    CHECK(caps.observed == "elevated");
    CHECK(caps.evidence["privileged"] == false);
  }
  SECTION("a child namespace whose maps cannot be read") {
    arrange_process(os, kUnshareRootAsNobody, kChildUserNs, "", "");
    os.fail("read_file", "/proc/self/uid_map", "EACCES");
    auto ctx = context_for(os, nothing_asked);
    auto caps = security_capabilities_linux_probe().run(ctx);
    INFO(caps.summary);
    CHECK(caps.observed == "elevated");
    CHECK(caps.evidence["user_namespace"]["initial"] == false);
    CHECK(caps.evidence["user_namespace"]["reads"]["/proc/self/gid_map"] == "ENOENT");
    CHECK_THAT(caps.summary, Catch::Contains("host uid unknown"));
  }
}

// security.identity in a user namespace: the ids inside, and the host's beside them.

TEST_CASE("user namespaces: identity in the initial one reads as before") {
  FakePlatform os;
  arrange_process(os, kRootFullCaps, kInitialUserNs, kInitialMap, kInitialMap);
  const PodRequests nothing_asked;
  auto ctx = context_for(os, nothing_asked);
  auto identity = security_identity_linux_probe().run(ctx);
  INFO(identity.summary);
  CHECK(identity.observed == "root");
  CHECK(identity.evidence["host_uid"] == 0);
  CHECK(identity.evidence["host_gid"] == 0);
  CHECK(identity.evidence["user_namespace"]["initial"] == true);
  CHECK_THAT(identity.summary, Catch::StartsWith("This process runs as uid 0 (root), gid 0"));
  CHECK_THAT(identity.summary, !Catch::Contains("host uid"));
}

TEST_CASE("user namespaces: identity under unshare -r as nobody shows both ids") {
  FakePlatform os;
  arrange_process(os, kUnshareRootAsNobody, kChildUserNs, kNobodyMap, kNobodyMap);
  const PodRequests nothing_asked;
  auto ctx = context_for(os, nothing_asked);
  auto identity = security_identity_linux_probe().run(ctx);
  INFO(identity.summary);
  CHECK(identity.status == Status::supported);
  CHECK(identity.observed == "root");
  CHECK(identity.evidence["uid"] == 0);
  CHECK(identity.evidence["host_uid"] == 65534);
  CHECK(identity.evidence["host_gid"] == 65534);
  CHECK(identity.evidence["user_namespace"]["initial"] == false);
  CHECK_THAT(identity.summary, Catch::Contains("uid 0 (root) in a user namespace, host uid 65534"));
  CHECK_THAT(identity.summary, Catch::Contains("gid 0 (root), host gid 65534"));
}

TEST_CASE("user namespaces: identity in a Kubernetes pod with hostUsers: false") {
  // runAsUser is compared with the uid inside: that is the one Kubernetes sets.
  FakePlatform os;
  arrange_process(os, kUserNoNewPrivs, "user:[4026532301]", kPodMap, kPodMap);
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.run_as_user = 1000;
  requests.supplemental_groups = std::vector<std::int64_t>{2000};
  auto ctx = context_for(os, requests);
  auto identity = security_identity_linux_probe().run(ctx);
  INFO(identity.summary);
  CHECK(identity.status == Status::supported);
  CHECK(identity.observed == "uid:1000");
  CHECK(identity.evidence["host_uid"] == 1879049192);
  CHECK(identity.evidence["host_gid"] == 1879049192);
  CHECK_THAT(identity.summary,
             Catch::Contains("uid 1000 (app) in a user namespace, host uid 1879049192"));
  CHECK_THAT(identity.summary, Catch::Contains("as the pod spec asks"));

  requests.run_as_user = 0;
  auto ignored_ctx = context_for(os, requests);
  const auto ignored = security_identity_linux_probe().run(ignored_ctx);
  INFO(ignored.summary);
  CHECK(ignored.requested_but_ignored());
  CHECK_THAT(ignored.summary, Catch::Contains("host uid 1879049192"));
}

TEST_CASE("user namespaces: for identity, what cannot be read is unknown, not initial") {
  FakePlatform os;
  const PodRequests nothing_asked;

  SECTION("link and maps denied") {
    arrange_process(os, kRootFullCaps, kInitialUserNs, kInitialMap, kInitialMap);
    os.fail("read_link", "/proc/self/ns/user", "EACCES")
        .fail("read_file", "/proc/self/uid_map", "EACCES")
        .fail("read_file", "/proc/self/gid_map", "EACCES");
    auto ctx = context_for(os, nothing_asked);
    auto identity = security_identity_linux_probe().run(ctx);
    INFO(identity.summary);
    CHECK(identity.status == Status::supported);
    REQUIRE(identity.evidence.contains("host_uid"));
    CHECK(identity.evidence["host_uid"].is_null());
    CHECK(identity.evidence["host_gid"].is_null());
    CHECK(identity.evidence["user_namespace"]["initial"].is_null());
    CHECK(identity.evidence["user_namespace"]["reads"]["/proc/self/ns/user"] == "EACCES");
  }
  SECTION("a child namespace whose maps cannot be read") {
    arrange_process(os, kUnshareRootAsNobody, kChildUserNs, "", "");
    os.fail("read_file", "/proc/self/uid_map", "EACCES");
    auto ctx = context_for(os, nothing_asked);
    auto identity = security_identity_linux_probe().run(ctx);
    INFO(identity.summary);
    REQUIRE(identity.evidence.contains("host_uid"));
    CHECK(identity.evidence["host_uid"].is_null());
    CHECK_THAT(identity.summary,
               Catch::Contains("uid 0 (root) in a user namespace, host uid unknown"));
  }
  SECTION("a namespace whose uid_map was never written (unshare --user alone)") {
    // The kernel shows an unmapped uid as the overflow uid 65534.
    const std::string unmapped =
        "Uid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\nGroups:\t \n"
        "CapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\nSeccomp:\t0\n";
    arrange_process(os, unmapped, kChildUserNs, "", "");
    os.file("/proc/self/uid_map", "").file("/proc/self/gid_map", "");
    auto ctx = context_for(os, nothing_asked);
    auto identity = security_identity_linux_probe().run(ctx);
    INFO(identity.summary);
    REQUIRE(identity.evidence.contains("host_uid"));
    CHECK(identity.evidence["host_uid"].is_null());
    CHECK(identity.evidence["user_namespace"]["uid_map"] == nlohmann::json::array());
    CHECK_THAT(identity.summary, Catch::Contains("not mapped"));
  }
}

// --- the probes end to end over fixture trees --------------------------------------------

TEST_CASE("the security probes over a Docker-default fixture tree") {
  FakePlatform os;
  capprobe::testing::load_fixture(os, "sec-docker-default");
  os.special("/dev/null", FileKind::char_device).special("/dev/zero", FileKind::char_device);
  const auto before = os.entry_count();
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.run_as_user = 1000;
  requests.privileged = false;
  auto ctx = context_for(os, requests);

  const auto identity = security_identity_linux_probe().run(ctx);
  CHECK(identity.status == Status::unsupported);  // runAsUser 1000, but uid 0
  CHECK(identity.requested_but_ignored());
  CHECK(identity.evidence["user_name"] == "root");
  CHECK(identity.evidence["group_names"]["27"] == "video");

  const auto caps = security_capabilities_linux_probe().run(ctx);
  CHECK(caps.status == Status::supported);
  CHECK(caps.observed == "default");
  CHECK(caps.requested == false);

  const auto confinement = security_confinement_linux_probe().run(ctx);
  CHECK(confinement.status == Status::supported);
  CHECK(confinement.observed == "seccomp+apparmor");
  CHECK(os.entry_count() == before);
}

TEST_CASE("the security probes over an SELinux non-root fixture tree") {
  FakePlatform os;
  capprobe::testing::load_fixture(os, "sec-selinux-user");
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.run_as_user = 1000;
  requests.supplemental_groups = std::vector<std::int64_t>{2000};
  requests.capabilities_drop = Names{"ALL"};
  auto ctx = context_for(os, requests);

  const auto identity = security_identity_linux_probe().run(ctx);
  INFO(identity.summary);
  CHECK(identity.status == Status::supported);
  CHECK(identity.observed == "uid:1000");
  CHECK(identity.evidence["user_name"] == "app");

  // drop ALL, yet the bounding set still holds the default 14: the drop was not applied.
  const auto caps = security_capabilities_linux_probe().run(ctx);
  INFO(caps.summary);
  CHECK(caps.status == Status::unsupported);
  CHECK(caps.observed == "none");
  CHECK(caps.evidence["drop_present"].size() == 14);

  const auto confinement = security_confinement_linux_probe().run(ctx);
  CHECK(confinement.status == Status::supported);
  CHECK(confinement.observed == "seccomp+selinux");
  CHECK(confinement.evidence["selinux_enforce"] == 1);
}

TEST_CASE("the security probes' catalog entries") {
  for (const auto& probe : {security_identity_linux_probe(), security_capabilities_linux_probe(),
                            security_confinement_linux_probe()}) {
    INFO(probe.info.id);
    CHECK(probe.info.cost == Cost::light);
    CHECK(probe.info.platforms == std::vector<std::string>{"linux", "windows"});
    CHECK_FALSE(probe.info.pod_spec_field.empty());
  }
}
