// run_internal_child_if_asked on Windows: Windows has no fork, so the memory trial's child is
// this same executable started again with a hidden first argument (memory_trial_protocol.hpp).
// main() hands its arguments here before anything else; the child then commits and touches
// memory in steps, reports over the inherited pipe, and exits with a code that says how it ended.
#include <windows.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "platform/make_platform.hpp"
#include "platform/windows/memory_trial_protocol.hpp"

namespace capprobe::platform {
namespace {

using namespace win32::trial;

bool send(HANDLE pipe, const Record& record) {
  DWORD written = 0;
  return ::WriteFile(pipe, &record, sizeof record, &written, nullptr) && written == sizeof record;
}

std::uint32_t fail_setup(HANDLE pipe, Stage stage, DWORD error) {
  send(pipe, Record{RecordKind::setup_failed, error, static_cast<std::uint64_t>(stage)});
  return kExitSetupFailed;
}

// A decimal argument, whole or nothing.
bool parse(const char* text, std::uint64_t& out) {
  if (text == nullptr || *text < '0' || *text > '9') return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == nullptr || *end != '\0') return false;
  out = value;
  return true;
}

HANDLE as_handle(std::uint64_t value) {
  return reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(value));
}

// Die with the parent: an orphaned allocator must not linger holding the job's commit. The
// parent's handle was inherited, so a reused pid can never be mistaken for it.
DWORD WINAPI watch_parent(void* parent) {
  ::WaitForSingleObject(static_cast<HANDLE>(parent), INFINITE);
  ::TerminateProcess(::GetCurrentProcess(), kExitOrphaned);
  return 0;
}

std::uint32_t memory_trial_child(int argc, char** argv) {
  std::uint64_t pipe_value = 0;
  std::uint64_t parent_value = 0;
  std::uint64_t stop_at = 0;
  std::uint64_t step = 0;
  if (argc != 4 || !parse(argv[0], pipe_value) || !parse(argv[1], parent_value) ||
      !parse(argv[2], stop_at) || !parse(argv[3], step) || step == 0) {
    return kExitBadArguments;
  }
  const HANDLE pipe = as_handle(pipe_value);
  if (::GetFileType(pipe) != FILE_TYPE_PIPE) return kExitBadArguments;
  const HANDLE parent = as_handle(parent_value);
  if (::CreateThread(nullptr, 64 * 1024, watch_parent, parent, STACK_SIZE_PARAM_IS_A_RESERVATION,
                     nullptr) == nullptr) {
    return fail_setup(pipe, Stage::watch_parent, ::GetLastError());
  }

  SYSTEM_INFO system{};
  ::GetSystemInfo(&system);
  const std::uint64_t page = system.dwPageSize;
  step = (step + page - 1) / page * page;
  std::uint64_t touched = 0;
  std::uint64_t next_report = kReportEvery;
  while (touched < stop_at) {
    const std::uint64_t left = (stop_at - touched + page - 1) / page * page;
    const auto size = static_cast<SIZE_T>(std::min(step, left));
    // Committed at once: a job's commit limit refuses here (ERROR_COMMITMENT_LIMIT or
    // ERROR_NOT_ENOUGH_MEMORY), never later at a page touch as an overcommitting Linux would.
    void* block = ::VirtualAlloc(nullptr, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (block == nullptr) {
      const DWORD error = ::GetLastError();
      send(pipe, Record{RecordKind::alloc_failed, error, touched});
      return kExitAllocFailed;
    }
    auto* bytes = static_cast<volatile unsigned char*>(block);
    for (SIZE_T offset = 0; offset < size; offset += page) {
      bytes[offset] = 1;  // the page is given physical memory now, not only commit
      touched += page;
      if (touched >= next_report) {
        if (!send(pipe, Record{RecordKind::progress, 0, touched})) return kExitPipeFailed;
        next_report += kReportEvery;
      }
    }
  }
  if (!send(pipe, Record{RecordKind::progress, 0, touched})) return kExitPipeFailed;
  return kExitReached;
}

}  // namespace

int run_internal_child_if_asked(int argc, char** argv) {
  if (argc < 2 || argv[1] == nullptr || std::string_view(argv[1]) != kChildFlag) return -1;
  // A crash must end the child, never wait for someone to close an error dialog.
  ::SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX);
  if (argc >= 3 && std::string_view(argv[2]) == kMemoryTrialRole) {
    return static_cast<int>(memory_trial_child(argc - 3, argv + 3));
  }
  return static_cast<int>(kExitBadArguments);
}

}  // namespace capprobe::platform
