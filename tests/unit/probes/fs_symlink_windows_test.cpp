// fs.symlink on Windows: the Windows verdicts as a table, and the whole probe over the fake in the
// shapes of WS2016/1709/WS2019/WS2022 nodes, ContainerAdministrator and ContainerUser,
// Hyper-V isolation, HostProcess and Wine (tests/fixtures/win-NOTES.md, "fs").
#include <catch2/catch.hpp>

#include "probes/common/text.hpp"
#include "probes/fs/paths_windows.hpp"
#include "probes/fs/symlink_windows.hpp"
#include "tests/unit/probes/fs_test_support.hpp"
#include "tests/unit/probes/fs_windows_shapes.hpp"

using capprobe::platform::FakePlatform;
using capprobe::platform::SymbolicLinkRequest;
using capprobe::probes::CapabilityResult;
using capprobe::probes::PodRequests;
using capprobe::probes::Status;
using capprobe::probes::fs::collect_windows_symlink_facts;
using capprobe::probes::fs::judge_windows_symlink;
using capprobe::probes::fs::SymlinkLocation;
using capprobe::probes::fs::WindowsSymlinkFacts;
using capprobe::testing::context_for;
using capprobe::testing::ForwardingPlatform;
using namespace capprobe::testing;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

SymlinkLocation place(std::string path, std::string fa, std::string fr, std::string da,
                      std::string dr) {
  SymlinkLocation location;
  location.path = std::move(path);
  location.outcome = {fa, fr, da, dr};
  return location;
}

// The same word for every kind, with and without the flag, in a location's extra facts.
void flags(SymlinkLocation& location, const std::string& with_flag,
           const std::string& without_flag) {
  for (const auto* kind : capprobe::probes::fs::kLinkKinds) {
    location.extra["with_unprivileged_flag"][kind] = with_flag;
    location.extra["without_flag"][kind] = without_flag;
  }
}

WindowsSymlinkFacts token_facts(const capprobe::platform::TokenFacts& token) {
  WindowsSymlinkFacts facts;
  facts.token_sid = token.user_sid;
  facts.token_user = token.user_name;
  facts.privilege_held = false;
  for (const auto& privilege : token.privileges)
    if (privilege.name == "SeCreateSymbolicLinkPrivilege") {
      facts.privilege_held = true;
      facts.privilege_enabled = privilege.enabled;
    }
  facts.build = kBuildWs2019;
  return facts;
}

CapabilityResult run(capprobe::platform::Platform& os, const PodRequests& requests = {}) {
  auto ctx = context_for(os, requests);
  return judge_windows_symlink(collect_windows_symlink_facts(ctx));
}

std::vector<std::string> location_paths(const CapabilityResult& result) {
  std::vector<std::string> paths;
  for (const auto& location : result.evidence["locations"]) paths.push_back(location["path"]);
  return paths;
}

}  // namespace

