// Windows implementation of output_file.hpp, with the Linux rules (platform/linux/output_file.cpp)
// in Win32 words: the entry is looked at first without following a link; a regular file, or a
// new name, is replaced through a temp file beside it and MoveFileExW(MOVEFILE_REPLACE_EXISTING,
// and MOVEFILE_WRITE_THROUGH after FlushFileBuffers when durable), keeping the replaced file's
// DACL; a symbolic link to a regular file has its target replaced and stays a link; NUL and the
// console are written through; any other device (\\.\PhysicalDrive0, \\.\C:, COM1...), a named
// pipe, an AF_UNIX socket or a directory is refused untouched.
// No counterpart of the Linux sticky-directory rule: Windows has no sticky directories, and a
// link in a shared one needs SeCreateSymbolicLinkPrivilege (or developer mode) to be planted.
#include "platform/output_file.hpp"

#include <windows.h>
// After windows.h, which they need.
#include <aclapi.h>

#include <cwctype>
#include <optional>
#include <string>

#include "platform/windows/handles.hpp"
#include "platform/windows/utf16.hpp"
#include "platform/windows/win32_errors.hpp"

namespace capprobe::platform {
namespace {

using win32::UniqueHandle;

// mingw's headers lack it; the tag of an AF_UNIX socket file (Windows 10 1803 and later).
constexpr DWORD kReparseTagAfUnix = 0x80000023;

std::string failure(const std::string& what, DWORD code) {
  return what + ": " + win32::error_name(code);
}

std::wstring upper(std::wstring text) {
  for (auto& c : text) c = static_cast<wchar_t>(std::towupper(c));
  return text;
}

enum class Device { none, bit_bucket, console, other };

// What Win32 makes of the name before anything is opened: the reserved names (NUL, CON, and
// CONOUT$, the console's output) and anything in the device namespace ("\\.\X", "\\?\X"), where
// "\\?\C:\..." and "\\?\UNC\..." are still ordinary paths, only spelled for long names.
// GetFullPathNameW also turns "C:\dir\nul" into "\\.\nul", as CreateFileW would.
Device device_of(const std::wstring& path) {
  const auto whole = upper(path);
  if (whole == L"NUL") return Device::bit_bucket;
  if (whole == L"CON" || whole == L"CONOUT$") return Device::console;
  std::wstring full(32768, L'\0');
  const DWORD length =
      ::GetFullPathNameW(path.c_str(), static_cast<DWORD>(full.size()), full.data(), nullptr);
  if (length == 0 || length >= full.size()) return Device::none;  // opening will tell
  full.resize(length);
  if (full.rfind(L"\\\\.\\", 0) != 0 && full.rfind(L"\\\\?\\", 0) != 0) return Device::none;
  const auto rest = upper(full.substr(4));
  const bool drive_path = rest.size() >= 3 && std::iswalpha(rest[0]) && rest[1] == L':' &&
                          (rest[2] == L'\\' || rest[2] == L'/');
  if (drive_path || rest.rfind(L"UNC\\", 0) == 0) return Device::none;
  if (rest == L"NUL") return Device::bit_bucket;
  if (rest == L"CON" || rest == L"CONOUT$") return Device::console;
  return Device::other;
}

std::string write_all(HANDLE file, std::string_view content, const std::string& shown) {
  std::size_t written = 0;
  while (written < content.size()) {
    const auto chunk =
        static_cast<DWORD>(std::min<std::size_t>(content.size() - written, 1u << 24));
    DWORD put = 0;
    if (!::WriteFile(file, content.data() + written, chunk, &put, nullptr))
      return failure("writing " + shown, ::GetLastError());
    written += put;
  }
  return "";
}

// NUL or the console, opened as it is (no truncation, no replacement) and checked again on the
// handle: a character device, whatever the name led to by now. The console gets the text as
// UTF-16 (WriteConsoleW), so that a report shows the same in every console code page.
std::string write_through(const std::wstring& wide, const std::string& path,
                          std::string_view content) {
  const UniqueHandle file(::CreateFileW(wide.c_str(), GENERIC_READ | GENERIC_WRITE,
                                        FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING,
                                        0, nullptr));
  if (!file.valid()) return failure("opening " + path, ::GetLastError());
  if (::GetFileType(file.get()) != FILE_TYPE_CHAR)
    return path + " is not the console or NUL once opened; nothing written";
  DWORD mode = 0;
  if (::GetConsoleMode(file.get(), &mode)) {
    const auto text = win32::to_utf16(content);
    if (!text) return "the report is not UTF-8: " + text.error().describe();
    const auto& wide_text = text.value();
    std::size_t written = 0;
    while (written < wide_text.size()) {
      DWORD put = 0;
      const auto chunk =
          static_cast<DWORD>(std::min<std::size_t>(wide_text.size() - written, 8192));
      if (!::WriteConsoleW(file.get(), wide_text.data() + written, chunk, &put, nullptr))
        return failure("writing " + path, ::GetLastError());
      written += put;
    }
    return "";
  }
  return write_all(file.get(), content, path);
}

// The DACL to give the new file: the replaced file's, so that replacing a report readable only
// by its owner never widens who may read it.
class KeptDacl {
 public:
  ~KeptDacl() {
    if (descriptor_ != nullptr) ::LocalFree(descriptor_);
  }
  std::string read(HANDLE file, const std::string& path) {
    const DWORD error = ::GetSecurityInfo(file, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr,
                                          nullptr, &dacl_, nullptr, &descriptor_);
    if (error != ERROR_SUCCESS) return failure("reading the DACL of " + path, error);
    SECURITY_DESCRIPTOR_CONTROL control = 0;
    DWORD revision = 0;
    if (::GetSecurityDescriptorControl(descriptor_, &control, &revision))
      protected_ = (control & SE_DACL_PROTECTED) != 0;
    present_ = true;
    return "";
  }
  std::string apply(HANDLE file, const std::string& path) const {
    if (!present_ || dacl_ == nullptr) return "";
    const SECURITY_INFORMATION what =
        DACL_SECURITY_INFORMATION |
        (protected_ ? PROTECTED_DACL_SECURITY_INFORMATION : UNPROTECTED_DACL_SECURITY_INFORMATION);
    const DWORD error =
        ::SetSecurityInfo(file, SE_FILE_OBJECT, what, nullptr, nullptr, dacl_, nullptr);
    return error == ERROR_SUCCESS ? "" : failure("setting the DACL of " + path, error);
  }

