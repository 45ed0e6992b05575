// What the memory trial's parent (memory_trial.cpp) and its child (internal_child.cpp) agree on:
// the hidden command line, the records the child writes to the pipe, and its exit codes.
#pragma once

#include <cstdint>

namespace capprobe::platform::win32::trial {

// argv[1] and argv[2] of the child: this same executable, started by run_memory_trial.
//   <exe> --capprobe-internal-child memory-trial <pipe> <parent> <stop_at> <step>
// <pipe> and <parent> are inherited handle values (the pipe's write end; this process, for
// SYNCHRONIZE), <stop_at> and <step> bytes, all decimal.
inline constexpr const char* kChildFlag = "--capprobe-internal-child";
inline constexpr const char* kMemoryTrialRole = "memory-trial";

// The child's exit codes, away from the C runtime's (1, 3) and any NTSTATUS (0xC0000000 on),
// which is how a process that crashed or was terminated by the system ends.
inline constexpr std::uint32_t kExitReached = 0;
inline constexpr std::uint32_t kExitAllocFailed = 90;
inline constexpr std::uint32_t kExitSetupFailed = 91;
inline constexpr std::uint32_t kExitOrphaned = 92;
inline constexpr std::uint32_t kExitPipeFailed = 93;
inline constexpr std::uint32_t kExitBadArguments = 94;
inline constexpr std::uint32_t kExitKilledAtTimeout = 95;  // TerminateProcess by the parent

// Progress every this many bytes committed and touched.
inline constexpr std::uint64_t kReportEvery = 4ull << 20;

enum class RecordKind : std::uint32_t { progress = 1, alloc_failed = 2, setup_failed = 3 };

// One fixed-size record per WriteFile; a read may still split one, so the parent reassembles.
struct Record {
  RecordKind kind;
  std::uint32_t error;  // GetLastError() of a failure
  std::uint64_t value;  // bytes committed and touched so far; for setup_failed, the Stage
};
static_assert(sizeof(Record) == 16);

// What a setup_failed record says failed.
enum class Stage : std::uint64_t { watch_parent = 1 };

}  // namespace capprobe::platform::win32::trial
