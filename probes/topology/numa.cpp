// topology.numa: the verdict over the OS-neutral facts and the catalog entry; the collectors are
// numa_linux.cpp and numa_windows.cpp.
#include "probes/topology/numa.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "probes/common/text.hpp"

namespace capprobe::probes {
namespace {

std::vector<int> intersect(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<int> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<int> sorted(std::vector<int> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

std::string gib(std::uint64_t bytes) {
  const auto tenths = (bytes * 10 + (1ull << 29)) >> 30;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " GiB";
}

}  // namespace

void judge_numa(const NumaFacts& facts, CapabilityResult& result) {
  if (facts.source.empty() || facts.restrictor.empty())
    throw std::logic_error("judge_numa: the collector gave no words for its OS");
  if (facts.nodes.empty()) {
    result.status = Status::untested;
    result.observed = "no_nodes";
    result.summary = "the kernel shows no NUMA node " + facts.source;
    return;
  }
  std::vector<int> all_cpus, all_nodes;
  for (const auto& node : facts.nodes) {
    all_cpus.insert(all_cpus.end(), node.cpus.begin(), node.cpus.end());
    all_nodes.push_back(node.id);
  }
  all_cpus = sorted(all_cpus);

  std::string summary = std::to_string(facts.nodes.size()) +
                        (facts.nodes.size() == 1 ? " NUMA node" : " NUMA nodes") + " (";
  for (std::size_t i = 0; i < facts.nodes.size(); ++i) {
    const auto& node = facts.nodes[i];
    if (i) summary += "; ";
    summary += "node " + std::to_string(node.id) + ": cpus " +
               (node.cpus.empty() ? "none" : text::format_cpu_list(node.cpus)) + ", " +
               (node.memory_bytes      ? gib(*node.memory_bytes)
                : node.available_bytes ? gib(*node.available_bytes) + " available"
                                       : "memory unknown");
  }
  summary += ")";

  const auto usable_cpus = intersect(all_cpus, facts.allowed_cpus);
  const bool narrower_cpus = facts.allowed_known && usable_cpus.size() < all_cpus.size();
  const bool narrower_nodes = intersect(all_nodes, facts.allowed_nodes).size() < all_nodes.size();
  if (narrower_cpus || narrower_nodes) {
    summary += "; this process is restricted to cpus " + text::format_cpu_list(usable_cpus) +
               " and memory nodes " + text::format_cpu_list(facts.allowed_nodes) + " (" +
               facts.restrictor + " narrower than the node set)";
  }
  if (facts.hypervisor_root)
    summary +=
        "; CPUID reports Hyper-V with this system as its root partition (the host itself), so "
        "this is the machine's topology";
  else if (facts.hypervisor.value_or(false))
    summary +=
        "; CPUID reports a hypervisor, so this is the VM's synthetic topology, not the physical "
        "machine's";

  result.status = Status::supported;
  result.observed = facts.nodes.size() == 1 ? "single_node" : "multi_node";
  result.summary = summary;
}

ProbeInfo topology_numa_info() {
  return {.id = "topology.numa",
          .title = "NUMA topology and cpuset restrictions",
          .pod_spec_field = "NUMA (Windows api-tracking)",
          .platforms = {"linux", "windows"}};
}

}  // namespace capprobe::probes
