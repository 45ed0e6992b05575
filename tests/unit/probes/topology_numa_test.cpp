// topology.numa over fixture trees: one node (like this VM), two nodes, a restricting cpuset,
// no node directory, and the CPUID hypervisor bit.
#include <catch2/catch.hpp>

#include "platform/fake/fake_platform.hpp"
#include "probes/probe_list.hpp"
#include "probes/topology/numa.hpp"
#include "probes/topology/numa_linux.hpp"
#include "tests/unit/probes/fixtures.hpp"

using namespace capprobe;
using namespace capprobe::probes;
using capprobe::platform::FakePlatform;

namespace {

struct Run {
  FakePlatform fake;
  PodRequests requests;

  // A NUMA tree under /sys/devices/system/node plus a cgroup tree for the cpuset.
  Run(const std::string& numa, const std::string& cgroup) {
    capprobe::testing::load_fixture(fake, cgroup);
    if (!numa.empty()) capprobe::testing::load_fixture(fake, numa);
  }
  CapabilityResult go() {
    ProbeContext ctx{fake, requests, false, ".capprobe-1-test", std::chrono::steady_clock::now()};
    return topology_numa_linux_probe().run(ctx);
  }
};

platform::CpuidRegisters hypervisor_bit(bool on) {
  platform::CpuidRegisters leaf;
  leaf.ecx = on ? 0x80000000u : 0u;
  return leaf;
}

}  // namespace

TEST_CASE("numa parsers", "[numa]") {
  CHECK(node_id("node0") == 0);
  CHECK(node_id("node12") == 12);
  CHECK_FALSE(node_id("node"));
  CHECK_FALSE(node_id("online"));
  CHECK_FALSE(node_id("node-1"));
  CHECK_FALSE(node_id("nodes"));
  CHECK(parse_node_memtotal("Node 0 MemTotal:        4679884 kB\nNode 0 MemFree: 1 kB\n") ==
        4679884ull * 1024);
  CHECK(parse_node_memtotal("Node 3 MemFree: 1 kB\nNode 3 MemTotal: 2048 kB\n") == 2048u * 1024);
  CHECK_FALSE(parse_node_memtotal("Node 0 MemFree: 1 kB\n"));
}

TEST_CASE("one node, all of it usable, on a VM", "[numa]") {
  Run run("numa-1node", "cg-hybrid");
  run.fake.cpus = {0, 1};
  run.fake.cpuid_leaves[1] = hypervisor_bit(true);
  const auto result = run.go();
  CHECK(result.id == "topology.numa");
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "single_node");
  CHECK_FALSE(result.requested.has_value());
  const auto& e = result.evidence;
  CHECK(e["node_count"] == 1);
  CHECK(e["nodes"][0]["id"] == 0);
  CHECK(e["nodes"][0]["cpus"] == std::vector<int>{0, 1});
  CHECK(e["nodes"][0]["memory_bytes"] == 4679884ull * 1024);
  CHECK(e["allowed_cpus"] == std::vector<int>{0, 1});
  CHECK(e["allowed_nodes"] == std::vector<int>{0});
  CHECK(e["distances"]["0"] == std::vector<int>{10});
  CHECK(e["hypervisor_present"] == true);
  CHECK(e["topology"] == "synthetic");
  CHECK(result.summary.find("synthetic") != std::string::npos);
  CHECK(result.summary.find("narrower") == std::string::npos);
}

TEST_CASE("two nodes, unrestricted, on bare metal", "[numa]") {
  Run run("numa-2node", "cg-v2-nested");  // cpuset 0-7, mems 0-1
  run.fake.cpus = {0, 1, 2, 3, 4, 5, 6, 7};
  run.fake.cpuid_leaves[1] = hypervisor_bit(false);
  run.fake.file("/proc/self/status", "Name:\tcapprobe\nMems_allowed_list:\t0-1\n");
  const auto result = run.go();
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "multi_node");
  const auto& e = result.evidence;
  CHECK(e["node_count"] == 2);
  CHECK(e["nodes"][1]["cpus"] == std::vector<int>{4, 5, 6, 7});
  CHECK(e["nodes"][1]["memory_bytes"] == 8388608ull * 1024);
  CHECK(e["distances"]["1"] == std::vector<int>{21, 10});
  CHECK(e["allowed_nodes"] == std::vector<int>{0, 1});
  CHECK(e["topology"] == "physical");
  CHECK(result.summary.find("narrower") == std::string::npos);
}

TEST_CASE("two nodes with a cpuset that keeps one: still supported, summary says so", "[numa]") {
  Run run("numa-2node", "cg-v2-nested");
  const std::string leaf =
      "/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7d1c.slice/"
      "cri-containerd-4f2a.scope";
  run.fake.file(leaf + "/cpuset.cpus.effective", "2-3\n");
  run.fake.file(leaf + "/cpuset.mems.effective", "0\n");
  run.fake.cpus = {0, 1, 2, 3, 4, 5, 6, 7};  // the affinity mask says more than the cpuset
  const auto result = run.go();
  CHECK(result.status == Status::supported);
  const auto& e = result.evidence;
  CHECK(e["allowed_cpus"] == std::vector<int>{2, 3});
  CHECK(e["allowed_nodes"] == std::vector<int>{0});
  CHECK(e["cpuset"]["cpus"] == "2-3");
  CHECK(result.summary.find("restricted to cpus 2-3 and memory nodes 0") != std::string::npos);
  CHECK(e["hypervisor_present"].is_null());  // no CPUID in this fake
}

TEST_CASE("the affinity mask alone can narrow the usable CPUs", "[numa]") {
  Run run("numa-2node", "cg-none");
  run.fake.cpus = {5};
  const auto result = run.go();
  CHECK(result.evidence["allowed_cpus"] == std::vector<int>{5});
  CHECK(result.summary.find("narrower") != std::string::npos);
}

TEST_CASE("no /sys/devices/system/node is untested with the reason", "[numa]") {
  Run run("", "cg-none");
  const auto result = run.go();
  CHECK(result.status == Status::untested);
  CHECK(result.evidence["node_dir_errno"] == "ENOENT");
  CHECK(result.evidence["node_count"] == 0);
  CHECK(result.summary.find("no /sys/devices/system/node") != std::string::npos);
}

TEST_CASE("an unreadable node directory names the errno", "[numa]") {
  Run run("numa-1node", "cg-none");
  run.fake.fail("list_dir", "/sys/devices/system/node", "EACCES");
  const auto result = run.go();
  CHECK(result.status == Status::untested);
  CHECK(result.summary.find("EACCES") != std::string::npos);
}

TEST_CASE("a node directory without nodes is untested", "[numa]") {
  Run run("", "cg-none");
  run.fake.dir("/sys/devices/system/node");
  const auto result = run.go();
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "no_nodes");
}
