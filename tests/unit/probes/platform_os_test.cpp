// platform.os: the os-release parser, architecture names, the Windows build -> release table,
// and the probe over fixtures and failures.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "platform/fake/fake_platform.hpp"
#include "probes/os/platform_os.hpp"
#include "probes/os/windows_release.hpp"
#include "probes/probe_list.hpp"
#include "tests/unit/probes/fixtures.hpp"

using capprobe::platform::FakePlatform;
using capprobe::platform::KernelInfo;
using capprobe::probes::Status;

namespace {

capprobe::probes::CapabilityResult run_probe(FakePlatform& os) {
  const auto probe = capprobe::probes::platform_os_linux_probe();
  const capprobe::probes::PodRequests requests;
  capprobe::probes::ProbeContext ctx{os, requests, false, ".capprobe-4242-abcdef",
                                     std::chrono::steady_clock::now() + probe.info.timeout};
  return probe.run(ctx);
}

KernelInfo linux_kernel(const std::string& release, const std::string& machine) {
  return KernelInfo{"Linux", "worker-3", release, "#1 SMP PREEMPT_DYNAMIC", machine};
}

}  // namespace

TEST_CASE("Windows builds map to the release names of PROBES.md") {
  const std::vector<std::pair<std::uint32_t, std::string>> table = {
      {14393, "2016"}, {16299, "1709"}, {17134, "1803"}, {17763, "1809"},
      {18362, "1903"}, {18363, "1909"}, {19041, "2004"}, {19042, "20H2"},
      {20348, "2022"}, {25398, "23H2"}, {26100, "2025"},
  };
  for (const auto& [build, release] : table) {
    INFO("build " << build);
    CHECK(capprobe::probes::windows_release_for_build(build) == release);
  }
  for (const std::uint32_t unknown : {0u, 10240u, 17762u, 17764u, 22000u, 22621u, 99999u}) {
    INFO("build " << unknown);
    CHECK_FALSE(capprobe::probes::windows_release_for_build(unknown).has_value());
  }
}

TEST_CASE("os-release parsing follows os-release(5) quoting") {
  const auto release = capprobe::probes::parse_os_release(
      "# a comment\n"
      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
      "VERSION_ID='12'\n"
      "ID=debian\n"
      "ESCAPED=\"say \\\"hi\\\" \\\\ \\$HOME\"\n"
      "\n"
      "not a pair\n"
      "=novalue\n"
      "EMPTY=\n");
  CHECK(release.at("PRETTY_NAME") == "Debian GNU/Linux 12 (bookworm)");
  CHECK(release.at("VERSION_ID") == "12");
  CHECK(release.at("ID") == "debian");
  CHECK(release.at("ESCAPED") == "say \"hi\" \\ $HOME");
  CHECK(release.at("EMPTY").empty());
  CHECK(release.size() == 5);
}

TEST_CASE("machine names map to Kubernetes architectures") {
  using capprobe::probes::kubernetes_arch;
  CHECK(kubernetes_arch("x86_64") == "amd64");
  CHECK(kubernetes_arch("aarch64") == "arm64");
  CHECK(kubernetes_arch("armv7l") == "arm");
  CHECK(kubernetes_arch("i686") == "386");
  CHECK(kubernetes_arch("ppc64le") == "ppc64le");
  CHECK(kubernetes_arch("s390x") == "s390x");
}

TEST_CASE("platform.os reports os, version, release and kernel") {
  FakePlatform os;
  capprobe::testing::load_fixture(os, "iso-host");
  os.kernel = linux_kernel("6.1.0-18-amd64", "x86_64");
  const auto result = run_probe(os);
  CHECK(result.id == "platform.os");
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "linux");
  CHECK(result.evidence["os"] == "linux");
  CHECK(result.evidence["version"] == "Debian GNU/Linux 12 (bookworm)");
  CHECK(result.evidence["release"] == "12");
  CHECK(result.evidence["build"].is_null());
  CHECK(result.evidence["kernel"] == "6.1.0-18-amd64");
  CHECK(result.evidence["arch"] == "amd64");
  CHECK(result.summary.find("Debian GNU/Linux 12") != std::string::npos);
  CHECK(capprobe::probes::platform_os_linux_probe().info.cost == capprobe::probes::Cost::light);
}

TEST_CASE("platform.os falls back to /usr/lib/os-release and survives its absence") {
  SECTION("fallback") {
    FakePlatform os;
    os.file("/usr/lib/os-release", "PRETTY_NAME=\"Alpine Linux v3.19\"\nVERSION_ID=3.19.1\n");
    os.kernel = linux_kernel("6.6.7", "aarch64");
    const auto result = run_probe(os);
    CHECK(result.status == Status::supported);
    CHECK(result.evidence["version"] == "Alpine Linux v3.19");
    CHECK(result.evidence["release"] == "3.19.1");
    CHECK(result.evidence["os_release_path"] == "/usr/lib/os-release");
    CHECK(result.evidence["arch"] == "arm64");
  }
  SECTION("no os-release (a scratch image): still the kernel, with nulls") {
    FakePlatform os;
    os.kernel = linux_kernel("6.6.7", "x86_64");
    const auto result = run_probe(os);
    CHECK(result.status == Status::supported);
    CHECK(result.evidence["version"].is_null());
    CHECK(result.evidence["release"].is_null());
    CHECK(result.evidence["kernel"] == "6.6.7");
    CHECK(result.evidence["os_release_error"].get<std::string>().find("ENOENT") !=
          std::string::npos);
  }
  SECTION("os-release denied is reported as denied") {
    FakePlatform os;
    os.file("/etc/os-release", "ID=debian\n");
    os.fail("read_file", "/etc/os-release", "EACCES");
    os.kernel = linux_kernel("6.6.7", "x86_64");
    const auto result = run_probe(os);
    CHECK(result.evidence["os_release_error"].get<std::string>().find("EACCES") !=
          std::string::npos);
  }
  SECTION("nothing readable: untested with both reasons") {
    FakePlatform os;
    const auto result = run_probe(os);
    CHECK(result.status == Status::untested);
    CHECK(result.observed == "linux");
    CHECK(result.evidence["kernel"].is_null());
    CHECK(result.summary.find("ENOSYS") != std::string::npos);
  }
}