TEST_CASE("fs.symlink Windows verdict table") {
  const std::string not_held = "ERROR_PRIVILEGE_NOT_HELD";
  struct Row {
    std::string name;
    WindowsSymlinkFacts facts;
    Status status;
    std::string observed;
    std::vector<std::string> summary_has;
    std::string privilege;  // evidence symlink_privilege, "" for null
  };
  std::vector<Row> rows;
  {
    auto facts = token_facts(container_administrator());
    auto location = place(kAdminTemp, "ok", "ok", "ok", "ok");
    flags(location, "ok", "ok");
    location.extra["junction"] = "ok";
    facts.places.locations = {location};
    rows.push_back({"ContainerAdministrator: every kind works",
                    facts,
                    Status::supported,
                    "ok",
                    {"work in " + std::string(kAdminTemp)},
                    "held_disabled"});
  }
  {
    auto facts = token_facts(container_user());
    auto location = place(kUserTemp, not_held, not_held, not_held, not_held);
    flags(location, not_held, not_held);
    location.extra["junction"] = "ok";
    facts.places.locations = {location};
    rows.push_back({"ContainerUser lacks the privilege; junctions still work",
                    facts,
                    Status::unsupported,
                    "failed",
                    {"ERROR_PRIVILEGE_NOT_HELD: the token of ContainerUser (S-1-5-93-2-2) lacks "
                     "SeCreateSymbolicLinkPrivilege",
                     "directory junctions work here"},
                    "not_held"});
  }
  {
    auto facts = token_facts(container_administrator());
    auto location = place(kAdminTemp, not_held, not_held, not_held, not_held);
    flags(location, not_held, not_held);
    facts.places.locations = {location};
    rows.push_back({"refused although the token holds the privilege",
                    facts,
                    Status::unsupported,
                    "failed",
                    {"links are refused although the token of ContainerAdministrator"},
                    "held_disabled"});
  }
  {
    auto facts = token_facts(container_user());
    auto location = place(kUserTemp, "ok", "ok", "ok", "ok");
    flags(location, "ok", not_held);
    facts.places.locations = {location};
    rows.push_back({"only with the unprivileged flag (Developer Mode)",
                    facts,
                    Status::partial,
                    "partial",
                    {"symlinks work only when made with "
                     "SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE",
                     "lacks SeCreateSymbolicLinkPrivilege"},
                    "not_held"});
  }
  {
    auto facts = token_facts(container_administrator());
    facts.build = kBuildWs2016;
    auto location = place(kAdminTemp, "ok", "ok", "ok", "ok");
    flags(location, "ERROR_INVALID_PARAMETER", "ok");
    facts.places.locations = {location};
    rows.push_back({"a build that does not know the flag",
                    facts,
                    Status::supported,
                    "ok",
                    {"work in"},
                    "held_disabled"});
  }
  {
    auto facts = token_facts(container_administrator());
    auto location = place("C:/data", "not_followable", "ok", "not_followable", "ok");
    location.detail[0] = "link_target reads back as '\\\\?\\ContainerMappedDirectories\\C033\\x'";
    facts.places.locations = {location};
    rows.push_back({"a volume mapping rewrites absolute links (WS2016/1709)",
                    facts,
                    Status::partial,
                    "partial",
                    {"relative symlinks only", "known Windows failure: a volume mapping shows"},
                    "held_disabled"});
  }
  {
    auto facts = token_facts(container_administrator());
    auto location = place("C:/data", "not_followable", "ok", "not_followable", "ok");
    location.detail[0] = "read_through: ERROR_SYMLINK_CLASS_DISABLED";
    location.detail[2] = "list_through: ERROR_SYMLINK_CLASS_DISABLED";
    facts.places.locations = {location};
    rows.push_back(
        {"absolute links whose type is disabled",
         facts,
         Status::partial,
         "partial",
         {"relative symlinks only", "known Windows failure: ERROR_SYMLINK_CLASS_DISABLED"},
         "held_disabled"});
  }
  {
    auto facts = token_facts(container_administrator());
    const std::string denied = "ERROR_ACCESS_DENIED";
    auto location = place(kAdminTemp, denied, denied, denied, denied);
    facts.places.locations = {location};
    rows.push_back({"access denied (Hyper-V isolation)",
                    facts,
                    Status::unsupported,
                    "failed",
                    {"known Windows failure: ERROR_ACCESS_DENIED creating links"},
                    "held_disabled"});
  }
  {
    auto facts = token_facts(container_administrator());
    auto location = place(kAdminTemp, "not_created", "not_created", "not_created", "not_created");
    flags(location, "not_created", "not_created");
    facts.places.locations = {location};
    rows.push_back({"success answered, nothing made (Wine)",
                    facts,
                    Status::unsupported,
                    "failed",
                    {"file_absolute: not_created"},
                    "held_disabled"});
  }
  {
    WindowsSymlinkFacts facts;
    facts.token_error = "ERROR_ACCESS_DENIED";
    auto location = place(kUserTemp, not_held, not_held, not_held, not_held);
    facts.places.locations = {location};
    rows.push_back({"the token cannot be read",
                    facts,
                    Status::unsupported,
                    "failed",
                    {"this process's token lacks SeCreateSymbolicLinkPrivilege",
                     "the token could not be read: ERROR_ACCESS_DENIED"},
                    ""});
  }
  {
    auto facts = token_facts(local_system());
    facts.host_process = true;
    facts.places.locations = {place(kSystemTemp, "ok", "ok", "ok", "ok")};
    rows.push_back({"HostProcess as SYSTEM",
                    facts,
                    Status::supported,
                    "ok",
                    {"a HostProcess container: these places are on the node's own filesystem"},
                    "held_enabled"});
  }
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto result = judge_windows_symlink(row.facts);
      INFO(result.summary);
      CHECK(result.id == "fs.symlink");
      CHECK(result.status == row.status);
      CHECK(result.observed == row.observed);
      for (const auto& part : row.summary_has) CHECK(has(result.summary, part));
      if (row.privilege.empty())
        CHECK(result.evidence["symlink_privilege"].is_null());
      else
        CHECK(result.evidence["symlink_privilege"] == row.privilege);
      CHECK(result.evidence["host_process"] == row.facts.host_process);
      REQUIRE(result.evidence["locations"].size() == row.facts.places.locations.size());
      CHECK(result.evidence["locations"][0]["file_absolute"] ==
            row.facts.places.locations[0].outcome[0]);
    }
  }
}

