// numa: the NUMA nodes and processor groups as the system shows them to this process (a Hyper-V
// utility VM shows its own, often one node), each node with the (group, mask) pairs of its CPUs
// and the memory it still has free.
#include <windows.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "platform/windows/sdk_extras.hpp"
#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {

using win32::last_error;

namespace {

// The records of one relationship, in a buffer of the size the first call asks for.
Result<std::vector<std::uint8_t>> processor_information(LOGICAL_PROCESSOR_RELATIONSHIP kind,
                                                        const char* shown) {
  DWORD size = 0;
  if (::GetLogicalProcessorInformationEx(kind, nullptr, &size)) return std::vector<std::uint8_t>();
  if (::GetLastError() != ERROR_INSUFFICIENT_BUFFER) {
    return last_error("GetLogicalProcessorInformationEx", shown);
  }
  std::vector<std::uint8_t> buffer(size);
  if (!::GetLogicalProcessorInformationEx(
          kind, reinterpret_cast<SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX*>(buffer.data()), &size)) {
    return last_error("GetLogicalProcessorInformationEx", shown);
  }
  buffer.resize(size);
  return buffer;
}

// RelationNumaNodeEx lists every group of a node (20H2 on); builds before it refuse the class
// (ERROR_INVALID_PARAMETER), and Wine 8 answers it with no record at all. Then RelationNumaNode,
// which held all of a node's CPUs while a node could not span groups, answers.
Result<std::vector<std::uint8_t>> numa_records() {
  auto extended = processor_information(win32::sdk::kRelationNumaNodeEx, "RelationNumaNodeEx");
  if (extended && !extended.value().empty()) return extended;
  return processor_information(RelationNumaNode, "RelationNumaNode");
}

std::vector<NumaNodeFacts> nodes_of(const std::vector<std::uint8_t>& records) {
  std::vector<NumaNodeFacts> nodes;
  std::size_t offset = 0;
  while (offset + offsetof(SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX, NumaNode) <= records.size()) {
    const auto* record =
        reinterpret_cast<const SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX*>(records.data() + offset);
    if (record->Size == 0 || offset + record->Size > records.size()) break;  // never loop forever
    offset += record->Size;
    const auto* numa = reinterpret_cast<const win32::sdk::NumaNodeRelationship*>(&record->NumaNode);
    NumaNodeFacts node;
    node.node = numa->NodeNumber;
    // 0 on systems before GroupCount existed: one mask, where GroupMask always was.
    const WORD groups = numa->GroupCount == 0 ? 1 : numa->GroupCount;
    for (WORD i = 0; i < groups; ++i) {
      node.group_masks.emplace_back(numa->GroupMasks[i].Group,
                                    static_cast<std::uint64_t>(numa->GroupMasks[i].Mask));
    }
    ULONGLONG available = 0;
    if (::GetNumaAvailableMemoryNodeEx(static_cast<USHORT>(node.node), &available)) {
      node.available_memory = available;
    }
    nodes.push_back(std::move(node));
  }
  return nodes;
}

}  // namespace

Result<NumaFacts> WindowsPlatform::numa() const {
  NumaFacts facts;
  ULONG highest = 0;
  if (!::GetNumaHighestNodeNumber(&highest)) return last_error("GetNumaHighestNodeNumber");
  facts.highest_node = highest;
  facts.group_count = ::GetActiveProcessorGroupCount();
  if (facts.group_count == 0) return last_error("GetActiveProcessorGroupCount");
  facts.active_processors = ::GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
  if (facts.active_processors == 0) return last_error("GetActiveProcessorCount");
  // The nodes' CPUs are a detail the counts above do not need: when the processor information
  // cannot be read, the list stays empty and topology.numa says so.
  if (auto records = numa_records()) facts.nodes = nodes_of(records.value());
  return facts;
}

}  // namespace capprobe::platform
