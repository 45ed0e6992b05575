// Volumes that misbehave, made with a small FUSE filesystem (support/fuse_dir.cpp) in a private
// mount namespace: a volume whose server stopped answering (a hung NFS server, a dead CSI
// driver) must not hang capprobe, and a volume without symlinks must be found even when it is
// the ninth writable place.
#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/support/report.hpp"
#include "tests/integration/support/run.hpp"
#include "tests/integration/support/sandbox.hpp"

namespace {

using namespace capprobe::it;
namespace fs = std::filesystem;

// A run that hangs is killed here and fails the test; a correct run takes a few seconds (one
// bound per place that does not answer).
constexpr std::chrono::milliseconds kHangBound{45000};

// The entry for `path` in a list of {path or mount_point, reason} objects, or null.
nlohmann::json entry_for(const nlohmann::json& list, const std::string& key,
                         const std::string& path) {
  if (!list.is_array()) return nullptr;
  for (const auto& entry : list)
    if (entry.is_object() && entry.value(key, "") == path) return entry;
  return nullptr;
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

}  // namespace

TEST_CASE("a hung volume: probe, a probe that never looks at volumes, and agent --once finish",
          "[hung]") {
  CAPPROBE_IT_NEEDS(Facility::root, Facility::fuse);
  PrivateMountNamespace ns;
  TempDir dir("hung");
  fs::create_directory(dir.path() / "backing");
  const auto point = (dir.path() / "mnt").string();
  FuseMount volume((dir.path() / "backing").string(), point, false);
  volume.stop();  // from here on, every access to `point` blocks

  // The residue sweep runs before any probe: it must not wait for the hung volume either.
  const auto os_only =
      run({capprobe_path(), "probe", "--json", "--only", "platform.os"}, kHangBound);
  INFO(describe(os_only));
  REQUIRE_FALSE(os_only.timed_out);
  CHECK(os_only.exited_zero());
  CHECK(os_only.err.find(point + ": timed out after") != std::string::npos);  // the sweep says so

  const auto quick = run({capprobe_path(), "probe", "--json", "--quick"}, kHangBound);
  INFO(describe(quick));
  REQUIRE_FALSE(quick.timed_out);
  REQUIRE(quick.exited_zero());
  const auto report = parse_report(quick);
  CHECK(envelope_problems(report) == std::vector<std::string>{});
  for (const auto& result : report["results"]) {
    INFO(brief(result));
    CHECK(result["status"] != "error");  // a hung place is reported, not a probe overrun
  }
  const auto& symlink = result_of(report, "fs.symlink");
  INFO(brief(symlink));
  const auto skipped = entry_for(symlink["evidence"]["skipped"], "path", point);
  REQUIRE(skipped.is_object());
  CHECK(starts_with(skipped.value("reason", ""), "timed out after"));
  CHECK(symlink["summary"].get<std::string>().find(point + " (timed out after") !=
        std::string::npos);
  const auto& pipes = result_of(report, "fs.pipe_mount");
  INFO(brief(pipes));
  const auto not_scanned = entry_for(pipes["evidence"]["not_scanned"], "mount_point", point);
  REQUIRE(not_scanned.is_object());
  CHECK(starts_with(not_scanned.value("reason", ""), "timed out after"));

  // The agent: its round child sweeps and probes, its NFD file lives on the hung volume. The
  // collector is a closed loopback port, so the report is spooled and --once exits 0.
  const auto agent = run(
      {capprobe_path(), "agent", "--once", "--quick", "--collector", "http://127.0.0.1:9",
       "--spool-dir", (dir.path() / "spool").string(), "--nfd-file", point + "/capprobe.features"},
      std::chrono::milliseconds(150000));
  INFO(describe(agent));
  REQUIRE_FALSE(agent.timed_out);
  CHECK(agent.exited_zero());
  CHECK(agent.out.find("spooled report") != std::string::npos);
  CHECK(agent.err.find("cannot write --nfd-file") != std::string::npos);
}

TEST_CASE("fs.symlink finds a ninth writable volume without symlinks", "[fuse]") {
  CAPPROBE_IT_NEEDS(Facility::root, Facility::fuse);
  PrivateMountNamespace ns;
  TempDir dir("ninth");
  std::vector<std::unique_ptr<TmpfsMount>> volumes;
  for (int i = 0; i < 8; ++i)
    volumes.push_back(
        std::make_unique<TmpfsMount>((dir.path() / ("vol" + std::to_string(i))).string()));
  fs::create_directory(dir.path() / "backing");
  const auto ninth = (dir.path() / "vol8").string();
  FuseMount no_symlinks((dir.path() / "backing").string(), ninth, /*no_symlinks=*/true);

  const auto run_result =
      run({capprobe_path(), "probe", "--json", "--only", "fs.symlink"}, kQuickRunTimeout);
  INFO(describe(run_result));
  REQUIRE(run_result.exited_zero());
  const auto report = parse_report(run_result);
  const auto& result = result_of(report, "fs.symlink");
  INFO(brief(result));
  CHECK(evidence_problems(result) == std::vector<std::string>{});
  CHECK(result["status"] == "partial");
  const auto location = entry_for(result["evidence"]["locations"], "path", ninth);
  REQUIRE(location.is_object());
  for (const char* kind : {"file_absolute", "file_relative", "dir_absolute", "dir_relative"})
    CHECK(location.value(kind, "") == "EPERM");
  CHECK(result["summary"].get<std::string>().find(ninth + ": no symlink works") !=
        std::string::npos);
  // What the probe made on the FUSE volume is gone again.
  CHECK(fs::is_empty(dir.path() / "backing"));
}
