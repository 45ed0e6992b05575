// topology.numa on Windows: how processors in groups become the flat CPU numbers the judge
// compares, and how CPUID tells a Hyper-V root partition (the host itself) from a guest.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "platform/platform.hpp"
#include "probes/topology/numa.hpp"

namespace capprobe::probes {

// Windows names a logical processor by its group and its number in the group (GROUP_AFFINITY);
// capprobe numbers it group x 64 + number, as Platform::allowed_cpus() does on Windows, so that
// the nodes' CPUs and the affinity compare.
inline int windows_cpu_number(std::uint16_t group, int number) {
  return group * 64 + number;
}

// The CPUs of (group, mask) pairs, sorted.
std::vector<int> cpus_of(const std::vector<std::pair<std::uint16_t, std::uint64_t>>& group_masks);

// CPUID says this system is the Hyper-V root partition: vendor "Microsoft Hv" at leaf 0x40000000
// and, in EBX of leaf 0x40000003 (the high half of the partition privilege mask),
// CreatePartitions (bit 0) and CpuManagement (bit 12): the test Linux's
// hv_identify_partition_type() uses (an "L1VH" guest may create partitions but lacks
// CpuManagement).
bool hyperv_root_partition(const platform::CpuidRegisters& vendor_leaf,
                           const platform::CpuidRegisters& features_leaf);

}  // namespace capprobe::probes
