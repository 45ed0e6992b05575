// pipe_names and connect_pipe: the named pipes under \\.\pipe\ and whether one accepts a
// client. A connect opens the pipe as a client would and closes it at once: nothing is ever
// sent, and the server is never given the right to act as this process.
#include <windows.h>

#include <string>
#include <vector>

#include "platform/windows/file_ops.hpp"
#include "platform/windows/handles.hpp"
#include "platform/windows/utf16.hpp"
#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {

using win32::last_error;
using win32::os_error;

namespace {

constexpr const wchar_t* kPipeNamespace = L"\\\\.\\pipe\\";

}  // namespace

Result<std::vector<std::string>> WindowsPlatform::pipe_names() const {
  // The pipe file system lists like a directory on Windows; Wine 8 answers ERROR_BAD_DEV_TYPE.
  // Names may hold backslashes ("ProtectedPrefix\Administrators\..."): kept as listed.
  auto entries = win32::entries_of(kPipeNamespace, "\\\\.\\pipe\\");
  if (!entries) return entries.error();
  std::vector<std::string> names;
  names.reserve(entries.value().size());
  for (const auto& entry : entries.value()) names.push_back(win32::to_utf8(entry.name));
  return names;
}

Result<Done> WindowsPlatform::connect_pipe(const std::string& name) const {
  const std::string shown = "\\\\.\\pipe\\" + name;
  if (name.empty()) return os_error(ERROR_INVALID_NAME, "connect_pipe: an empty pipe name");
  auto wide = win32::to_utf16(name);
  if (!wide) return wide.error();
  // Read and write, as the runtime's and kubelet's clients open them: a pipe whose DACL lets
  // this token only look would otherwise read as usable. SECURITY_IDENTIFICATION: the server may
  // learn who connected, never act as this process (which may be SYSTEM in HostProcess).
  // OPEN_EXISTING never waits: all instances busy is ERROR_PIPE_BUSY at once.
  const win32::UniqueHandle pipe(::CreateFileW(
      (kPipeNamespace + wide.value()).c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr,
      OPEN_EXISTING, SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, nullptr));
  if (!pipe.valid()) return last_error("CreateFileW", shown);
  return Done{};
}

}  // namespace capprobe::platform
