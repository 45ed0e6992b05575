// Windows implementation of child_process.hpp: CreateProcessW with stdin and stdout on
// overlapped named pipes (one thread waits for both and the deadline), the child inheriting only
// those two and our stderr, inside a job object that kills the child and everything it started
// when the deadline passes or the job's handle closes.
#include <windows.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "platform/process/child_process.hpp"
#include "platform/windows/handles.hpp"
#include "platform/windows/utf16.hpp"
#include "platform/windows/win32_errors.hpp"

namespace capprobe::platform {
namespace {

using Clock = std::chrono::steady_clock;
using win32::UniqueHandle;

// The exit code the job's processes get when the deadline kills them (TerminateJobObject).
constexpr UINT kKilledExitCode = 1;
// How long the killed job's main process gets to be gone before we stop waiting for it.
constexpr DWORD kWaitAfterKillMs = 2000;

std::string win32_failure(const std::string& what, DWORD code) {
  return what + ": " + win32::error_name(code) + " (" + std::to_string(code) + ")";
}

std::string last_failure(const std::string& what) {
  return win32_failure(what, ::GetLastError());
}

// One argument as the C runtime's parser (CommandLineToArgvW rules) reads it back: quotes only
// when needed, backslashes doubled only before a quote.
void append_quoted(std::wstring& line, const std::wstring& arg) {
  if (!line.empty()) line += L' ';
  if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    line += arg;
    return;
  }
  line += L'"';
  for (auto it = arg.begin();; ++it) {
    std::size_t backslashes = 0;
    while (it != arg.end() && *it == L'\\') {
      ++it;
      ++backslashes;
    }
    if (it == arg.end()) {
      line.append(backslashes * 2, L'\\');
      break;
    }
    if (*it == L'"') {
      line.append(backslashes * 2 + 1, L'\\');
      line += L'"';
    } else {
      line.append(backslashes, L'\\');
      line += *it;
    }
  }
  line += L'"';
}

// A pipe whose server end (ours) is overlapped, so that one thread can wait for reading,
// writing and the deadline at once; the client end (the child's) is an ordinary inheritable
// handle. Anonymous pipes cannot do overlapped I/O, hence a named one with a name nobody can
// guess or take first (FILE_FLAG_FIRST_PIPE_INSTANCE), local clients only.
struct PipePair {
  UniqueHandle ours;
  UniqueHandle childs;
};

std::string make_pipe(bool child_reads, PipePair& pipe) {
  static std::atomic<unsigned> counter{0};
  wchar_t name[128];
  std::swprintf(name, sizeof name / sizeof name[0], L"\\\\.\\pipe\\capprobe-child-%lu-%u-%llu",
                ::GetCurrentProcessId(), counter.fetch_add(1),
                static_cast<unsigned long long>(Clock::now().time_since_epoch().count()));
  const DWORD direction = child_reads ? PIPE_ACCESS_OUTBOUND : PIPE_ACCESS_INBOUND;
  pipe.ours = UniqueHandle(::CreateNamedPipeW(
      name, direction | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
      PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, 65536, 65536,
      0, nullptr));
  if (!pipe.ours.valid()) return last_failure("CreateNamedPipeW");
  SECURITY_ATTRIBUTES inheritable{sizeof inheritable, nullptr, TRUE};
  pipe.childs = UniqueHandle(::CreateFileW(name, child_reads ? GENERIC_READ : GENERIC_WRITE, 0,
                                           &inheritable, OPEN_EXISTING, 0, nullptr));
  if (!pipe.childs.valid()) return last_failure("CreateFileW on the child's pipe end");
  return "";
}

// The child's stderr: ours, duplicated as an inheritable handle (the original may not be), or
// NUL when we have none (a process started without a console or redirection).
std::string child_stderr(UniqueHandle& handle) {
  const HANDLE ours = ::GetStdHandle(STD_ERROR_HANDLE);
  HANDLE duplicate = nullptr;
  if (ours != nullptr && ours != INVALID_HANDLE_VALUE &&
      ::DuplicateHandle(::GetCurrentProcess(), ours, ::GetCurrentProcess(), &duplicate, 0, TRUE,
                        DUPLICATE_SAME_ACCESS)) {
    handle = UniqueHandle(duplicate);
    return "";
  }
  SECURITY_ATTRIBUTES inheritable{sizeof inheritable, nullptr, TRUE};
  handle = UniqueHandle(::CreateFileW(L"NUL", GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                      &inheritable, OPEN_EXISTING, 0, nullptr));
  return handle.valid() ? "" : last_failure("opening NUL for the child's stderr");
}

// A job that kills every process in it when its last handle closes (ours: at the end of
// run_child, or when the agent itself dies), and ends a process that crashes instead of
// leaving it waiting on an error dialog nobody sees.
std::string make_job(UniqueHandle& job) {
  job = UniqueHandle(::CreateJobObjectW(nullptr, nullptr));
  if (!job.valid()) return last_failure("CreateJobObjectW");
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
  limits.BasicLimitInformation.LimitFlags =
      JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
  if (!::SetInformationJobObject(job.get(), JobObjectExtendedLimitInformation, &limits,
                                 sizeof limits))
    return last_failure("SetInformationJobObject");
  return "";
}

// Only these handles reach the child (PROC_THREAD_ATTRIBUTE_HANDLE_LIST): never the agent's
// sockets (Asio's listener, a scrape under way) or another child's pipes, which a plain
// bInheritHandles would hand over too.
class HandleList {
 public:
  explicit HandleList(std::vector<HANDLE> handles) : handles_(std::move(handles)) {}
  ~HandleList() {
    if (initialized_) ::DeleteProcThreadAttributeList(list());
  }
  HandleList(const HandleList&) = delete;
  HandleList& operator=(const HandleList&) = delete;

