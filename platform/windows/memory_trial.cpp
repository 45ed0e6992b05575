// The memory trial behind resources.memory_limit on Windows. Windows has no fork and no OOM
// killer: a child process (this same executable, internal_child.cpp) commits memory with
// VirtualAlloc(MEM_COMMIT) in steps, touches every page, and reports what it holds over a pipe; a
// job's commit limit refuses the commit that would cross it, which ends the child as
// alloc_failed. The child stays in this process's job (never CREATE_BREAKAWAY_FROM_JOB), so its
// commits count against the job's limit as the pod's own would. The parent reads the reports
// under a hard timeout, and the child is terminated if it is still running when this returns.
#include <windows.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "platform/windows/handles.hpp"
#include "platform/windows/memory_trial_protocol.hpp"
#include "platform/windows/utf16.hpp"
#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {

using win32::last_error;
using win32::os_error;
using namespace win32::trial;

namespace {

// How often the parent looks at the pipe and at the child.
constexpr DWORD kSliceMs = 50;
// How long a terminated child may take to be gone.
constexpr DWORD kReapMs = 10'000;
// Room in the pipe for 4096 progress records: the child never waits for the parent's next look.
constexpr DWORD kPipeBytes = 64 * 1024;

struct Reports {
  std::uint64_t reached = 0;
  std::optional<std::uint32_t> alloc_error;
  std::optional<std::pair<Stage, std::uint32_t>> setup_failure;
  std::string pending;  // a partial record, should a read split one

  void take(const char* data, std::size_t size) {
    pending.append(data, size);
    std::size_t used = 0;
    for (; pending.size() - used >= sizeof(Record); used += sizeof(Record)) {
      Record record{};
      std::memcpy(&record, pending.data() + used, sizeof record);
      switch (record.kind) {
        case RecordKind::progress:
          reached = std::max(reached, record.value);
          break;
        case RecordKind::alloc_failed:
          alloc_error = record.error;
          reached = std::max(reached, record.value);
          break;
        case RecordKind::setup_failed:
          setup_failure = {static_cast<Stage>(record.value), record.error};
          break;
      }
    }
    pending.erase(0, used);
  }
};

// Reads whatever the pipe holds now, without blocking: PeekNamedPipe says how much there is.
// A broken pipe (every writer gone) is the end, not an error.
Result<Done> read_available(HANDLE pipe, Reports& reports) {
  std::array<char, 4096> chunk{};
  for (;;) {
    DWORD available = 0;
    if (!::PeekNamedPipe(pipe, nullptr, 0, nullptr, &available, nullptr)) {
      if (::GetLastError() == ERROR_BROKEN_PIPE) return Done{};
      return last_error("PeekNamedPipe", "memory trial pipe");
    }
    if (available == 0) return Done{};
    DWORD got = 0;
    const DWORD want = std::min<DWORD>(available, static_cast<DWORD>(chunk.size()));
    if (!::ReadFile(pipe, chunk.data(), want, &got, nullptr)) {
      if (::GetLastError() == ERROR_BROKEN_PIPE) return Done{};
      return last_error("ReadFile", "memory trial pipe");
    }
    reports.take(chunk.data(), got);
  }
}

Result<std::wstring> own_executable() {
  std::wstring path(MAX_PATH, L'\0');
  for (;;) {
    const DWORD length =
        ::GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
    if (length == 0) return last_error("GetModuleFileNameW");
    if (length < path.size()) {
      path.resize(length);
      return path;
    }
    path.resize(path.size() * 2);  // truncated: ERROR_INSUFFICIENT_BUFFER, try a larger one
  }
}

std::wstring decimal(std::uint64_t value) {
  return std::to_wstring(value);
}

std::wstring handle_text(HANDLE handle) {
  return decimal(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(handle)));
}

// Owns the child: whichever way run_memory_trial returns, a child still running is terminated
// and waited for, so no allocator is left holding the job's commit.
class ChildWatch {
 public:
  explicit ChildWatch(PROCESS_INFORMATION child)
      : process_(child.hProcess), thread_(child.hThread) {}
  ChildWatch(const ChildWatch&) = delete;
  ChildWatch& operator=(const ChildWatch&) = delete;
  ~ChildWatch() {
    if (::WaitForSingleObject(process_.get(), 0) == WAIT_TIMEOUT) {
      ::TerminateProcess(process_.get(), kExitKilledAtTimeout);
      ::WaitForSingleObject(process_.get(), kReapMs);
    }
  }
  HANDLE process() const { return process_.get(); }
  HANDLE thread() const { return thread_.get(); }

