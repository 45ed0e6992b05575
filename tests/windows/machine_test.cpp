// What the machine has: memory, uptime, processor times, firmware tables, NUMA nodes and
// processor groups, and CPUID, in shapes that hold on Wine and on Windows; where Wine answers
// differently, the test's name says so.
#include <windows.h>

#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <thread>

#include "platform/windows/windows_platform.hpp"
#include "tests/windows/windows_test_support.hpp"

using namespace capprobe::platform;
using namespace std::chrono_literals;
using capprobe::testing::report_skip;
using capprobe::testing::wine_version;

TEST_CASE("memory: physical memory and commit, each nonzero, none available beyond its total") {
  const auto memory = WindowsPlatform().memory();
  REQUIRE(memory.ok());
  const auto& status = memory.value();
  CHECK(status.total_physical > 0);
  CHECK(status.available_physical > 0);
  CHECK(status.available_physical <= status.total_physical);
  CHECK(status.total_commit > 0);
  CHECK(status.available_commit > 0);
  CHECK(status.available_commit <= status.total_commit);
}

TEST_CASE("uptime_ms: the milliseconds since the boot, never going back") {
  WindowsPlatform os;
  const auto first = os.uptime_ms();
  std::this_thread::sleep_for(20ms);
  const auto second = os.uptime_ms();
  CHECK(first > 0);
  CHECK(second >= first);
}

TEST_CASE("system_times: every counter only grows, and kernel time includes the idle time") {
  WindowsPlatform os;
  const auto before = os.system_times();
  REQUIRE(before.ok());
  const auto spin_until = std::chrono::steady_clock::now() + 50ms;
  while (std::chrono::steady_clock::now() < spin_until) {
  }
  const auto after = os.system_times();
  REQUIRE(after.ok());
  CHECK(after.value().idle >= before.value().idle);
  CHECK(after.value().kernel >= before.value().kernel);
  CHECK(after.value().user >= before.value().user);
  CHECK(before.value().kernel >= before.value().idle);
  // Something ran meanwhile (this thread did): the sum moved.
  CHECK(after.value().kernel + after.value().user > before.value().kernel + before.value().user);
}

TEST_CASE("firmware_table_size: a provider must be four characters") {
  const auto short_name = WindowsPlatform().firmware_table_size("RSM");
  REQUIRE_FALSE(short_name.ok());
  CHECK(short_name.error().name == "ERROR_INVALID_PARAMETER");
}

TEST_CASE("firmware_table_size under Wine: an SMBIOS table (RSMB) made from the host's DMI") {
  if (!wine_version()) {
    // On Windows RSMB is there on hardware and in most VMs, but absent in many Hyper-V utility
    // VMs: isolation.kernel reads its absence as a signal. Only the shape is certain.
    const auto rsmb = WindowsPlatform().firmware_table_size("RSMB");
    if (!rsmb.ok()) return report_skip("no SMBIOS table here: " + rsmb.error().describe());
    CHECK(rsmb.value() > 8);  // at least the raw SMBIOS header
    return;
  }
  WindowsPlatform os;
  const auto rsmb = os.firmware_table_size("RSMB");
  REQUIRE(rsmb.ok());
  CHECK(rsmb.value() > 8);
  // Wine knows no other provider: ERROR_INVALID_FUNCTION (kind unsupported).
  const auto acpi = os.firmware_table_size("ACPI");
  REQUIRE_FALSE(acpi.ok());
  CHECK(acpi.error().name == "ERROR_INVALID_FUNCTION");
  CHECK(acpi.error().kind == ErrorKind::unsupported);
}

TEST_CASE("numa: the counts agree with the system's, and the nodes cover the active processors") {
  const auto numa = WindowsPlatform().numa();
  REQUIRE(numa.ok());
  const auto& facts = numa.value();
  CHECK(facts.group_count == ::GetActiveProcessorGroupCount());
  CHECK(facts.active_processors == ::GetActiveProcessorCount(ALL_PROCESSOR_GROUPS));
  REQUIRE(facts.nodes.size() == facts.highest_node + 1);
  std::set<std::uint32_t> ids;
  std::size_t cpus = 0;
  for (const auto& node : facts.nodes) {
    CHECK(ids.insert(node.node).second);
    REQUIRE_FALSE(node.group_masks.empty());
    for (const auto& [group, mask] : node.group_masks) {
      CHECK(group < facts.group_count);
      cpus += static_cast<std::size_t>(std::popcount(mask));
    }
  }
  CHECK(cpus == facts.active_processors);
}

TEST_CASE("numa under Wine: one node (0) whatever the host has, its free memory unknown") {
  if (!wine_version()) return report_skip("a Wine behaviour; Windows shows its own nodes");
  const auto numa = WindowsPlatform().numa();
  REQUIRE(numa.ok());
  CHECK(numa.value().highest_node == 0);  // GetNumaHighestNodeNumber is always 0 in Wine 8
  REQUIRE(numa.value().nodes.size() == 1);
  // GetNumaAvailableMemoryNodeEx is ERROR_CALL_NOT_IMPLEMENTED in Wine 8: left unknown.
  CHECK_FALSE(numa.value().nodes[0].available_memory.has_value());
}

TEST_CASE("numa on Windows: every node's free memory is known") {
  if (const auto wine = wine_version()) {
    return report_skip("Wine " + *wine + " does not implement GetNumaAvailableMemoryNodeEx");
  }
  const auto numa = WindowsPlatform().numa();
  REQUIRE(numa.ok());
  for (const auto& node : numa.value().nodes) CHECK(node.available_memory.has_value());
}

TEST_CASE("cpuid: leaf 0 names the vendor in 12 printable characters") {
  const auto leaf = WindowsPlatform().cpuid(0, 0);
  REQUIRE(leaf.ok());
  CHECK(leaf.value().eax >= 1);  // the highest basic leaf: 1 at least on any x86-64
  std::string vendor;
  for (const auto word : {leaf.value().ebx, leaf.value().edx, leaf.value().ecx}) {
    for (int byte = 0; byte < 4; ++byte) vendor += static_cast<char>((word >> (8 * byte)) & 0xff);
  }
  INFO("vendor " << vendor);
  CHECK(std::all_of(vendor.begin(), vendor.end(), [](char c) { return c >= 0x20 && c < 0x7f; }));
  // Leaf 1 answers too (the hypervisor bit lives there).
  CHECK(WindowsPlatform().cpuid(1, 0).ok());
}