TEST_CASE("fs.symlink Windows verdict: what each sign adds, and only then") {
  auto facts = token_facts(container_administrator());
  auto location = place(kAdminTemp, "ok", "ok", "ok", "ok");
  flags(location, "ok", "ok");
  facts.places.locations = {location};
  auto result = judge_windows_symlink(facts);
  CHECK(result.status == Status::supported);
  CHECK_FALSE(has(result.summary, "ERROR_PRIVILEGE_NOT_HELD"));
  CHECK_FALSE(has(result.summary, "known Windows failure"));
  CHECK_FALSE(has(result.summary, "HostProcess"));
  CHECK(result.evidence["known_failures"].empty());
  CHECK(result.evidence["unprivileged_flag"] == "known");
  CHECK(result.evidence["token_sid"] == "S-1-5-93-2-1");
  CHECK(result.evidence["windows_build"] == kBuildWs2019);

  flags(facts.places.locations[0], "ERROR_INVALID_PARAMETER", "ok");
  result = judge_windows_symlink(facts);
  CHECK(result.status == Status::supported);
  CHECK(result.evidence["unprivileged_flag"] == "unknown_to_this_build");
  CHECK(result.evidence["locations"][0]["with_unprivileged_flag"]["dir_relative"] ==
        "ERROR_INVALID_PARAMETER");

  // A junction is worth a word only where symlinks fall short.
  facts.places.locations[0].extra["junction"] = "ok";
  result = judge_windows_symlink(facts);
  CHECK_FALSE(has(result.summary, "junctions"));
  CHECK(result.evidence["locations"][0]["junction"] == "ok");

  // The place itself a link to a volume mapping.
  facts.places.locations[0].extra["place_link_target"] =
      "\\\\?\\ContainerMappedDirectories\\C033FFC2-6115-4A44-8A5B-DD2DFE13FC4C";
  result = judge_windows_symlink(facts);
  CHECK(has(result.summary, "known Windows failure: a volume mapping shows as a link"));
  CHECK(result.evidence["known_failures"].size() == 1);
}