 private:
  win32::UniqueHandle process_;
  win32::UniqueHandle thread_;
};

// The attribute list that limits what the child inherits to the handles named.
class InheritList {
 public:
  explicit InheritList(std::vector<HANDLE> handles) : handles_(std::move(handles)) {}
  ~InheritList() {
    if (initialized_) ::DeleteProcThreadAttributeList(list());
  }
  InheritList(const InheritList&) = delete;
  InheritList& operator=(const InheritList&) = delete;

  Result<LPPROC_THREAD_ATTRIBUTE_LIST> build() {
    SIZE_T size = 0;
    ::InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
    if (size == 0) return last_error("InitializeProcThreadAttributeList");
    storage_.resize(size);
    if (!::InitializeProcThreadAttributeList(list(), 1, 0, &size)) {
      return last_error("InitializeProcThreadAttributeList");
    }
    initialized_ = true;
    if (!::UpdateProcThreadAttribute(list(), 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles_.data(),
                                     handles_.size() * sizeof(HANDLE), nullptr, nullptr)) {
      return last_error("UpdateProcThreadAttribute PROC_THREAD_ATTRIBUTE_HANDLE_LIST");
    }
    return list();
  }

 private:
  LPPROC_THREAD_ATTRIBUTE_LIST list() {
    return reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(storage_.data());
  }
  std::vector<HANDLE> handles_;
  std::vector<std::uint8_t> storage_;
  bool initialized_ = false;
};

std::string stage_name(Stage stage) {
  switch (stage) {
    case Stage::watch_parent:
      return "CreateThread (the parent watch)";
  }
  return "setup";
}

std::string hex(std::uint32_t code) {
  char text[16] = {};
  std::snprintf(text, sizeof text, "0x%08X", code);
  return text;
}

}  // namespace