  std::string init() {
    SIZE_T size = 0;
    ::InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
    buffer_.resize(size);
    if (!::InitializeProcThreadAttributeList(list(), 1, 0, &size))
      return last_failure("InitializeProcThreadAttributeList");
    initialized_ = true;
    if (!::UpdateProcThreadAttribute(list(), 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles_.data(),
                                     handles_.size() * sizeof(HANDLE), nullptr, nullptr))
      return last_failure("UpdateProcThreadAttribute");
    return "";
  }
  LPPROC_THREAD_ATTRIBUTE_LIST list() {
    return reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(buffer_.data());
  }

 private:
  std::vector<HANDLE> handles_;
  std::vector<unsigned char> buffer_;
  bool initialized_ = false;
};

// One overlapped operation on our end of a pipe: started, then finished when its event fires.
struct Overlapped {
  OVERLAPPED overlapped{};
  UniqueHandle event{::CreateEventW(nullptr, TRUE, FALSE, nullptr)};
  bool pending = false;
  Overlapped() { overlapped.hEvent = event.get(); }
  void reset() {
    const HANDLE keep = overlapped.hEvent;
    overlapped = OVERLAPPED{};
    overlapped.hEvent = keep;
    ::ResetEvent(keep);
  }
};

DWORD wait_ms(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<DWORD>(std::clamp<long long>(left, 0, 0x7FFFFFFF));
}

// Stops what is still pending on `handle` and waits until Windows no longer uses the buffer.
void cancel_pending(HANDLE handle, Overlapped& op) {
  if (!op.pending) return;
  ::CancelIoEx(handle, &op.overlapped);
  DWORD ignored = 0;
  ::GetOverlappedResult(handle, &op.overlapped, &ignored, TRUE);
  op.pending = false;
}

}  // namespace

std::string ChildOutcome::describe() const {
  if (!failure.empty()) return failure;
  if (timed_out) return "killed at its deadline";
  if (output_too_large) return "killed for writing too much output";
  if (signal_number) return "killed by signal " + std::to_string(*signal_number);
  if (exit_code) {
    // 0xC0000005 and its kind: an exception (NTSTATUS) ended the process, it did not exit.
    const auto code = static_cast<std::uint32_t>(*exit_code);
    if (code >= 0xC0000000u) {
      char hex[16];
      std::snprintf(hex, sizeof hex, "0x%08X", code);
      return std::string("ended by exception ") + hex;
    }
    return "exit code " + std::to_string(*exit_code);
  }
  return "no exit status";
}

