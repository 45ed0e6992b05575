// capprobe as an ordinary user (nobody): a complete report in which what needs a privilege is
// `untested` with the reason, never an `error`.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "tests/integration/support/report.hpp"
#include "tests/integration/support/run.hpp"
#include "tests/integration/support/sandbox.hpp"

namespace {

using namespace capprobe::it;
namespace fs = std::filesystem;

constexpr const char* kNobody = "65534";

}  // namespace

TEST_CASE("capprobe as uid 65534: a complete report without privilege errors", "[unprivileged]") {
  CAPPROBE_IT_NEEDS(Facility::root, Facility::setpriv);  // root to drop to another user at all
  // A copy nobody can execute wherever the build tree lives.
  TempDir dir("bin");
  const auto binary = dir.path() / "capprobe";
  fs::copy_file(capprobe_path(), binary);
  fs::permissions(binary, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  const auto before = capprobe_entries();

  const auto run = capprobe::it::run(
      {"setpriv", std::string("--reuid=") + kNobody, std::string("--regid=") + kNobody,
       "--clear-groups", binary.string(), "probe", "--json"},
      kFullRunTimeout, {.cwd = "/", .extra_env = {"HOME=/nonexistent"}});
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto report = parse_report(run);
  CHECK(envelope_problems(report) == std::vector<std::string>{});
  CHECK(result_ids(report).size() == catalog_ids().size());

  for (const auto& result : report["results"]) {
    INFO(brief(result));
    CHECK(result_problems(result) == std::vector<std::string>{});
    CHECK(evidence_problems(result) == std::vector<std::string>{});
    CHECK(result["status"] != "error");
  }
  const auto& identity = result_of(report, "security.identity");
  INFO(brief(identity));
  CHECK(identity["evidence"].dump().find(kNobody) != std::string::npos);

  // A write refused for permissions (EACCES) is not a read-only root.
  const auto& root = result_of(report, "fs.readonly_root");
  INFO(brief(root));
  CHECK(root["observed"] != "read_only");

  CHECK(new_residue(before, capprobe_entries(), {run.pid}) == std::vector<std::string>{});
}
