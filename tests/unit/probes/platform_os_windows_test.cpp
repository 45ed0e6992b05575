// platform.os on Windows: the judge over the kernel's and the image's builds (every release of
// the table, an image older than its node's kernel, a utility VM's kernel, failures), and the
// probe over the shapes of Windows Server 2019 and 2022 nodes.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "platform/fake/fake_platform.hpp"
#include "probes/os/platform_os.hpp"
#include "probes/probe_list.hpp"
#include "tests/unit/probes/win_iso_test_support.hpp"

using capprobe::platform::FakePlatform;
using capprobe::platform::WindowsImageVersion;
using capprobe::platform::WindowsVersion;
using capprobe::probes::judge_windows_os;
using capprobe::probes::Status;
using capprobe::probes::WindowsOsFacts;
using capprobe::testing::WinKind;
using capprobe::testing::WinRelease;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

WindowsImageVersion image(const std::string& build, std::uint32_t ubr, const std::string& name,
                          const std::string& display) {
  WindowsImageVersion out;
  out.current_build_number = build;
  out.ubr = ubr;
  out.product_name = name;
  out.display_version = display;
  out.installation_type = "Server Core";
  return out;
}

WindowsOsFacts facts(std::uint32_t kernel_build, const WindowsImageVersion& img,
                     std::optional<std::string> kernel_of = "node") {
  WindowsOsFacts f;
  f.kernel = WindowsVersion{10, 0, kernel_build, 3};
  f.image = img;
  f.machine = "AMD64";
  f.kernel_of = std::move(kernel_of);
  return f;
}

capprobe::probes::CapabilityResult run_probe(FakePlatform& os) {
  const auto probe = capprobe::probes::platform_os_windows_probe();
  const capprobe::probes::PodRequests requests;
  capprobe::probes::ProbeContext ctx{os, requests, false, ".capprobe-6312-abcdef",
                                     std::chrono::steady_clock::now() + probe.info.timeout};
  return probe.run(ctx);
}

}  // namespace

TEST_CASE("Windows platform.os judge: the releases of the build table") {
  struct Row {
    std::uint32_t build;
    std::string name;
    std::string display;
    nlohmann::json release;
  };
  const std::vector<Row> rows = {
      {17763, "Windows Server 2019 Datacenter", "1809", "1809"},
      {18363, "Windows Server Datacenter", "1909", "1909"},
      {19041, "Windows Server Datacenter", "2004", "2004"},
      {20348, "Windows Server 2022 Datacenter", "21H2", "2022"},
      {22621, "Windows 10 Enterprise", "22H2", nullptr},  // a client build: no server release
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("build " << row.build) {
      const auto result = judge_windows_os(
          facts(row.build, image(std::to_string(row.build), 1234, row.name, row.display)));
      INFO(result.summary);
      CHECK(result.id == "platform.os");
      CHECK(result.status == Status::supported);
      CHECK(result.observed == "windows");
      const auto& e = result.evidence;
      CHECK(e["os"] == "windows");
      CHECK(e["build"] == row.build);
      CHECK(e["release"] == row.release);
      CHECK(e["release_source"] == "kernel");
      CHECK(e["kernel"] == "10.0." + std::to_string(row.build));
      CHECK(e["image_build"] == std::to_string(row.build) + ".1234");
      CHECK(e["image_release"] == row.release);
      CHECK(e["version"] == row.name + " (" + row.display + ")");
      CHECK(e["arch"] == "amd64");
      CHECK(e["product_type"] == "server");
      CHECK_FALSE(contains(result.summary, "differs"));
      if (row.release.is_null()) {
        CHECK(contains(result.summary, "no known Windows Server release"));
      } else {
        CHECK(contains(result.summary, "release " + row.release.get<std::string>()));
      }
    }
  }
}

TEST_CASE("Windows platform.os judge: the image's build beside the kernel's") {
  const auto ltsc2019 = image("17763", 5458, "Windows Server 2019 Datacenter", "1809");
  SECTION("a 2019 image on a 2022 node's kernel (process isolation)") {
    const auto result = judge_windows_os(facts(20348, ltsc2019, "node"));
    CHECK(result.evidence["build"] == 20348);
    CHECK(result.evidence["release"] == "2022");
    CHECK(result.evidence["image_release"] == "1809");
    CHECK(contains(result.summary, "the image's build 17763 (release 1809) differs"));
    CHECK(contains(result.summary, "under process isolation"));
  }
  SECTION("a utility VM's kernel") {
    const auto result = judge_windows_os(facts(20348, ltsc2019, "utility_vm"));
    CHECK(result.evidence["kernel_of"] == "utility_vm");
    CHECK(contains(result.summary, "the kernel is the utility VM's"));
  }
  SECTION("whose kernel unknown: both explanations") {
    const auto result = judge_windows_os(facts(20348, ltsc2019, std::nullopt));
    CHECK(result.evidence["kernel_of"].is_null());
    CHECK(contains(result.summary, "or a utility VM's kernel"));
  }
}