TEST_CASE("fs.symlink on WS2019 as ContainerAdministrator: every kind, with and without the flag") {
  FakePlatform os;
  process_isolated(os, container_administrator(), kBuildWs2019);
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "ok");
  CHECK(location_paths(result) == std::vector<std::string>{kAdminTemp});
  const auto& location = result.evidence["locations"][0];
  for (const auto* kind : capprobe::probes::fs::kLinkKinds) {
    CHECK(location[kind] == "ok");
    CHECK(location["with_unprivileged_flag"][kind] == "ok");
    CHECK(location["without_flag"][kind] == "ok");
  }
  CHECK(location["junction"] == "ok");
  CHECK(result.evidence["symlink_privilege"] == "held_disabled");
  CHECK(result.evidence["token_user"] == "ContainerAdministrator");
  CHECK(result.evidence["windows_build"] == kBuildWs2019);
  // Each kind twice: with SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE, then without;
  // SYMBOLIC_LINK_FLAG_DIRECTORY for the directory kinds; absolute targets inside the private dir.
  const auto& asked = os.windows.symlink_requests;
  REQUIRE(asked.size() == 8);
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(asked[i].allow_unprivileged == (i % 2 == 0));
    CHECK(asked[i].directory == (i >= 4));
  }
  CHECK(asked[0].target.rfind("/C:/Users/ContainerAdministrator/AppData/Local/Temp/.capprobe-",
                              0) == 0);
  CHECK(asked[2].target == "target-file");
  CHECK(asked[6].target == "target-dir");
  CHECK(capprobe::probes::text::ends_with(asked[1].link_path, "link-file_absolute-plain"));
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.symlink on WS2022 as ContainerUser: ERROR_PRIVILEGE_NOT_HELD, and whose token") {
  FakePlatform os;
  process_isolated(os, container_user(), kBuildWs2022);
  // ContainerUser lacks SeCreateSymbolicLinkPrivilege, and a server has no Developer Mode to
  // let the unprivileged flag through.
  os.windows.symlink_error = [](const SymbolicLinkRequest&) {
    return std::string("ERROR_PRIVILEGE_NOT_HELD");
  };
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::unsupported);
  CHECK(result.observed == "failed");
  const auto& location = result.evidence["locations"][0];
  CHECK(location["path"] == kUserTemp);
  CHECK(location["dir_relative"] == "ERROR_PRIVILEGE_NOT_HELD");
  CHECK(location["details"]["file_absolute"] == "CreateSymbolicLinkW: ERROR_PRIVILEGE_NOT_HELD");
  CHECK(location["junction"] == "ok");
  CHECK(result.evidence["symlink_privilege"] == "not_held");
  CHECK(has(result.summary,
            "the token of ContainerUser (S-1-5-93-2-2) lacks "
            "SeCreateSymbolicLinkPrivilege"));
  CHECK(has(result.summary, "directory junctions work here (they need no privilege)"));
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.symlink as ContainerUser with Developer Mode: partial, the flag is needed") {
  FakePlatform os;
  process_isolated(os, container_user(), kBuildWs2022);
  os.windows.symlink_error = [](const SymbolicLinkRequest& request) {
    return request.allow_unprivileged ? std::string() : std::string("ERROR_PRIVILEGE_NOT_HELD");
  };
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::partial);
  CHECK(result.observed == "partial");
  CHECK(result.evidence["locations"][0]["file_absolute"] == "ok");
  CHECK(result.evidence["locations"][0]["without_flag"]["file_absolute"] ==
        "ERROR_PRIVILEGE_NOT_HELD");
  CHECK(result.summary.rfind("symlinks work only when made with", 0) == 0);
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.symlink on WS2016 (14393): the flag is unknown, links are made without it") {
  FakePlatform os;
  process_isolated(os, container_administrator(), kBuildWs2016);
  os.windows.symlink_error = [](const SymbolicLinkRequest& request) {
    return request.allow_unprivileged ? std::string("ERROR_INVALID_PARAMETER") : std::string();
  };
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.evidence["unprivileged_flag"] == "unknown_to_this_build");
  CHECK(result.evidence["locations"][0]["with_unprivileged_flag"]["file_relative"] ==
        "ERROR_INVALID_PARAMETER");
  CHECK(result.evidence["locations"][0]["file_relative"] == "ok");
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.symlink under Wine: TRUE answered, nothing made, never ok") {
  FakePlatform os;
  process_isolated(os, container_administrator(), kBuildWs2019);
  os.windows.symlink_creates_nothing = true;
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::unsupported);
  CHECK(result.observed == "failed");
  for (const auto* kind : capprobe::probes::fs::kLinkKinds) {
    CHECK(result.evidence["locations"][0][kind] == "not_created");
    CHECK(result.evidence["locations"][0]["with_unprivileged_flag"][kind] == "not_created");
  }
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.symlink under Hyper-V isolation: access denied, named as a known failure") {
  FakePlatform os;
  process_isolated(os, container_administrator(), kBuildWs2019);
  os.windows.symlink_error = [](const SymbolicLinkRequest&) {
    return std::string("ERROR_ACCESS_DENIED");
  };
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::unsupported);
  CHECK(result.evidence["locations"][0]["file_absolute"] == "ERROR_ACCESS_DENIED");
  CHECK(has(result.summary, "known Windows failure: ERROR_ACCESS_DENIED creating links"));
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.symlink in a HostProcess container: SYSTEM, the node's temp dir") {
  FakePlatform os;
  host_process(os);
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(location_paths(result) == std::vector<std::string>{kSystemTemp});
  CHECK(result.evidence["host_process"] == true);
  CHECK(result.evidence["symlink_privilege"] == "held_enabled");
  CHECK(has(result.summary, "HostProcess container: these places are on the node's own"));
  CHECK(os.entry_count() == before);
}

