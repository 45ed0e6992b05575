// fs.readonly_root against a real read-only root: / is bind-remounted read-only in a private
// mount namespace (only that namespace's copy of the mount changes), and left alone otherwise.
#include <catch2/catch.hpp>

#include <string>

#include "tests/integration/support/report.hpp"
#include "tests/integration/support/run.hpp"
#include "tests/integration/support/sandbox.hpp"

namespace {
using namespace capprobe::it;
}  // namespace

TEST_CASE("fs.readonly_root: / remounted read-only in a private mount namespace is read_only",
          "[readonly_root]") {
  CAPPROBE_IT_NEEDS(Facility::root, Facility::unshare);
  {
    const auto why = root_not_writable();
    INFO("precondition: / must be writable here before the test: " << why.value_or(""));
    REQUIRE(!why);
  }
  const auto before = capprobe_entries();
  RootWritableGuard guard;

  const auto script =
      "mount -o remount,bind,ro / && exec " +
      shell_quote({capprobe_path(), "probe", "--json", "--only", "fs.readonly_root"});
  const auto run = capprobe::it::run(
      {"unshare", "--mount", "--propagation", "private", "sh", "-c", script}, kQuickRunTimeout);
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto report = parse_report(run);
  const auto& result = result_of(report, "fs.readonly_root");
  INFO(brief(result));
  CHECK(result["observed"] == "read_only");
  CHECK(result["evidence"].value("write_errno", nlohmann::json()) == "EROFS");
  CHECK(result["status"] != "error");
  CHECK(evidence_problems(result) == std::vector<std::string>{});

  // The remount must not have escaped the sandbox.
  const auto outside = root_not_writable();
  INFO("after the test, / outside the sandbox: " << outside.value_or("writable"));
  CHECK(!outside);
  CHECK(new_residue(before, capprobe_entries(), {run.pid}) == std::vector<std::string>{});
}

TEST_CASE("fs.readonly_root: a writable / is reported writable", "[readonly_root]") {
  // As root a write to / succeeds; as another user it would fail with EACCES, which is not what
  // this test is about.
  CAPPROBE_IT_NEEDS(Facility::root);
  {
    const auto why = root_not_writable();
    INFO("precondition: / must be writable here: " << why.value_or(""));
    REQUIRE(!why);
  }
  const auto before = capprobe_entries();

  const auto run = capprobe::it::run(
      {capprobe_path(), "probe", "--json", "--only", "fs.readonly_root"}, kQuickRunTimeout);
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto report = parse_report(run);
  const auto& result = result_of(report, "fs.readonly_root");
  INFO(brief(result));
  CHECK(result["observed"] == "writable");
  CHECK(result["evidence"].contains("write_errno"));
  CHECK(result["evidence"].value("write_errno", nlohmann::json("<missing>")).is_null());
  CHECK(result["status"] != "error");
  CHECK(evidence_problems(result) == std::vector<std::string>{});
  // The write attempt in /, /etc and /var/tmp is removed at once.
  CHECK(new_residue(before, capprobe_entries(), {run.pid}) == std::vector<std::string>{});
}