TEST_CASE("Windows platform.os judge: failures") {
  SECTION("RtlGetVersion failed: the image's build and release, said so") {
    auto f = facts(0, image("17763", 5458, "Windows Server 2019 Datacenter", "1809"));
    f.kernel = capprobe::platform::fake_error("ERROR_CALL_NOT_IMPLEMENTED", "RtlGetVersion");
    const auto result = judge_windows_os(f);
    CHECK(result.status == Status::supported);
    CHECK(result.evidence["build"] == 17763);
    CHECK(result.evidence["release"] == "1809");
    CHECK(result.evidence["release_source"] == "image");
    CHECK(result.evidence["kernel"].is_null());
    CHECK(contains(result.evidence["kernel_error"].get<std::string>(), "RtlGetVersion"));
    CHECK(contains(result.summary, "from the image"));
  }
  SECTION("the registry denied: the kernel alone") {
    auto f = facts(20348, {});
    f.image = capprobe::platform::fake_error("ERROR_ACCESS_DENIED", "RegOpenKeyExW CurrentVersion");
    f.machine.reset();
    const auto result = judge_windows_os(f);
    CHECK(result.status == Status::supported);
    CHECK(result.evidence["release"] == "2022");
    CHECK(result.evidence["version"].is_null());
    CHECK(result.evidence["image_build"].is_null());
    CHECK(result.evidence["arch"].is_null());
    CHECK(contains(result.evidence["image_error"].get<std::string>(), "ERROR_ACCESS_DENIED"));
  }
  SECTION("neither: untested with both reasons") {
    WindowsOsFacts f;
    f.kernel = capprobe::platform::fake_error("ERROR_CALL_NOT_IMPLEMENTED", "RtlGetVersion");
    f.image = capprobe::platform::fake_error("ERROR_FILE_NOT_FOUND", "CurrentVersion");
    const auto result = judge_windows_os(f);
    CHECK(result.status == Status::untested);
    CHECK(result.observed == "windows");
    CHECK(result.evidence["build"].is_null());
    CHECK(result.evidence["release"].is_null());
    CHECK(contains(result.summary, "ERROR_CALL_NOT_IMPLEMENTED"));
    CHECK(contains(result.summary, "ERROR_FILE_NOT_FOUND"));
  }
  SECTION("a CurrentBuildNumber that is no number is no build") {
    auto f = facts(0, image("unknown", 1, "Windows Server", "21H2"));
    f.kernel = capprobe::platform::fake_error("ERROR_CALL_NOT_IMPLEMENTED", "RtlGetVersion");
    CHECK(judge_windows_os(f).status == Status::untested);
  }
}

TEST_CASE("Windows machine names map to Kubernetes architectures") {
  using capprobe::probes::kubernetes_arch;
  CHECK(kubernetes_arch("AMD64") == "amd64");
  CHECK(kubernetes_arch("ARM64") == "arm64");
  CHECK(kubernetes_arch("x86") == "386");
}

TEST_CASE("platform.os on Windows over the shapes of real nodes") {
  struct Row {
    WinRelease release;
    WinKind kind;
    std::string release_word;
    std::string kernel;
    std::string image_build;
    std::string kernel_of;
  };
  const std::vector<Row> rows = {
      {WinRelease::ws2019, WinKind::process, "1809", "10.0.17763", "17763.5458", "node"},
      {WinRelease::ws2022, WinKind::process, "2022", "10.0.20348", "20348.2113", "node"},
      {WinRelease::ws2022, WinKind::hyperv, "2022", "10.0.20348", "20348.2113", "utility_vm"},
      {WinRelease::ws2019, WinKind::hostprocess, "1809", "10.0.17763", "17763.5458", "node"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.release_word << "/" << static_cast<int>(row.kind)) {
      FakePlatform os;
      capprobe::testing::script_windows(os, row.release, row.kind);
      const auto result = run_probe(os);
      INFO(result.summary);
      CHECK(result.status == Status::supported);
      for (const auto* key : {"os", "version", "build", "release", "kernel"})
        CHECK(result.evidence.contains(key));
      CHECK(result.evidence["release"] == row.release_word);
      CHECK(result.evidence["kernel"] == row.kernel);
      CHECK(result.evidence["image_build"] == row.image_build);
      CHECK(result.evidence["kernel_of"] == row.kernel_of);
      CHECK(result.evidence["machine"].is_null());  // the fake's kernel_info is not scripted
    }
  }
  SECTION("a 2019 image on a 2022 node, process-isolated: both builds, and why they differ") {
    FakePlatform os;
    capprobe::testing::script_windows(os, WinRelease::ws2022, WinKind::process);
    os.windows.image_version = capprobe::testing::win_image(WinRelease::ws2019);
    os.kernel =
        capprobe::platform::KernelInfo{"Windows", "akswin000000", "10.0.20348", "", "AMD64"};
    const auto result = run_probe(os);
    CHECK(result.evidence["build"] == 20348);
    CHECK(result.evidence["release"] == "2022");
    CHECK(result.evidence["image_release"] == "1809");
    CHECK(result.evidence["arch"] == "amd64");
    CHECK(contains(result.summary, "under process isolation"));
  }
}
