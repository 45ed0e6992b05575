// Every fs.* Windows probe through its factory, as the Windows catalog will run it: over an empty
// fake (no Windows fact set: every call answers ERROR_CALL_NOT_IMPLEMENTED) and over a WS2022
// container, each returns a well-formed result for its id with DESIGN.md's evidence keys, and
// leaves nothing behind; each shares its catalog entry with its Linux twin.
#include <catch2/catch.hpp>

#include <map>

#include "probes/probe_list.hpp"
#include "tests/unit/probes/fs_test_support.hpp"
#include "tests/unit/probes/fs_windows_shapes.hpp"

using capprobe::platform::FakePlatform;
using capprobe::probes::PodRequests;
using capprobe::probes::Probe;
using capprobe::probes::Status;
using capprobe::testing::context_for;

namespace {

struct Twin {
  Probe linux_probe;
  Probe windows_probe;
  std::vector<std::string> evidence;  // keys DESIGN.md promises
};

std::vector<Twin> fs_probes() {
  using namespace capprobe::probes;
  return {{fs_symlink_linux_probe(), fs_symlink_windows_probe(), {"locations"}},
          {fs_readonly_root_linux_probe(), fs_readonly_root_windows_probe(), {"write_errno"}},
          {fs_host_path_linux_probe(), fs_host_path_windows_probe(), {}},
          {fs_pipe_mount_linux_probe(), fs_pipe_mount_windows_probe(), {"endpoints"}}};
}

void check_well_formed(const Twin& twin, FakePlatform& os) {
  const auto before = os.entry_count();
  PodRequests requests;
  auto ctx = context_for(os, requests);
  const auto result = twin.windows_probe.run(ctx);
  INFO(twin.windows_probe.info.id << " said: " << result.summary);
  CHECK(result.id == twin.windows_probe.info.id);
  CHECK_FALSE(result.summary.empty());
  CHECK(result.status != Status::error);
  for (const auto& key : twin.evidence) CHECK(result.evidence.contains(key));
  if (result.evidence.contains("endpoints"))
    for (const auto& endpoint : result.evidence["endpoints"])
      CHECK(endpoint["kind"] == "named_pipe");
  CHECK(os.entry_count() == before);
}

}  // namespace

TEST_CASE("fs Windows probes: one catalog entry with their Linux twins, both platforms") {
  for (const auto& twin : fs_probes()) {
    const auto& info = twin.windows_probe.info;
    INFO(info.id);
    CHECK(info.id == twin.linux_probe.info.id);
    CHECK(info.title == twin.linux_probe.info.title);
    CHECK(info.scope == twin.linux_probe.info.scope);
    CHECK(info.timeout == twin.linux_probe.info.timeout);
    CHECK(info.platforms == std::vector<std::string>{"linux", "windows"});
  }
}

TEST_CASE("fs Windows probes on an empty fake: well-formed, no throw, nothing left") {
  for (const auto& twin : fs_probes()) {
    FakePlatform os;
    check_well_formed(twin, os);
  }
}

TEST_CASE("fs Windows probes in a WS2022 container: well-formed, nothing left") {
  for (const auto& twin : fs_probes()) {
    FakePlatform os;
    capprobe::testing::process_isolated(os, capprobe::testing::container_user(),
                                        capprobe::testing::kBuildWs2022);
    check_well_formed(twin, os);
  }
}
