// fs.readonly_root on Windows: no such setting, so not_applicable with the C:\ write as evidence,
// or requested but ignored when a pod spec asks for it anyway; the verdict as a table and the
// whole probe over the fake in the shapes of Windows Server containers (win-NOTES.md, "fs").
#include <catch2/catch.hpp>

#include "probes/common/judge.hpp"
#include "probes/fs/readonly_root_windows.hpp"
#include "tests/unit/probes/fs_test_support.hpp"
#include "tests/unit/probes/fs_windows_shapes.hpp"

using capprobe::platform::FakePlatform;
using capprobe::probes::CapabilityResult;
using capprobe::probes::PodRequests;
using capprobe::probes::Status;
using capprobe::probes::fs::collect_windows_readonly_root_facts;
using capprobe::probes::fs::judge_windows_readonly_root;
using capprobe::probes::fs::WindowsReadonlyRootFacts;
using capprobe::testing::context_for;
using namespace capprobe::testing;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

WindowsReadonlyRootFacts wrote(std::optional<std::string> error, std::optional<bool> requested) {
  WindowsReadonlyRootFacts facts;
  facts.root.path = "C:\\.capprobe-1-x-rw";
  if (error) facts.root.create_kind = capprobe::platform::fake_error(*error, "").kind;
  facts.root.create_errno = std::move(error);
  facts.requested = requested;
  facts.volume_read_only = false;
  return facts;
}

CapabilityResult run(capprobe::platform::Platform& os, const PodRequests& requests = {}) {
  auto ctx = context_for(os, requests);
  return judge_windows_readonly_root(collect_windows_readonly_root_facts(ctx));
}

}  // namespace

TEST_CASE("fs.readonly_root Windows verdict table") {
  struct Row {
    std::string name;
    WindowsReadonlyRootFacts facts;
    Status status;
    std::string observed;
    std::string summary_has;
  };
  auto timed_out = wrote(std::nullopt, std::nullopt);
  timed_out.root.not_done = "timed out after 1000 ms (the filesystem did not answer)";
  const std::vector<Row> rows = {
      {"written, nothing asked", wrote(std::nullopt, std::nullopt), Status::not_applicable,
       "writable", "C:\\ is writable: a test file was created and removed"},
      {"written, not asked", wrote(std::nullopt, false), Status::not_applicable, "writable",
       "Windows containers have no read-only root filesystem"},
      {"written, asked for anyway", wrote(std::nullopt, true), Status::unsupported, "writable",
       "REQUESTED BUT IGNORED: readOnlyRootFilesystem was requested but is not in effect"},
      {"ContainerUser may not write in C:\\", wrote("ERROR_ACCESS_DENIED", std::nullopt),
       Status::not_applicable, "unknown", "a permission check"},
      {"asked for, and the write says nothing", wrote("ERROR_ACCESS_DENIED", true),
       Status::unsupported, "unknown", "REQUESTED BUT IGNORED"},
      {"write-protected media", wrote("ERROR_WRITE_PROTECT", true), Status::not_applicable,
       "read_only", "C:\\ is read-only: creating a file failed with ERROR_WRITE_PROTECT"},
      {"full", wrote("ERROR_DISK_FULL", std::nullopt), Status::not_applicable, "writable",
       "writable but full"},
      {"another error", wrote("ERROR_SHARING_VIOLATION", std::nullopt), Status::not_applicable,
       "unknown", "failed with ERROR_SHARING_VIOLATION"},
      {"the write did not answer", timed_out, Status::not_applicable, "unknown",
       "the write test timed out"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto result = judge_windows_readonly_root(row.facts);
      INFO(result.summary);
      CHECK(result.id == "fs.readonly_root");
      CHECK(result.status == row.status);
      CHECK(result.observed == row.observed);
      CHECK(has(result.summary, row.summary_has));
      CHECK(has(result.summary, "Windows containers have no read-only root filesystem"));
      CHECK(result.requested == row.facts.requested);
      CHECK(result.requested_but_ignored() == (row.status == Status::unsupported));
      CHECK(result.evidence["write_errno"] == (row.facts.root.create_errno
                                                   ? nlohmann::json(*row.facts.root.create_errno)
                                                   : nlohmann::json(nullptr)));
      CHECK(result.evidence["setting_exists"] == false);
    }
  }
}

TEST_CASE("fs.readonly_root Windows verdict: residue and HostProcess are said") {
  auto facts = wrote(std::nullopt, std::nullopt);
  facts.root.remove_errno = "ERROR_SHARING_VIOLATION";
  facts.host_process = true;
  const auto result = judge_windows_readonly_root(facts);
  CHECK(has(result.summary, "WARNING: the test file C:\\.capprobe-1-x-rw could not be removed"));
  CHECK(has(result.summary, "a HostProcess container: the node's own system drive"));
  CHECK(result.evidence["remove_errno"] == "ERROR_SHARING_VIOLATION");
  CHECK(result.evidence["host_process"] == true);
}

TEST_CASE(
    "fs.readonly_root on WS2019 as ContainerAdministrator: the root of C: written and cleaned") {
  FakePlatform fake;
  process_isolated(fake, container_administrator(), kBuildWs2019);
  fake.dir("C:\\").fs("C:\\", capprobe::platform::FsInfo{false, 0, 1ull << 36, 1ull << 35});
  const auto before = fake.entry_count();
  CountingCreates os(fake);
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::not_applicable);
  CHECK(result.observed == "writable");
  CHECK(os.created == std::vector<std::string>{"C:\\.capprobe-4242-test-rw"});
  CHECK(result.evidence["write_errno"].is_null());
  CHECK(result.evidence["write_path"] == "C:\\.capprobe-4242-test-rw");
  CHECK(result.evidence["volume_read_only"] == false);
  CHECK(result.evidence["system_drive"] == "C:");
  CHECK(fake.entry_count() == before);
}

TEST_CASE("fs.readonly_root on WS2022 as ContainerUser: the write is refused, nothing is shown") {
  FakePlatform os;
  process_isolated(os, container_user(), kBuildWs2022);
  os.fail("create_file_exclusive", "C:\\.capprobe-4242-test-rw", "ERROR_ACCESS_DENIED");
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::not_applicable);
  CHECK(result.observed == "unknown");
  CHECK(result.evidence["write_errno"] == "ERROR_ACCESS_DENIED");
  CHECK(result.evidence["volume_error"] == "ENOENT");  // the fake has no C:\ here
}

TEST_CASE("fs.readonly_root on Windows asked for by a pod spec without spec.os: ignored") {
  FakePlatform os;
  process_isolated(os, container_administrator(), kBuildWs2022);
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.read_only_root = true;
  const auto before = os.entry_count();
  const auto result = run(os, requests);
  INFO(result.summary);
  CHECK(result.requested_but_ignored());
  CHECK(result.observed == "writable");
  CHECK(result.summary.rfind(capprobe::probes::kIgnoredPrefix, 0) == 0);
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.readonly_root in a HostProcess container writes in the node's system drive") {
  FakePlatform os;
  host_process(os);
  os.environment["SystemDrive"] = "D:";
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::not_applicable);
  CHECK(result.evidence["write_path"] == "D:\\.capprobe-4242-test-rw");
  CHECK(result.evidence["host_process"] == true);
  CHECK(has(result.summary, "D:\\ is writable"));
  CHECK(has(result.summary, "the node's own system drive"));
  CHECK(os.entry_count() == before);
}