namespace {

// A volume mapping of a 1709 container: absolute links are made but cannot be followed
// ("The symbolic link cannot be followed because its type is disabled").
class ClassDisabled : public ForwardingPlatform {
 public:
  using ForwardingPlatform::ForwardingPlatform;
  static bool absolute(const std::string& path) {
    return has(path, "link-file_absolute") || has(path, "link-dir_absolute");
  }
  Result<std::string> read_through(const std::string& path, std::size_t n) const override {
    if (absolute(path)) return capprobe::platform::fake_error("ERROR_SYMLINK_CLASS_DISABLED", path);
    return fake_.read_through(path, n);
  }
  Result<std::vector<std::string>> list_through(const std::string& path) const override {
    if (absolute(path)) return capprobe::platform::fake_error("ERROR_SYMLINK_CLASS_DISABLED", path);
    return fake_.list_through(path);
  }
};

// WS2016-era volume mapping: absolute targets read back through \\?\ContainerMappedDirectories.
class MappedTargets : public ForwardingPlatform {
 public:
  using ForwardingPlatform::ForwardingPlatform;
  Result<std::string> link_target(const std::string& path) const override {
    if (has(path, "link-file_absolute") || has(path, "link-dir_absolute"))
      return std::string(
          "\\\\?\\ContainerMappedDirectories\\C033FFC2-6115-4A44-8A5B-DD2DFE13FC4C\\target");
    return fake_.link_target(path);
  }
};

}  // namespace

TEST_CASE("fs.symlink with absolute links disabled on a volume mapping: relative only, named") {
  FakePlatform fake;
  process_isolated(fake, container_administrator(), kBuild1709);
  const auto before = fake.entry_count();
  ClassDisabled os(fake);
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::partial);
  CHECK(result.summary.rfind("relative symlinks only", 0) == 0);
  CHECK(result.evidence["locations"][0]["details"]["file_absolute"] ==
        "read_through: ERROR_SYMLINK_CLASS_DISABLED");
  CHECK(has(result.summary, "known Windows failure: ERROR_SYMLINK_CLASS_DISABLED"));
  CHECK(fake.entry_count() == before);
}

TEST_CASE("fs.symlink with targets read back through ContainerMappedDirectories: not ok") {
  FakePlatform fake;
  process_isolated(fake, container_administrator(), kBuildWs2016);
  const auto before = fake.entry_count();
  MappedTargets os(fake);
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::partial);
  CHECK(result.evidence["locations"][0]["dir_absolute"] == "not_followable");
  CHECK(result.evidence["known_failures"].size() == 1);
  CHECK(has(result.summary, "\\\\?\\ContainerMappedDirectories\\<GUID>"));
  CHECK(fake.entry_count() == before);
}

TEST_CASE("fs.symlink tries a place that is itself a link, through it, and says where it leads") {
  FakePlatform os;
  process_isolated(os, container_administrator(), kBuildWs2016);
  os.dir("/ContainerMappedDirectories/C033FFC2");
  os.link("C:/scratch", "/ContainerMappedDirectories/C033FFC2");
  os.tmp = "C:/scratch";
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.evidence["locations"][0]["place_link_target"] ==
        "/ContainerMappedDirectories/C033FFC2");
  CHECK(has(result.summary, "known Windows failure: a volume mapping shows as a link"));
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.symlink on Windows: the pod's volumes are places, hostPaths and read-only ones off") {
  FakePlatform fake;
  process_isolated(fake, container_administrator(), kBuildWs2019);
  fake.dir("C:/data").dir("C:/config");
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.host_paths = std::vector<capprobe::probes::HostPathRequest>{
      {"data", "C:\\node\\data", "C:\\data", false},
      {"engine", "\\\\.\\pipe\\docker_engine", "\\\\.\\pipe\\docker_engine", false}};
  requests.read_only_mounts = std::vector<std::string>{"c:\\Config\\"};
  CountingCreates os(fake);
  const auto result = run(os, requests);
  INFO(result.summary);
  CHECK(os.private_dir_parents == std::vector<std::string>{kAdminTemp});
  CHECK(location_paths(result) == std::vector<std::string>{kAdminTemp});
  const auto& skipped = result.evidence["skipped"];
  REQUIRE(skipped.size() == 2);  // the named pipe is no place
  CHECK(skipped[0]["path"] == "C:\\data");
  CHECK(skipped[0]["reason"] == "a hostPath volume: nothing is written");
  CHECK(skipped[1]["path"] == "c:\\Config\\");
  CHECK(skipped[1]["reason"] == "the pod asked for it read-only: nothing is written");
  CHECK(has(result.summary, "tried in 1 of 3 places"));
}

