// kernel_info's version under Wine, which is not Windows: a fresh Wine prefix claims Windows 7,
// and RtlGetVersion follows what the prefix's registry says. The harness gives a test a prefix
// whose registry says Windows Server build N (CAPPROBE_WINE_WINDOWS_BUILD, wine-run.sh), so the
// way from the kernel's build to the release name is tested for 1809 and 2022.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <string>

#include "probes/os/windows_release.hpp"
#include "tests/windows/windows_test_support.hpp"

using namespace capprobe::platform;
using capprobe::testing::report_skip;
using capprobe::testing::wine_version;

namespace {

std::string registry_build() {
  const char* build = std::getenv("CAPPROBE_WINE_WINDOWS_BUILD");
  return build == nullptr ? std::string() : std::string(build);
}

// "10.0.17763" -> 17763
std::uint32_t build_of(const std::string& release) {
  return static_cast<std::uint32_t>(std::stoul(release.substr(release.rfind('.') + 1)));
}

}  // namespace

TEST_CASE("kernel_info under Wine: a fresh prefix reports Windows 7 SP1, a workstation") {
  if (!wine_version()) return report_skip("a Wine behaviour; Windows reports its own version");
  if (!registry_build().empty()) return report_skip("this prefix's registry names a build");
  const auto kernel = WindowsPlatform().kernel_info();
  REQUIRE(kernel.ok());
  CHECK(kernel.value().release == "6.1.7601");
  CHECK(kernel.value().version == "workstation, Service Pack 1");
}

// Hidden ("[.]"): it means something only in a prefix the harness prepared, so only the ctest
// entries that set CAPPROBE_WINE_WINDOWS_BUILD run it (tests/windows/CMakeLists.txt).
TEST_CASE("kernel_info under Wine follows the registry's Windows Server build", "[.registry]") {
  if (!wine_version()) return report_skip("a Wine behaviour; Windows reports its own version");
  const auto build = registry_build();
  if (build.empty()) return report_skip("needs CAPPROBE_WINE_WINDOWS_BUILD (set by ctest)");
  const auto kernel = WindowsPlatform().kernel_info();
  REQUIRE(kernel.ok());
  CHECK(kernel.value().release == "10.0." + build);
  CHECK(kernel.value().version == "server");
  const std::map<std::uint32_t, std::string> releases = {{17763, "1809"}, {20348, "2022"}};
  const auto expected = releases.find(build_of(kernel.value().release));
  REQUIRE(expected != releases.end());
  CHECK(capprobe::probes::windows_release_for_build(build_of(kernel.value().release)) ==
        expected->second);
  // The image's build is the registry's too (under process isolation on Windows they may differ).
  const auto image = WindowsPlatform().image_version();
  REQUIRE(image.ok());
  CHECK(image.value().current_build_number == build);
  CHECK(WindowsPlatform().kernel_version().value().product_type == 3);  // VER_NT_SERVER
}
