// topology.numa on Windows: processor groups flattened to CPU numbers, the Hyper-V root partition
// told from a guest by CPUID, the judge in Windows' words, and the probe over the shapes of
// Windows Server 2019/2022 hosts, a Hyper-V utility VM and Wine
// (tests/unit/probes/win_resources_shapes.hpp, tests/fixtures/win-NOTES.md).
#include <catch2/catch.hpp>

#include "platform/fake/fake_platform.hpp"
#include "probes/probe_list.hpp"
#include "probes/topology/numa.hpp"
#include "probes/topology/numa_windows.hpp"
#include "tests/unit/probes/iso_test_support.hpp"
#include "tests/unit/probes/win_resources_shapes.hpp"

using namespace capprobe;
using namespace capprobe::probes;
using namespace capprobe::testing::win;
using capprobe::platform::FakePlatform;

namespace {

// HV_PARTITION_PRIVILEGE_MASK, high half (CPUID 0x40000003 EBX): CreatePartitions is bit 0,
// PostMessages bit 4, SignalEvents bit 5, CpuManagement bit 12.
constexpr std::uint32_t kRootPrivileges = (1u << 0) | (1u << 4) | (1u << 5) | (1u << 12);
constexpr std::uint32_t kGuestPrivileges = (1u << 4) | (1u << 5);

void hyperv(FakePlatform& os, std::uint32_t privileges) {
  testing::script_cpuid(os, "Microsoft Hv");
  platform::CpuidRegisters features;
  features.ebx = privileges;
  os.cpuid_leaves[0x40000003] = features;
}

platform::CpuidRegisters vendor(const std::string& name) {
  platform::CpuidRegisters regs;
  testing::set_cpuid_vendor(regs, name);
  return regs;
}

platform::CpuidRegisters features(std::uint32_t ebx) {
  platform::CpuidRegisters regs;
  regs.ebx = ebx;
  return regs;
}

// Windows Server 2019 on a two-socket host of 48 logical processors (one group) with the
// Hyper-V role: node 0 holds processors 0-23, node 1 24-47.
platform::NumaFacts two_sockets_one_group() {
  platform::NumaFacts numa;
  numa.highest_node = 1;
  numa.group_count = 1;
  numa.active_processors = 48;
  numa.nodes = {NumaNodeFacts{0, {{0, 0xFFFFFFull}}, 90 * kGiB},
                NumaNodeFacts{1, {{0, 0xFFFFFF000000ull}}, 95 * kGiB}};
  return numa;
}

// Windows Server 2022 on one socket of 96 logical processors: one node spanning two groups of
// 48. RelationNumaNodeEx gives both group masks; plain RelationNumaNode gives only the primary
// group's since Server 2022.
platform::NumaFacts one_node_two_groups(bool ex) {
  platform::NumaFacts numa;
  numa.highest_node = 0;
  numa.group_count = 2;
  numa.active_processors = 96;
  NumaNodeFacts node{0, {{0, 0xFFFFFFFFFFFFull}}, 180 * kGiB};
  if (ex) node.group_masks.push_back({1, 0xFFFFFFFFFFFFull});
  numa.nodes = {node};
  return numa;
}

struct Run {
  FakePlatform fake;
  PodRequests requests;

  Run(platform::NumaFacts numa, std::vector<int> cpus) {
    fake.windows.numa = std::move(numa);
    fake.cpus = std::move(cpus);
  }
  CapabilityResult go() {
    ProbeContext ctx{fake, requests, false, ".capprobe-1-test", std::chrono::steady_clock::now()};
    return topology_numa_windows_probe().run(ctx);
  }
};

}  // namespace

TEST_CASE("processors in groups become CPU numbers", "[numa][windows]") {
  CHECK(windows_cpu_number(0, 5) == 5);
  CHECK(windows_cpu_number(1, 0) == 64);
  CHECK(windows_cpu_number(2, 63) == 191);
  CHECK(cpus_of({{0, 0b1011}}) == std::vector<int>{0, 1, 3});
  CHECK(cpus_of({{1, 0b11}, {0, 1ull << 63}}) == std::vector<int>{63, 64, 65});
  CHECK(cpus_of({}).empty());
  CHECK(cpus_of({{0, ~0ull}}).size() == 64);
}

TEST_CASE("CPUID tells the Hyper-V root partition from a guest", "[numa][windows]") {
  CHECK(hyperv_root_partition(vendor("Microsoft Hv"), features(kRootPrivileges)));
  CHECK_FALSE(hyperv_root_partition(vendor("Microsoft Hv"), features(kGuestPrivileges)));
  // An L1VH guest may create partitions but lacks CpuManagement.
  CHECK_FALSE(hyperv_root_partition(vendor("Microsoft Hv"), features(1u | (1u << 4))));
  // Another hypervisor's leaves mean nothing here.
  CHECK_FALSE(hyperv_root_partition(vendor("KVMKVMKVM"), features(kRootPrivileges)));
}