TEST_CASE("fs.symlink on Windows writes nothing in a temp dir under a read-only mount") {
  FakePlatform os;
  process_isolated(os, container_user(), kBuildWs2019);
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.read_only_mounts = std::vector<std::string>{"C:\\Users"};
  const auto before = os.entry_count();
  const auto result = run(os, requests);
  INFO(result.summary);
  CHECK(result.status == Status::untested);
  CHECK(result.evidence["skipped"][0]["path"] == kUserTemp);
  CHECK(os.windows.symlink_requests.empty());
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.symlink on Windows with the token unreadable still tries, and says so") {
  FakePlatform os;
  process_isolated(os, container_administrator(), kBuildWs2019);
  os.windows.token = capprobe::platform::FakeWindows::unset("GetTokenInformation");
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.evidence["token_error"] == "ERROR_CALL_NOT_IMPLEMENTED");
  CHECK(result.evidence["symlink_privilege"].is_null());
}

TEST_CASE("Windows paths: compared without case and separators, drive added") {
  using capprobe::probes::fs::pipe_name_of;
  using capprobe::probes::fs::win_at_or_under;
  using capprobe::probes::fs::win_join;
  using capprobe::probes::fs::win_path_key;
  CHECK(win_path_key("C:\\Users\\") == "c:\\users");
  CHECK(win_path_key("/data") == "c:\\data");
  CHECK(win_path_key("c:") == "c:\\");
  CHECK(win_path_key("C:/") == "c:\\");
  CHECK(win_path_key("\\\\.\\pipe\\Docker_Engine") == "\\\\.\\pipe\\docker_engine");
  CHECK(win_at_or_under("C:/Users/ContainerUser/AppData", "c:\\users"));
  CHECK(win_at_or_under("C:\\data", "C:\\"));
  CHECK_FALSE(win_at_or_under("C:\\database", "C:\\data"));
  CHECK(win_at_or_under("/data/x", "C:\\data"));
  CHECK(win_join("C:\\data\\", "x") == "C:\\data\\x");
  CHECK(win_join("C:/data", "/x") == "C:/data/x");
  CHECK(pipe_name_of("\\\\.\\pipe\\containerd-containerd") == "containerd-containerd");
  CHECK(pipe_name_of("//./pipe/docker_engine") == "docker_engine");
  CHECK_FALSE(pipe_name_of("C:\\pipe\\x"));
  CHECK_FALSE(pipe_name_of("\\\\.\\pipe\\"));
}

TEST_CASE(
    "fs.symlink on WS2016 as ContainerUser: the flag unknown, the plain call's refusal counts") {
  FakePlatform os;
  process_isolated(os, container_user(), kBuildWs2016);
  os.windows.symlink_error = [](const SymbolicLinkRequest& request) {
    return std::string(request.allow_unprivileged ? "ERROR_INVALID_PARAMETER"
                                                  : "ERROR_PRIVILEGE_NOT_HELD");
  };
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::unsupported);
  CHECK(result.evidence["locations"][0]["file_absolute"] == "ERROR_PRIVILEGE_NOT_HELD");
  CHECK(result.evidence["unprivileged_flag"] == "unknown_to_this_build");
  CHECK(has(result.summary, "lacks SeCreateSymbolicLinkPrivilege"));
}
