// topology.numa: the NUMA nodes the system shows (CPUs, memory, distances), narrowed to what this
// process may use (cpuset, affinity), and whether the topology is a hypervisor's synthetic one.
// The judge is one pure function of OS-neutral facts; numa_linux.cpp (/sys/devices/system/node)
// and numa_windows.cpp (GetLogicalProcessorInformationEx) collect them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probes/probe.hpp"
#include "probes/result.hpp"

namespace capprobe::probes {

struct NumaNode {
  int id = 0;
  std::vector<int> cpus;
  std::optional<std::uint64_t> memory_bytes;  // the node's memory ("Node N MemTotal: K kB")
  std::vector<int> distances;                 // to node 0, 1, ... in the kernel's order
  // The node's free memory, where the OS tells only that (Windows GetNumaAvailableMemoryNodeEx).
  std::optional<std::uint64_t> available_bytes;
};

struct NumaFacts {
  std::vector<NumaNode> nodes;  // sorted by id
  std::vector<int> allowed_cpus;
  std::vector<int> allowed_nodes;
  // False when which CPUs this process may use could not be read: then no restriction is claimed.
  bool allowed_known = true;
  std::optional<bool> hypervisor;  // CPUID leaf 1 ECX bit 31; nullopt without CPUID
  // The hypervisor's root partition: this system is the host itself, running above its own
  // hypervisor (a Windows node with the Hyper-V role), so the topology is the machine's.
  bool hypervisor_root = false;
  std::string source;      // where no node was found: "under /sys/devices/system/node"
  std::string restrictor;  // what narrows the CPUs: "cpuset/affinity", "affinity"
};

// Sets status, observed and summary: supported with the layout, saying when the cpuset or the
// affinity is narrower than the node set and when a hypervisor makes it synthetic; untested when
// no node is visible.
void judge_numa(const NumaFacts& facts, CapabilityResult& result);

// The catalog entry, the same on every OS.
ProbeInfo topology_numa_info();

}  // namespace capprobe::probes