TEST_CASE("the NUMA judge in Windows' words", "[numa][windows]") {
  probes::NumaFacts facts;
  facts.source = "in GetLogicalProcessorInformationEx(RelationNumaNodeEx)";
  facts.restrictor = "affinity";
  NumaNode node0;
  node0.id = 0;
  node0.cpus = {0, 1, 2, 3};
  node0.available_bytes = 3 * kGiB;
  facts.nodes = {node0};
  facts.allowed_cpus = {0, 1};
  facts.allowed_nodes = {0};
  facts.hypervisor = true;

  CapabilityResult narrowed;
  judge_numa(facts, narrowed);
  INFO(narrowed.summary);
  CHECK(narrowed.status == Status::supported);
  CHECK(narrowed.summary.find("node 0: cpus 0-3, 3.0 GiB available") != std::string::npos);
  CHECK(narrowed.summary.find("restricted to cpus 0-1 and memory nodes 0 (affinity narrower") !=
        std::string::npos);
  CHECK(narrowed.summary.find("synthetic") != std::string::npos);

  // The affinity unknown: no restriction is claimed.
  facts.allowed_known = false;
  facts.allowed_cpus.clear();
  CapabilityResult unknown;
  judge_numa(facts, unknown);
  CHECK(unknown.summary.find("restricted") == std::string::npos);

  // The root partition: the machine's own topology.
  facts.hypervisor_root = true;
  CapabilityResult root;
  judge_numa(facts, root);
  CHECK(root.summary.find("root partition (the host itself), so this is the machine's topology") !=
        std::string::npos);
  CHECK(root.summary.find("synthetic") == std::string::npos);

  facts.nodes.clear();
  CapabilityResult none;
  judge_numa(facts, none);
  CHECK(none.status == Status::untested);
  CHECK(none.summary ==
        "the kernel shows no NUMA node in GetLogicalProcessorInformationEx(RelationNumaNodeEx)");

  probes::NumaFacts wordless;
  CapabilityResult refused;
  CHECK_THROWS_AS(judge_numa(wordless, refused), std::logic_error);
}

TEST_CASE("numa on Windows: the catalog entry is the Linux one", "[numa][windows]") {
  CHECK(topology_numa_windows_probe().info.id == "topology.numa");
  CHECK(topology_numa_windows_probe().info.platforms ==
        std::vector<std::string>{"linux", "windows"});
  CHECK(topology_numa_linux_probe().info.platforms == topology_numa_windows_probe().info.platforms);
}

TEST_CASE("numa on a WS2019 two-socket Hyper-V host (HostProcess): the machine's two nodes",
          "[numa][windows]") {
  Run run(two_sockets_one_group(), first_cpus(48));
  hyperv(run.fake, kRootPrivileges);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.id == "topology.numa");
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "multi_node");
  CHECK_FALSE(result.requested.has_value());
  const auto& e = result.evidence;
  CHECK(e["node_count"] == 2);
  CHECK(e["nodes"][0]["id"] == 0);
  CHECK(e["nodes"][0]["cpus"] == first_cpus(24));
  CHECK(e["nodes"][1]["cpus"].size() == 24);
  CHECK(e["nodes"][1]["cpus"][0] == 24);
  CHECK(e["nodes"][0]["memory_bytes"].is_null());  // Windows tells a node's free memory only
  CHECK(e["memory_source"].get<std::string>().starts_with("none: "));
  CHECK(e["nodes"][0]["available_bytes"] == 90 * kGiB);
  CHECK(e["allowed_cpus"] == first_cpus(48));
  CHECK(e["allowed_nodes"] == std::vector<int>{0, 1});
  CHECK(e["hypervisor_present"] == true);
  CHECK(e["hypervisor_root"] == true);
  CHECK(e["topology"] == "physical");
  CHECK(e["processor_groups"] == 1);
  CHECK(e["distances"].is_null());
  CHECK(e["problems"].empty());
  CHECK(result.summary.find("90.0 GiB available") != std::string::npos);
  CHECK(result.summary.find("the machine's topology") != std::string::npos);
  CHECK(result.summary.find("narrower") == std::string::npos);
}

TEST_CASE("numa on WS2022 with two processor groups: one node a group, the process spans both",
          "[numa][windows]") {
  Run run(ws2019_two_groups().numa, first_cpus(128));  // since 2022 processes span groups
  testing::script_cpuid(run.fake, "");                 // bare metal
  const auto result = run.go();
  INFO(result.summary);
  const auto& e = result.evidence;
  CHECK(result.observed == "multi_node");
  CHECK(e["nodes"][1]["cpus"][0] == 64);
  CHECK(e["nodes"][1]["cpus"].size() == 64);
  CHECK(e["processor_groups"] == 2);
  CHECK(e["active_processors"] == 128);
  CHECK(e["topology"] == "physical");
  CHECK(e["cpu_numbering"] == "group*64+number");
  CHECK(result.summary.find("node 1: cpus 64-127") != std::string::npos);
  CHECK(result.summary.find("narrower") == std::string::npos);
}

