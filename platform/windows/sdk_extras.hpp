// What the Windows SDK declares and Debian 12's mingw-w64 headers (10.0) lack yet, under the
// SDK's own names and layouts (winnt.h of SDK 10.0.22621), for the calls of this folder. Each is
// documented by Microsoft; a newer mingw-w64 that has them would only need this file trimmed.
#pragma once

#include <windows.h>

namespace capprobe::platform::win32::sdk {

// LOGICAL_PROCESSOR_RELATIONSHIP RelationNumaNodeEx (Windows 10 20H2 / Server 2022 on): the
// NUMA nodes with every processor group they span.
constexpr auto kRelationNumaNodeEx = static_cast<LOGICAL_PROCESSOR_RELATIONSHIP>(6);

// NUMA_NODE_RELATIONSHIP as the SDK has it since 20H2: GroupCount and GroupMasks took two of the
// reserved bytes and the single GroupMask's place. Older systems leave GroupCount 0 (read it as
// one group); RelationNumaNode answers one group, the primary one, on Server 2022 and later.
struct NumaNodeRelationship {
  DWORD NodeNumber;
  BYTE Reserved[18];
  WORD GroupCount;
  GROUP_AFFINITY GroupMasks[ANYSIZE_ARRAY];
};
static_assert(sizeof(NumaNodeRelationship) == sizeof(NUMA_NODE_RELATIONSHIP));

// JOB_OBJECT_CPU_RATE_CONTROL_MIN_MAX_RATE (Windows 10 / Server 2016 on): MinRate and MaxRate
// share the CpuRate word.
constexpr DWORD kCpuRateControlMinMaxRate = 0x10;

// JOBOBJECT_CPU_RATE_CONTROL_INFORMATION with the MinRate/MaxRate member of its union.
struct JobCpuRateControlInformation {
  DWORD ControlFlags;
  union {
    DWORD CpuRate;
    DWORD Weight;
    struct {
      WORD MinRate;
      WORD MaxRate;
    } MinMax;
  };
};
static_assert(sizeof(JobCpuRateControlInformation) ==
              sizeof(JOBOBJECT_CPU_RATE_CONTROL_INFORMATION));

// JOBOBJECTINFOCLASS JobObjectMemoryUsageInformation (28) and its answer: the job's commit now
// and at its peak.
constexpr auto kJobObjectMemoryUsageInformation = static_cast<JOBOBJECTINFOCLASS>(28);
struct JobMemoryUsageInformation {
  ULONG64 JobMemory;
  ULONG64 PeakJobMemoryUsed;
};

// The reparse data of a junction (IO_REPARSE_TAG_MOUNT_POINT), REPARSE_DATA_BUFFER's
// MountPointReparseBuffer (ntifs.h, a driver kit header): the header, then the substitute name
// ("\??\C:\target") and the print name ("C:\target"), each followed by a NUL in PathBuffer.
struct MountPointReparseHeader {
  DWORD ReparseTag;
  WORD ReparseDataLength;  // the bytes after this 8-byte header
  WORD Reserved;
  WORD SubstituteNameOffset;  // offsets and lengths in bytes within PathBuffer, NULs excluded
  WORD SubstituteNameLength;
  WORD PrintNameOffset;
  WORD PrintNameLength;
  // WCHAR PathBuffer[] follows
};
constexpr DWORD kReparseDataHeaderSize = 8;  // REPARSE_DATA_BUFFER_HEADER_SIZE

}  // namespace capprobe::platform::win32::sdk
