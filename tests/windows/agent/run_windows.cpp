// tests/integration/support/run.hpp on Windows: runs a command as a user would (here: under
// Wine, in the test's own prefix), with a hard timeout, its stdout and stderr kept apart. The
// process and everything it starts run in a job object that the timeout (and the end of the
// run) terminates, the counterpart of the Linux version's process group.
#include <windows.h>

#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "platform/windows/handles.hpp"
#include "platform/windows/utf16.hpp"
#include "tests/integration/support/run.hpp"

namespace capprobe::it {
namespace {

using platform::win32::UniqueHandle;

std::wstring wide(const std::string& text) {
  auto converted = platform::win32::to_utf16(text);
  if (!converted) throw std::runtime_error("not UTF-8: " + text);
  return converted.value();
}

// CommandLineToArgvW's rules, as platform/process/windows/child_process.cpp quotes them.
std::wstring command_line(const std::vector<std::string>& argv) {
  std::wstring line;
  for (const auto& word : argv) {
    const auto arg = wide(word);
    if (!line.empty()) line += L' ';
    if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
      line += arg;
      continue;
    }
    line += L'"';
    std::size_t backslashes = 0;
    for (const wchar_t c : arg) {
      if (c == L'\\') {
        ++backslashes;
        continue;
      }
      line.append(c == L'"' ? backslashes * 2 + 1 : backslashes, L'\\');
      backslashes = 0;
      line += c;
    }
    line.append(backslashes * 2, L'\\');
    line += L'"';
  }
  return line;
}

// Our environment with `extra` ("NAME=value") added or overriding, as a CreateProcessW block.
std::wstring environment_block(const std::vector<std::string>& extra) {
  std::vector<std::wstring> entries;
  wchar_t* block = ::GetEnvironmentStringsW();
  for (const wchar_t* at = block; *at != L'\0'; at += wcslen(at) + 1) entries.emplace_back(at);
  ::FreeEnvironmentStringsW(block);
  for (const auto& setting : extra) {
    const auto entry = wide(setting);
    const auto name = entry.substr(0, entry.find(L'=') + 1);
    std::erase_if(entries, [&](const std::wstring& e) {
      return _wcsnicmp(e.c_str(), name.c_str(), name.size()) == 0;
    });
    entries.push_back(entry);
  }
  std::wstring result;
  for (const auto& entry : entries) result += entry + L'\0';
  return result + L'\0';
}

// A temp file that goes away when our handle closes, for a child's stdout or stderr.
UniqueHandle capture_file() {
  wchar_t dir[MAX_PATH + 1];
  wchar_t path[MAX_PATH + 1];
  ::GetTempPathW(MAX_PATH, dir);
  ::GetTempFileNameW(dir, L"cpt", 0, path);
  SECURITY_ATTRIBUTES inheritable{sizeof inheritable, nullptr, TRUE};
  UniqueHandle file(::CreateFileW(
      path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
      &inheritable, CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, nullptr));
  if (!file.valid()) throw std::runtime_error("cannot create a capture file");
  return file;
}

std::string read_back(HANDLE file) {
  std::string content;
  ::SetFilePointer(file, 0, nullptr, FILE_BEGIN);
  char buffer[65536];
  DWORD got = 0;
  while (::ReadFile(file, buffer, sizeof buffer, &got, nullptr) && got > 0)
    content.append(buffer, got);
  return content;
}

UniqueHandle null_device() {
  SECURITY_ATTRIBUTES inheritable{sizeof inheritable, nullptr, TRUE};
  return UniqueHandle(::CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE,
                                    FILE_SHARE_READ | FILE_SHARE_WRITE, &inheritable, OPEN_EXISTING,
                                    0, nullptr));
}

struct Started {
  UniqueHandle job;
  UniqueHandle process;
  DWORD pid = 0;
};

Started start(const std::vector<std::string>& argv, HANDLE in, HANDLE out, HANDLE err,
              const RunOptions& options) {
  if (argv.empty()) throw std::runtime_error("no command");
  Started started;
  started.job = UniqueHandle(::CreateJobObjectW(nullptr, nullptr));
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
  limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  ::SetInformationJobObject(started.job.get(), JobObjectExtendedLimitInformation, &limits,
                            sizeof limits);
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = in;
  startup.hStdOutput = out;
  startup.hStdError = err;
  auto line = command_line(argv);
  auto environment = environment_block(options.extra_env);
  const auto cwd = options.cwd.empty() ? std::wstring() : wide(options.cwd);
  PROCESS_INFORMATION info{};
  if (!::CreateProcessW(nullptr, line.data(), nullptr, nullptr, TRUE,
                        CREATE_SUSPENDED | CREATE_NEW_PROCESS_GROUP | CREATE_UNICODE_ENVIRONMENT,
                        environment.data(), cwd.empty() ? nullptr : cwd.c_str(), &startup, &info))
    throw std::runtime_error("cannot start " + argv.front() + ": error " +
                             std::to_string(::GetLastError()));
  started.process = UniqueHandle(info.hProcess);
  const UniqueHandle thread(info.hThread);
  ::AssignProcessToJobObject(started.job.get(), info.hProcess);
  ::ResumeThread(info.hThread);
  started.pid = info.dwProcessId;
  return started;
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
              const RunOptions& options) {
  RunResult result;
  result.argv = argv;
  auto in = null_device();
  auto out = capture_file();
  auto err = capture_file();
  const auto began = std::chrono::steady_clock::now();
  auto started = start(argv, in.get(), out.get(), err.get(), options);
  result.pid = static_cast<pid_t>(started.pid);
  if (::WaitForSingleObject(started.process.get(), static_cast<DWORD>(timeout.count())) !=
      WAIT_OBJECT_0) {
    result.timed_out = true;
    ::TerminateJobObject(started.job.get(), 1);
    ::WaitForSingleObject(started.process.get(), 5000);
  }
  result.wall = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - began);
  DWORD code = 0;
  if (!result.timed_out && ::GetExitCodeProcess(started.process.get(), &code))
    result.exit_code = static_cast<int>(code);
  result.out = read_back(out.get());
  result.err = read_back(err.get());
  return result;
}

// run.hpp's Background keeps only the pid; its job and process handles live here.
std::mutex background_mutex;
std::map<pid_t, Started> background_jobs;

Background::Background(const std::vector<std::string>& argv) {
  auto none = null_device();
  auto started = start(argv, none.get(), none.get(), none.get(), {});
  pid_ = static_cast<pid_t>(started.pid);
  std::lock_guard lock(background_mutex);
  background_jobs[pid_] = std::move(started);
}

Background::~Background() {
  std::lock_guard lock(background_mutex);
  const auto found = background_jobs.find(pid_);
  if (found == background_jobs.end()) return;
  ::TerminateJobObject(found->second.job.get(), 1);
  ::WaitForSingleObject(found->second.process.get(), 5000);
  background_jobs.erase(found);
}

std::string describe(const RunResult& result) {
  std::string text = "command:";
  for (const auto& word : result.argv) text += " " + word;
  text += "\nexit: " +
          (result.timed_out ? std::string("timed out") : std::to_string(result.exit_code)) +
          " after " + std::to_string(result.wall.count()) + " ms";
  text += "\nstdout: " + result.out.substr(0, 2000);
  text += "\nstderr: " +
          (result.err.size() > 2000 ? result.err.substr(result.err.size() - 2000) : result.err);
  return text;
}

}  // namespace capprobe::it
