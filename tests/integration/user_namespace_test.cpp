// security.capabilities and security.identity in a user namespace: `unshare --user
// --map-root-user` run by nobody gives capprobe uid 0 and every capability, none of which is
// privilege on the host (issue #8, finding 4). A pod with hostUsers: false runs the same way.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <climits>
#include <filesystem>
#include <string>

#include "tests/integration/support/report.hpp"
#include "tests/integration/support/run.hpp"
#include "tests/integration/support/sandbox.hpp"

namespace {

using namespace capprobe::it;
namespace fs = std::filesystem;

const char* const kSecurityIds = "security.capabilities,security.identity";

// evidence.user_namespace, or an empty object when the report has none (a const json's
// operator[] on a missing key is undefined).
nlohmann::json user_namespace_of(const nlohmann::json& result) {
  return result.value("evidence", nlohmann::json::object())
      .value("user_namespace", nlohmann::json::object());
}

std::string own_user_namespace() {
  char target[PATH_MAX] = {};
  const auto length = readlink("/proc/self/ns/user", target, sizeof target - 1);
  return length > 0 ? std::string(target, static_cast<std::size_t>(length)) : "";
}

}  // namespace

TEST_CASE("user namespace: run as is, capprobe reports the one it shares with the test",
          "[userns]") {
  const auto ours = own_user_namespace();
  REQUIRE_FALSE(ours.empty());
  const auto run = capprobe::it::run({capprobe_path(), "probe", "--json", "--only", kSecurityIds},
                                     kQuickRunTimeout);
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto report = parse_report(run);
  for (const auto* id : {"security.capabilities", "security.identity"}) {
    const auto& result = result_of(report, id);
    INFO(brief(result));
    const auto ns = user_namespace_of(result);
    CHECK(ns.value("link", nlohmann::json()) == ours);
    // 0xEFFFFFFD: the kernel's initial user namespace (include/linux/proc_ns.h).
    CHECK(ns.value("initial", nlohmann::json()) == (ours == "user:[4026531837]"));
  }
}

TEST_CASE("user namespace: nobody under unshare -r holds capabilities that are not privilege",
          "[userns]") {
  // root to become nobody; nobody must be allowed to create the namespace.
  CAPPROBE_IT_NEEDS(Facility::root, Facility::setpriv, Facility::unshare,
                    Facility::unprivileged_userns);
  // A copy nobody can execute wherever the build tree lives.
  TempDir dir("userns-bin");
  const auto binary = dir.path() / "capprobe";
  fs::copy_file(capprobe_path(), binary);
  fs::permissions(binary, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);

  const auto run = capprobe::it::run(
      {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "unshare", "--user",
       "--map-root-user", binary.string(), "probe", "--json", "--only", kSecurityIds},
      kQuickRunTimeout, {.cwd = "/", .extra_env = {"HOME=/nonexistent"}});
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto report = parse_report(run);

  const auto& caps = result_of(report, "security.capabilities");
  INFO(brief(caps));
  CHECK(result_problems(caps) == std::vector<std::string>{});
  CHECK(caps["observed"] != "privileged");
  CHECK(caps["evidence"]["privileged"] == false);
  const auto ns = user_namespace_of(caps);
  CHECK(ns.value("initial", nlohmann::json()) == false);
  CHECK(ns.value("link", nlohmann::json()).is_string());
  CHECK(ns.value("link", nlohmann::json()) != own_user_namespace());
  CHECK_THAT(caps["summary"].get<std::string>(), Catch::Contains("user namespace"));
  CHECK_THAT(caps["summary"].get<std::string>(), Catch::Contains("host uid 65534"));

  const auto& identity = result_of(report, "security.identity");
  INFO(brief(identity));
  CHECK(result_problems(identity) == std::vector<std::string>{});
  CHECK(identity["observed"] == "root");
  CHECK(identity["evidence"]["uid"] == 0);
  CHECK(identity["evidence"].value("host_uid", nlohmann::json()) == 65534);
  CHECK(identity["evidence"].value("host_gid", nlohmann::json()) == 65534);
  CHECK_THAT(identity["summary"].get<std::string>(),
             Catch::Contains("in a user namespace, host uid 65534"));
}
