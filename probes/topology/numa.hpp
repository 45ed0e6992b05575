// topology.numa: the NUMA nodes the kernel shows (CPUs, memory, distances), narrowed to what this
// process may use (cpuset, affinity), and whether the topology is a hypervisor's synthetic one.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "probes/probe.hpp"
#include "probes/result.hpp"

namespace capprobe::probes {

struct NumaNode {
  int id = 0;
  std::vector<int> cpus;
  std::optional<std::uint64_t> memory_bytes;  // "Node N MemTotal: K kB"
  std::vector<int> distances;                 // to node 0, 1, ... in the kernel's order
};

// "node12" -> 12; nullopt for other entries of /sys/devices/system/node.
std::optional<int> node_id(std::string_view entry);
std::optional<std::uint64_t> parse_node_memtotal(std::string_view meminfo);

struct NumaFacts {
  std::vector<NumaNode> nodes;  // sorted by id
  std::vector<int> allowed_cpus;
  std::vector<int> allowed_nodes;
  std::optional<bool> hypervisor;  // CPUID leaf 1 ECX bit 31; nullopt without CPUID
};

// Sets status, observed and summary: supported with the layout, saying when the cpuset or the
// affinity is narrower than the node set and when a hypervisor makes it synthetic; untested when
// no node is visible.
void judge_numa(const NumaFacts& facts, CapabilityResult& result);

}  // namespace capprobe::probes
