// --nfd-file: the feature file is replaced whole, through a temp file that does not remain.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>

#include "agent/daemon/nfd_file.hpp"
#include "temp_dir.hpp"

using namespace capprobe::agent;
using capprobe::test::slurp;
using capprobe::test::spit;
using capprobe::test::TempDir;

namespace {

Report report_with(capprobe::probes::Status status) {
  Report report;
  report.report_id = "r-1";
  report.agent_version = "0.1.0";
  report.subject.node = "worker-3";
  capprobe::probes::CapabilityResult result;
  result.id = "fs.symlink";
  result.status = status;
  result.observed = "ok";
  report.results.push_back(result);
  return report;
}

}  // namespace

TEST_CASE("the NFD file is written whole and replaced whole") {
  TempDir temp;
  const auto path = temp / "capprobe.features";
  spit(path, "stale content that must vanish entirely\n");
  REQUIRE(daemon::write_nfd_file(path, report_with(capprobe::probes::Status::supported),
                                 ".capprobe-1-abc-nfd") == "");
  const auto text = slurp(path);
  REQUIRE(text.find("capprobe.io/fs.symlink=supported\n") != std::string::npos);
  REQUIRE(text.find("stale") == std::string::npos);
  REQUIRE_FALSE(std::filesystem::exists(temp / ".capprobe-1-abc-nfd"));
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  REQUIRE((info.st_mode & 0777) == 0644);  // nfd-worker may read it as another user
  REQUIRE(daemon::write_nfd_file(path, report_with(capprobe::probes::Status::unsupported),
                                 ".capprobe-1-abc-nfd") == "");
  REQUIRE(slurp(path).find("capprobe.io/fs.symlink=unsupported\n") != std::string::npos);
}

TEST_CASE("a failed NFD write leaves the old file in place") {
  TempDir temp;
  const auto path = temp / "capprobe.features";
  spit(path, "old\n");
  // The temp name is taken (exclusive create refuses it): the write fails before the rename.
  spit(temp.path() / ".capprobe-1-abc-nfd", "someone else's");
  const auto problem = daemon::write_nfd_file(
      path, report_with(capprobe::probes::Status::supported), ".capprobe-1-abc-nfd");
  REQUIRE_FALSE(problem.empty());
  REQUIRE(slurp(path) == "old\n");
  REQUIRE(daemon::write_nfd_file(temp / "missing-dir/f", report_with({}), ".t") != "");
}

TEST_CASE("the agent's NFD file expires: its labels vanish when the agent stops") {
  // NFD's local feature source reads "# +expiry-time=<RFC3339>" and drops the file's labels
  // after that time; without it, a stopped agent's last verdicts would label the node forever.
  TempDir temp;
  const auto path = temp / "capprobe.features";
  const auto expires =
      std::chrono::system_clock::time_point{} + std::chrono::seconds(1'800'000'000);
  REQUIRE(daemon::write_nfd_file(path, report_with(capprobe::probes::Status::supported),
                                 ".capprobe-1-abc-nfd", expires) == "");
  const auto text = slurp(path);
  CHECK(text.rfind("# +expiry-time=2027-01-15T08:00:00Z\n", 0) == 0);
  CHECK(text.find("capprobe.io/fs.symlink=supported\n") != std::string::npos);
  // Exactly one directive: NFD refuses a file with a directive it does not know.
  std::size_t directives = 0;
  for (std::size_t at = text.find("# +"); at != std::string::npos; at = text.find("# +", at + 1))
    ++directives;
  CHECK(directives == 1);
}