TEST_CASE("numa on WS2019 with two processor groups: the process is held to one",
          "[numa][windows]") {
  Run run(ws2019_two_groups().numa, first_cpus(64));
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.evidence["allowed_cpus"] == first_cpus(64));
  CHECK(result.evidence["allowed_nodes"] == std::vector<int>{0, 1});  // memory from either
  CHECK(result.summary.find(
            "restricted to cpus 0-63 and memory nodes 0-1 (affinity narrower than the node set)") !=
        std::string::npos);
  CHECK(result.evidence["hypervisor_present"].is_null());  // no CPUID in this fake
  CHECK(result.evidence["topology"] == "unknown");
}

TEST_CASE("numa on WS2022: a node spanning groups, RelationNumaNodeEx against plain",
          "[numa][windows]") {
  SECTION("GroupMasks of both groups") {
    Run run(one_node_two_groups(true), first_cpus(48));
    auto& cpus = run.fake.cpus;
    for (int cpu = 64; cpu < 112; ++cpu) cpus.push_back(cpu);
    const auto result = run.go();
    INFO(result.summary);
    CHECK(result.observed == "single_node");
    CHECK(result.evidence["nodes"][0]["cpus"].size() == 96);
    CHECK(result.evidence["problems"].empty());
    CHECK(result.summary.find("cpus 0-47,64-111") != std::string::npos);
  }
  SECTION("only the primary group's mask") {
    Run run(one_node_two_groups(false), first_cpus(48));
    const auto result = run.go();
    INFO(result.summary);
    CHECK(result.evidence["nodes"][0]["cpus"].size() == 48);
    REQUIRE(result.evidence["problems"].size() == 1);
    CHECK(result.evidence["problems"][0].get<std::string>().find(
              "cover 48 of the 96 active processors (only the primary group's?") !=
          std::string::npos);
  }
}

TEST_CASE("numa in a Hyper-V-isolated container: the utility VM's one synthetic node",
          "[numa][windows]") {
  Run run(hyperv_isolated().numa, first_cpus(2));
  hyperv(run.fake, kGuestPrivileges);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.observed == "single_node");
  CHECK(result.evidence["hypervisor_root"] == false);
  CHECK(result.evidence["topology"] == "synthetic");
  CHECK(result.summary.find("the VM's synthetic topology") != std::string::npos);
}

TEST_CASE("numa in a process-isolated container on a VM node held to some CPUs",
          "[numa][windows]") {
  // The job's affinity (hcsshim's CPU groups, or a JOB_OBJECT_LIMIT_AFFINITY) keeps 4 of 8.
  Run run(ws2019_process_isolated().numa, {2, 3, 4, 5});
  hyperv(run.fake, kGuestPrivileges);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.evidence["topology"] == "synthetic");
  CHECK(result.evidence["affinity"] == "2-5");
  CHECK(result.summary.find("restricted to cpus 2-5") != std::string::npos);
}

TEST_CASE("numa under Wine: one node and no processor masks", "[numa][windows]") {
  // Wine's GetNumaHighestNodeNumber always answers 0; here its processor information lists no
  // node: the node count stands, its CPUs are unknown.
  platform::NumaFacts wine;
  wine.highest_node = 0;
  wine.group_count = 1;
  wine.active_processors = 4;
  Run run(wine, first_cpus(4));
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "single_node");
  CHECK(result.evidence["node_count"] == 1);
  CHECK(result.evidence["nodes"][0]["cpus"].empty());
  CHECK(result.evidence["problems"][0].get<std::string>().find(
            "listed no NUMA node: nodes 0-0 from GetNumaHighestNodeNumber") != std::string::npos);
  CHECK(result.summary.find("node 0: cpus none, memory unknown") != std::string::npos);
}

TEST_CASE("numa on Windows: fewer nodes listed than the highest number says", "[numa][windows]") {
  auto numa = two_sockets_one_group();
  numa.highest_node = 3;
  Run run(numa, first_cpus(48));
  const auto result = run.go();
  CHECK(result.evidence["problems"][0] == "GetNumaHighestNodeNumber says 3, 2 nodes are listed");
}

TEST_CASE("numa on Windows: unreadable NUMA facts are untested with the error", "[numa][windows]") {
  Run run(platform::NumaFacts{}, first_cpus(4));
  run.fake.windows.numa = platform::fake_error("ERROR_ACCESS_DENIED", "GetNumaHighestNodeNumber");
  const auto result = run.go();
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "no_nodes");
  CHECK(result.evidence["numa_errno"] == "ERROR_ACCESS_DENIED");
  CHECK(result.evidence["node_count"] == 0);
  CHECK(result.evidence["nodes"].empty());
  CHECK(result.summary.find("ERROR_ACCESS_DENIED") != std::string::npos);
}