ChildOutcome run_child(const ChildRequest& request) {
  ChildOutcome outcome;
  if (request.program.empty() || request.argv.empty()) {
    outcome.failure = "no program to run";
    return outcome;
  }
  const auto program = win32::to_utf16(request.program);
  if (!program) {
    outcome.failure = "cannot start " + request.program + ": " + program.error().describe();
    return outcome;
  }
  std::wstring command_line;
  for (const auto& word : request.argv) {
    const auto wide = win32::to_utf16(word);
    if (!wide) {
      outcome.failure = "an argument is not UTF-8: " + wide.error().describe();
      return outcome;
    }
    append_quoted(command_line, wide.value());
  }

  PipePair input, output;
  UniqueHandle error_handle, job;
  for (const auto& problem :
       {make_pipe(true, input), make_pipe(false, output), child_stderr(error_handle),
        request.own_job ? make_job(job) : std::string()}) {
    if (!problem.empty()) {
      outcome.failure = problem;
      return outcome;
    }
  }
  HandleList inherited({input.childs.get(), output.childs.get(), error_handle.get()});
  if (auto problem = inherited.init(); !problem.empty()) {
    outcome.failure = problem;
    return outcome;
  }

  STARTUPINFOEXW startup{};
  startup.StartupInfo.cb = sizeof startup;
  startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  startup.StartupInfo.hStdInput = input.childs.get();
  startup.StartupInfo.hStdOutput = output.childs.get();
  startup.StartupInfo.hStdError = error_handle.get();
  startup.lpAttributeList = inherited.list();
  PROCESS_INFORMATION started{};
  // Suspended until it is in the job, so that nothing it starts can escape the job. A process
  // group of its own: a Ctrl+C typed at the agent's console stops the agent, which then ends its
  // children; it does not kill them under it.
  if (!::CreateProcessW(program.value().c_str(), command_line.data(), nullptr, nullptr, TRUE,
                        CREATE_SUSPENDED | CREATE_NEW_PROCESS_GROUP | CREATE_UNICODE_ENVIRONMENT |
                            EXTENDED_STARTUPINFO_PRESENT,
                        nullptr, nullptr, &startup.StartupInfo, &started)) {
    outcome.failure = last_failure("cannot start " + request.program);
    return outcome;
  }
  const UniqueHandle process(started.hProcess);
  const UniqueHandle thread(started.hThread);
  if (request.own_job && !::AssignProcessToJobObject(job.get(), process.get())) {
    outcome.failure = last_failure("AssignProcessToJobObject");
    ::TerminateProcess(process.get(), kKilledExitCode);
    return outcome;
  }
  ::ResumeThread(thread.get());
  // The child has its ends now; ours must go, or its exit would never close the pipes.
  input.childs.reset();
  output.childs.reset();
  error_handle.reset();
  if (request.input.empty()) input.ours.reset();

  const auto deadline = Clock::now() + request.deadline;
  Overlapped reading, writing;
  std::vector<char> buffer(65536);
  std::size_t written = 0;
  bool stdout_open = true;
  while (stdout_open) {
    if (!reading.pending) {
      reading.reset();
      DWORD got = 0;
      if (::ReadFile(output.ours.get(), buffer.data(), static_cast<DWORD>(buffer.size()), &got,
                     &reading.overlapped) ||
          ::GetLastError() == ERROR_IO_PENDING) {
        reading.pending = true;  // a completed read also signals its event: one path for both
      } else if (::GetLastError() == ERROR_BROKEN_PIPE) {
        stdout_open = false;
        break;
      } else {
        outcome.failure = last_failure("reading the child's output");
        break;
      }
    }
    if (input.ours.valid() && !writing.pending) {
      writing.reset();
      const auto chunk =
          static_cast<DWORD>(std::min<std::size_t>(request.input.size() - written, 1u << 20));
      DWORD put = 0;
      if (::WriteFile(input.ours.get(), request.input.data() + written, chunk, &put,
                      &writing.overlapped) ||
          ::GetLastError() == ERROR_IO_PENDING) {
        writing.pending = true;
      } else {
        input.ours.reset();  // the child closed its input: it does not want the rest
      }
    }
    HANDLE events[2] = {reading.event.get(), writing.event.get()};
    const DWORD count = input.ours.valid() && writing.pending ? 2 : 1;
    const DWORD woke = ::WaitForMultipleObjects(count, events, FALSE, wait_ms(deadline));
    if (woke == WAIT_TIMEOUT) {
      outcome.timed_out = true;
      break;
    }
    if (woke == WAIT_OBJECT_0) {
      DWORD got = 0;
      reading.pending = false;
      if (::GetOverlappedResult(output.ours.get(), &reading.overlapped, &got, FALSE)) {
        outcome.output.append(buffer.data(), got);
        if (outcome.output.size() > request.max_output) {
          outcome.output_too_large = true;
          break;
        }
      } else if (::GetLastError() == ERROR_BROKEN_PIPE) {
        stdout_open = false;
      } else {
        outcome.failure = last_failure("reading the child's output");
        break;
      }
    } else if (woke == WAIT_OBJECT_0 + 1) {
      DWORD put = 0;
      writing.pending = false;
      if (::GetOverlappedResult(input.ours.get(), &writing.overlapped, &put, FALSE)) {
        written += put;
        if (written == request.input.size()) input.ours.reset();
      } else {
        input.ours.reset();  // ERROR_NO_DATA / ERROR_BROKEN_PIPE: it stopped reading
      }
    } else {
      outcome.failure = last_failure("WaitForMultipleObjects");
      break;
    }
  }
  cancel_pending(output.ours.get(), reading);
  cancel_pending(input.ours.get(), writing);
  input.ours.reset();
  output.ours.reset();

  const bool give_up = outcome.timed_out || outcome.output_too_large || !outcome.failure.empty();
  // A child that closed its stdout is about to exit; it still gets only what is left of its
  // deadline to do so.
  if (!give_up && ::WaitForSingleObject(process.get(), wait_ms(deadline)) != WAIT_OBJECT_0)
    outcome.timed_out = true;
  if (give_up || outcome.timed_out) {
    if (request.own_job)
      ::TerminateJobObject(job.get(), kKilledExitCode);
    else
      ::TerminateProcess(process.get(), kKilledExitCode);
    ::WaitForSingleObject(process.get(), kWaitAfterKillMs);
  }
  DWORD code = 0;
  if (::GetExitCodeProcess(process.get(), &code) && code != STILL_ACTIVE)
    outcome.exit_code = static_cast<int>(code);
  else if (outcome.failure.empty())
    outcome.failure = "the child did not end even after TerminateJobObject";
  // Closing the job (KILL_ON_JOB_CLOSE) also ends what the child left running behind it.
  return outcome;
}