Result<MemoryTrialOutcome> WindowsPlatform::run_memory_trial(const MemoryTrialPlan& plan) {
  if (plan.step_bytes == 0)
    return os_error(ERROR_INVALID_PARAMETER, "memory trial: step_bytes is 0");
  // RLIMIT_AS has no Windows counterpart; the job's commit limit is the backstop, and the
  // Windows collector plans none (memory_limit_windows.cpp).
  if (plan.address_space_limit != 0) {
    return os_error(ERROR_NOT_SUPPORTED,
                    "memory trial: an address-space limit for the child (RLIMIT_AS) has no "
                    "Windows counterpart");
  }
  auto executable = own_executable();
  if (!executable) return executable.error();

  // The pipe: only its write end is made inheritable, and only the child is handed it.
  HANDLE read_raw = nullptr;
  HANDLE write_raw = nullptr;
  if (!::CreatePipe(&read_raw, &write_raw, nullptr, kPipeBytes)) {
    return last_error("CreatePipe", "memory trial");
  }
  win32::UniqueHandle reader(read_raw);
  win32::UniqueHandle writer(write_raw);
  if (!::SetHandleInformation(writer.get(), HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT)) {
    return last_error("SetHandleInformation", "memory trial pipe");
  }
  // This process as the child sees it: SYNCHRONIZE only, to wait for our end.
  HANDLE self_raw = nullptr;
  if (!::DuplicateHandle(::GetCurrentProcess(), ::GetCurrentProcess(), ::GetCurrentProcess(),
                         &self_raw, SYNCHRONIZE, TRUE, 0)) {
    return last_error("DuplicateHandle", "this process for the memory trial child");
  }
  win32::UniqueHandle self(self_raw);
  InheritList inherit({writer.get(), self.get()});
  auto attributes = inherit.build();
  if (!attributes) return attributes.error();

  std::wstring command = L"\"" + executable.value() + L"\" " + win32::to_utf16(kChildFlag).value() +
                         L" " + win32::to_utf16(kMemoryTrialRole).value() + L" " +
                         handle_text(writer.get()) + L" " + handle_text(self.get()) + L" " +
                         decimal(plan.stop_at_bytes) + L" " + decimal(plan.step_bytes);
  STARTUPINFOEXW startup{};
  startup.StartupInfo.cb = sizeof startup;
  // No standard handles: the child writes only to its pipe, and must not hold a caller's output
  // pipe open (ctest waits for every holder of it).
  startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  startup.lpAttributeList = attributes.value();
  PROCESS_INFORMATION created{};
  // Suspended until it is known to be in this process's job. Not CREATE_BREAKAWAY_FROM_JOB.
  const DWORD flags = EXTENDED_STARTUPINFO_PRESENT | CREATE_SUSPENDED | CREATE_NO_WINDOW;
  const auto started = std::chrono::steady_clock::now();
  if (!::CreateProcessW(executable.value().c_str(), command.data(), nullptr, nullptr, TRUE, flags,
                        nullptr, nullptr, &startup.StartupInfo, &created)) {
    return last_error("CreateProcessW", "memory trial child");
  }
  ChildWatch child(created);
  writer.reset();  // the child's copy is the only writer now
  self.reset();

  // A job with JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK lets children leave it unasked: such a
  // child's commits would not count against the limit, and the trial would prove nothing.
  BOOL parent_in_job = FALSE;
  BOOL child_in_job = FALSE;
  if (!::IsProcessInJob(::GetCurrentProcess(), nullptr, &parent_in_job) ||
      !::IsProcessInJob(child.process(), nullptr, &child_in_job)) {
    return last_error("IsProcessInJob", "memory trial");
  }
  if (parent_in_job && !child_in_job) {
    return os_error(ERROR_NOT_SUPPORTED,
                    "memory trial: the child left this process's job (the job allows silent "
                    "breakaway), so its commits would not count against the job's limit");
  }
  if (::ResumeThread(child.thread()) == static_cast<DWORD>(-1)) {
    return last_error("ResumeThread", "memory trial child");
  }

  const auto deadline = started + std::max(plan.timeout, std::chrono::milliseconds{0});
  Reports reports;
  bool killed_at_timeout = false;
  for (;;) {
    if (auto read = read_available(reader.get(), reports); !read) return read.error();
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      ::TerminateProcess(child.process(), kExitKilledAtTimeout);
      killed_at_timeout = true;
      ::WaitForSingleObject(child.process(), kReapMs);
      break;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    const auto slice = static_cast<DWORD>(std::min<std::int64_t>(left.count() + 1, kSliceMs));
    const DWORD waited = ::WaitForSingleObject(child.process(), slice);
    if (waited == WAIT_OBJECT_0) break;
    if (waited == WAIT_FAILED) return last_error("WaitForSingleObject", "memory trial child");
  }
  // Whatever the child wrote before it ended is still in the pipe.
  if (auto read = read_available(reader.get(), reports); !read) return read.error();

  DWORD code = 0;
  if (!::GetExitCodeProcess(child.process(), &code)) {
    return last_error("GetExitCodeProcess", "memory trial child");
  }
  MemoryTrialOutcome outcome;
  outcome.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  outcome.reached_bytes = reports.reached;
  if (killed_at_timeout && (code == kExitKilledAtTimeout || code == STILL_ACTIVE)) {
    outcome.end = MemoryTrialEnd::timed_out;
    outcome.detail = "terminated at the " + std::to_string(plan.timeout.count()) + " ms timeout";
    return outcome;
  }
  switch (code) {
    case kExitReached:
      outcome.end = MemoryTrialEnd::reached_target;
      return outcome;
    case kExitAllocFailed:
      outcome.end = MemoryTrialEnd::alloc_failed;
      outcome.detail = reports.alloc_error ? win32::error_name(*reports.alloc_error) : "unreported";
      return outcome;
    case kExitSetupFailed:
      if (!reports.setup_failure) {
        return os_error(ERROR_INVALID_DATA, "memory trial child: setup failed, unreported");
      }
      return os_error(reports.setup_failure->second,
                      "memory trial child: " + stage_name(reports.setup_failure->first));
    case kExitOrphaned:
      return os_error(ERROR_INVALID_HANDLE, "memory trial child: lost its parent");
    case kExitPipeFailed:
      return os_error(ERROR_BROKEN_PIPE, "memory trial child: could not report progress");
    case kExitBadArguments:
      return os_error(ERROR_INVALID_PARAMETER,
                      "memory trial child: it did not understand its hidden arguments");
    default:
      break;
  }
  // An NTSTATUS error as the exit code: the system ended the child (an access violation, a
  // stack overflow, STATUS_NO_MEMORY raised by a heap), or someone terminated it with one. The
  // Windows counterpart of a death by signal.
  if (code >= 0xC0000000u) {
    outcome.end = MemoryTrialEnd::killed;
    outcome.detail = "exit status " + hex(code);
    return outcome;
  }
  return os_error(ERROR_INVALID_DATA, "memory trial child: unexpected exit code " +
                                          std::to_string(code) +
                                          " (does this executable's main() hand its arguments to "
                                          "platform::run_internal_child_if_asked first?)");
}

}  // namespace capprobe::platform
