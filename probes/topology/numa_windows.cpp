// topology.numa on Windows: the nodes and processor groups of WindowsFacts::numa()
// (GetNumaHighestNodeNumber, GetActiveProcessorGroupCount, GetActiveProcessorCount and
// GetLogicalProcessorInformationEx(RelationNumaNodeEx) group masks), the affinity, and CPUID,
// handed to the judge (numa.cpp). Windows has no per-process memory-node restriction and no node
// distances: every node may serve memory, and distances stay null.
#include "probes/topology/numa_windows.hpp"

#include <algorithm>
#include <bit>
#include <set>

#include "platform/windows_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/probe_list.hpp"

namespace capprobe::probes {

std::vector<int> cpus_of(const std::vector<std::pair<std::uint16_t, std::uint64_t>>& group_masks) {
  std::set<int> cpus;
  for (const auto& [group, mask] : group_masks)
    for (int bit = 0; bit < 64; ++bit)
      if ((mask >> bit) & 1u) cpus.insert(windows_cpu_number(group, bit));
  return {cpus.begin(), cpus.end()};
}

bool hyperv_root_partition(const platform::CpuidRegisters& vendor_leaf,
                           const platform::CpuidRegisters& features_leaf) {
  // "Microsoft Hv" in EBX, ECX, EDX.
  const bool microsoft = vendor_leaf.ebx == 0x7263694du && vendor_leaf.ecx == 0x666f736fu &&
                         vendor_leaf.edx == 0x76482074u;
  constexpr std::uint32_t kCreatePartitions = 1u << 0, kCpuManagement = 1u << 12;
  return microsoft && (features_leaf.ebx & kCreatePartitions) &&
         (features_leaf.ebx & kCpuManagement);
}

namespace {

CapabilityResult run(ProbeContext& ctx) {
  CapabilityResult result;
  result.id = "topology.numa";
  auto& evidence = result.evidence;
  evidence["node_count"] = 0;
  evidence["nodes"] = nlohmann::json::array();
  evidence["allowed_cpus"] = nlohmann::json::array();
  evidence["allowed_nodes"] = nlohmann::json::array();
  evidence["cpu_numbering"] = "group*64+number";

  NumaFacts facts;
  facts.source = "in GetLogicalProcessorInformationEx(RelationNumaNodeEx)";
  facts.restrictor = "affinity";
  if (const auto leaf = ctx.os.cpuid(1, 0); leaf) {
    facts.hypervisor = (leaf.value().ecx >> 31) & 1u;
    evidence["hypervisor_present"] = *facts.hypervisor;
  } else {
    evidence["hypervisor_present"] = nullptr;
    evidence["cpuid_errno"] = leaf.error().name;
  }
  if (facts.hypervisor.value_or(false)) {
    const auto vendor = ctx.os.cpuid(0x40000000, 0);
    const auto features = ctx.os.cpuid(0x40000003, 0);
    facts.hypervisor_root =
        vendor && features && hyperv_root_partition(vendor.value(), features.value());
  }
  evidence["hypervisor_root"] = facts.hypervisor_root;
  evidence["topology"] = !facts.hypervisor                               ? "unknown"
                         : (*facts.hypervisor && !facts.hypervisor_root) ? "synthetic"
                                                                         : "physical";

  const auto numa = platform::windows_facts(ctx.os).numa();
  if (!numa) {
    evidence["numa_errno"] = numa.error().name;
    set_verdict(result, Status::untested, "no_nodes",
                "cannot read the NUMA topology: " + numa.error().describe());
    return result;
  }
  const auto& topology = numa.value();
  evidence["highest_node"] = topology.highest_node;
  evidence["processor_groups"] = topology.group_count;
  evidence["active_processors"] = topology.active_processors;

  auto problems = nlohmann::json::array();
  for (const auto& node : topology.nodes) {
    NumaNode out;
    out.id = static_cast<int>(node.node);
    out.cpus = cpus_of(node.group_masks);
    out.available_bytes = node.available_memory;
    facts.nodes.push_back(std::move(out));
  }
  if (facts.nodes.empty()) {
    // Wine, and systems whose processor information fails: the node count still stands.
    for (std::uint32_t id = 0; id <= topology.highest_node; ++id) {
      NumaNode node;
      node.id = static_cast<int>(id);
      facts.nodes.push_back(std::move(node));
    }
    problems.push_back("GetLogicalProcessorInformationEx listed no NUMA node: nodes 0-" +
                       std::to_string(topology.highest_node) +
                       " from GetNumaHighestNodeNumber, their CPUs unknown");
  } else if (facts.nodes.size() != topology.highest_node + 1) {
    problems.push_back("GetNumaHighestNodeNumber says " + std::to_string(topology.highest_node) +
                       ", " + std::to_string(facts.nodes.size()) + " nodes are listed");
  }
  std::sort(facts.nodes.begin(), facts.nodes.end(),
            [](const NumaNode& a, const NumaNode& b) { return a.id < b.id; });

  std::set<int> covered;
  for (const auto& node : facts.nodes) covered.insert(node.cpus.begin(), node.cpus.end());
  if (!covered.empty() && covered.size() < topology.active_processors)
    problems.push_back(
        "the nodes' group masks cover " + std::to_string(covered.size()) + " of the " +
        std::to_string(topology.active_processors) + " active processors" +
        (topology.group_count > 1
             ? " (only the primary group's? plain RelationNumaNode gives no more since Server 2022)"
             : ""));

  // What this process may use: its affinity. Memory may come from every node.
  const auto affinity = ctx.os.allowed_cpus();
  if (affinity) {
    facts.allowed_cpus = affinity.value();
    std::sort(facts.allowed_cpus.begin(), facts.allowed_cpus.end());
    facts.allowed_cpus.erase(std::unique(facts.allowed_cpus.begin(), facts.allowed_cpus.end()),
                             facts.allowed_cpus.end());
  } else {
    facts.allowed_known = false;
    problems.push_back("allowed_cpus: " + affinity.error().describe());
  }
  for (const auto& node : facts.nodes) facts.allowed_nodes.push_back(node.id);

  evidence["node_count"] = facts.nodes.size();
  for (const auto& node : facts.nodes)
    evidence["nodes"].push_back({{"id", node.id},
                                 {"cpus", node.cpus},
                                 {"memory_bytes", json_or_null(node.memory_bytes)},
                                 {"available_bytes", json_or_null(node.available_bytes)}});
  evidence["allowed_cpus"] = facts.allowed_cpus;
  evidence["allowed_nodes"] = facts.allowed_nodes;
  evidence["affinity"] = affinity ? nlohmann::json(text::format_cpu_list(facts.allowed_cpus))
                                  : nlohmann::json(nullptr);
  evidence["distances"] = nullptr;
  evidence["mems_source"] = "none: Windows has no per-process memory-node restriction";
  // User mode learns a node's free memory (GetNumaAvailableMemoryNodeEx), never its size: each
  // memory_bytes stays null rather than a guess from the machine's total.
  evidence["memory_source"] =
      "none: Windows tells a node's available memory, not its size (available_bytes)";
  evidence["problems"] = problems;

  judge_numa(facts, result);
  return result;
}

}  // namespace

Probe topology_numa_windows_probe() {
  return {topology_numa_info(), run};
}

}  // namespace capprobe::probes