// Windows has no zombies: a process's exit status lives as long as a handle to it, and
// run_child closes its handles before it returns. Nothing is ever left to reap.
void reap_leftover_children() {}

std::string own_executable() {
  std::wstring path(MAX_PATH, L'\0');
  while (true) {
    const DWORD length =
        ::GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
    if (length == 0) return {};
    if (length < path.size()) {
      path.resize(length);
      return win32::to_utf8(path);
    }
    path.resize(path.size() * 2);  // truncated: a path longer than MAX_PATH
  }
}

std::optional<std::string> own_executable_dir(std::string& why) {
  const auto path = own_executable();
  if (path.empty()) {
    why = last_failure("GetModuleFileNameW");
    return std::nullopt;
  }
  const auto separator = path.find_last_of("\\/");
  if (separator == std::string::npos) {
    why = "GetModuleFileNameW gave no directory: " + path;
    return std::nullopt;
  }
  // "C:\capprobe.exe" lives in "C:\", not in "C:".
  return path.substr(0, separator == 2 && path[1] == ':' ? separator + 1 : separator);
}

std::string executable_name(const std::string& base) {
  return base + ".exe";
}

bool is_executable_file(const std::string& path) {
  const auto wide = win32::to_utf16(path);
  if (!wide) return false;
  // Opened for execution the way CreateProcessW would: the ACL's execute right, a file.
  const UniqueHandle file(::CreateFileW(wide.value().c_str(), FILE_EXECUTE | FILE_READ_ATTRIBUTES,
                                        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                        nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!file.valid()) return false;
  BY_HANDLE_FILE_INFORMATION info{};
  return ::GetFileInformationByHandle(file.get(), &info) &&
         (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) == 0 &&
         ::GetFileType(file.get()) == FILE_TYPE_DISK;
}

}  // namespace capprobe::platform