 private:
  PSECURITY_DESCRIPTOR descriptor_ = nullptr;
  PACL dacl_ = nullptr;
  bool protected_ = false;
  bool present_ = false;
};

// A regular file, or a name that does not exist yet: a temp file beside it (CREATE_NEW: a
// stale or planted file of that name is never used, and no link is followed), written, flushed
// when durable, then moved over the target.
std::string replace_regular(const std::wstring& target, const std::string& shown,
                            std::string_view content, const OutputOptions& options,
                            const KeptDacl* keep) {
  const auto separator = target.find_last_of(L"\\/");
  const auto name = separator == std::wstring::npos ? target : target.substr(separator + 1);
  if (name.empty() || name == L"." || name == L"..") return shown + " is not a file name";
  const auto wide_temp_name = win32::to_utf16(options.temp_name);
  if (!wide_temp_name) return "the temp name is not UTF-8";
  const auto temp = separator == std::wstring::npos
                        ? wide_temp_name.value()
                        : target.substr(0, separator + 1) + wide_temp_name.value();
  const auto temp_shown = win32::to_utf8(temp);
  UniqueHandle file(::CreateFileW(temp.c_str(), GENERIC_WRITE | WRITE_DAC | DELETE, 0, nullptr,
                                  CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!file.valid()) return failure("creating " + temp_shown, ::GetLastError());
  const auto fail = [&](const std::string& problem) {
    file.reset();
    ::DeleteFileW(temp.c_str());
    return problem;
  };
  if (keep != nullptr)
    if (auto problem = keep->apply(file.get(), temp_shown); !problem.empty()) return fail(problem);
  if (auto problem = write_all(file.get(), content, temp_shown); !problem.empty())
    return fail(problem);
  if (options.durable && !::FlushFileBuffers(file.get()))
    return fail(failure("flushing " + temp_shown, ::GetLastError()));
  if (!file.close()) return fail(failure("closing " + temp_shown, ::GetLastError()));
  // WRITE_THROUGH: MoveFileExW returns only once the rename is on disk, the counterpart of
  // fsync on the directory.
  const DWORD flags = MOVEFILE_REPLACE_EXISTING | (options.durable ? MOVEFILE_WRITE_THROUGH : 0);
  if (!::MoveFileExW(temp.c_str(), target.c_str(), flags))
    return fail(failure("renaming " + temp_shown + " to " + shown, ::GetLastError()));
  return "";
}

// The final path a link leads to, as GetFinalPathNameByHandleW spells it ("\\?\C:\...").
std::optional<std::wstring> final_path(HANDLE file) {
  std::wstring path(32768, L'\0');
  const DWORD length = ::GetFinalPathNameByHandleW(
      file, path.data(), static_cast<DWORD>(path.size()), FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
  if (length == 0 || length >= path.size()) return std::nullopt;
  path.resize(length);
  return path;
}

// The entry is a symbolic link: the file it leads to is replaced, and the link stays a link.
std::string write_via_link(const std::wstring& wide, const std::string& path,
                           std::string_view content, const OutputOptions& options) {
  UniqueHandle target(::CreateFileW(wide.c_str(), FILE_READ_ATTRIBUTES | READ_CONTROL,
                                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                    OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr));
  if (!target.valid()) {
    const DWORD error = ::GetLastError();
    if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND)
      return path + " is a symlink to a missing file; refusing to follow it";
    return failure("following the link " + path, error);
  }
  BY_HANDLE_FILE_INFORMATION info{};
  if (!::GetFileInformationByHandle(target.get(), &info))
    return failure("GetFileInformationByHandle " + path, ::GetLastError());
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0 ||
      ::GetFileType(target.get()) != FILE_TYPE_DISK)
    return path + " leads to a directory or a device; refusing to write a report into it";
  const auto resolved = final_path(target.get());
  if (!resolved) return failure("resolving the link " + path, ::GetLastError());
  KeptDacl keep;
  if (!options.mode)
    if (auto problem = keep.read(target.get(), path); !problem.empty()) return problem;
  // Closed before the move: a file we hold open may not be replaced (Wine, Windows before
  // POSIX rename semantics).
  target.reset();
  return replace_regular(*resolved, win32::to_utf8(*resolved), content, options,
                         options.mode ? nullptr : &keep);
}

}  // namespace

std::string write_output_file(const std::string& path, std::string_view content,
                              const OutputOptions& options) {
  if (path.empty()) return "empty file name";
  const auto converted = win32::to_utf16(path);
  if (!converted) return path + ": " + converted.error().describe();
  const auto& wide = converted.value();
  switch (device_of(wide)) {
    case Device::bit_bucket:
    case Device::console:
      return write_through(wide, path, content);
    case Device::other:
      return path + " is a device; refusing to write a report into it";
    case Device::none:
      break;
  }
  // The entry itself, never what a link leads to: FILE_FLAG_OPEN_REPARSE_POINT.
  UniqueHandle entry(
      ::CreateFileW(wide.c_str(), FILE_READ_ATTRIBUTES | READ_CONTROL,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                    FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
  if (!entry.valid()) {
    const DWORD error = ::GetLastError();
    if (error == ERROR_FILE_NOT_FOUND)
      return replace_regular(wide, path, content, options, nullptr);
    return failure(path, error);
  }
  // A pipe or a device reached through an ordinary-looking name (\\server\pipe\x).
  if (::GetFileType(entry.get()) != FILE_TYPE_DISK)
    return path + " is a pipe or a device, not a file; refusing to write a report into it";
  BY_HANDLE_FILE_INFORMATION info{};
  if (!::GetFileInformationByHandle(entry.get(), &info))
    return failure("GetFileInformationByHandle " + path, ::GetLastError());
  DWORD tag = 0;
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
    FILE_ATTRIBUTE_TAG_INFO tag_info{};
    if (!::GetFileInformationByHandleEx(entry.get(), FileAttributeTagInfo, &tag_info,
                                        sizeof tag_info))
      return failure("reading the reparse tag of " + path, ::GetLastError());
    tag = tag_info.ReparseTag;
  }
  if (tag == IO_REPARSE_TAG_SYMLINK) {
    entry.reset();
    return write_via_link(wide, path, content, options);
  }
  if (tag == kReparseTagAfUnix) return path + " is a socket; refusing to write a report into it";
  // A directory, a junction or a mounted volume.
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0)
    return path + " is a directory; refusing to write a report into it";
  KeptDacl keep;
  if (!options.mode)
    if (auto problem = keep.read(entry.get(), path); !problem.empty()) return problem;
  entry.reset();  // closed before the move, as above
  return replace_regular(wide, path, content, options, options.mode ? nullptr : &keep);
}

}  // namespace capprobe::platform
