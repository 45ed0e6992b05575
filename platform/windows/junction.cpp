// create_junction: a directory junction (IO_REPARSE_TAG_MOUNT_POINT) made as mklink /J makes one:
// an empty directory, then a mount-point reparse point set on it. Junctions need no privilege,
// unlike symbolic links, so fs.symlink reports them apart.
#include <windows.h>
#include <winioctl.h>

#include <cstring>
#include <string>
#include <vector>

#include "platform/windows/file_ops.hpp"
#include "platform/windows/handles.hpp"
#include "platform/windows/sdk_extras.hpp"
#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {

using win32::last_error;
using win32::os_error;

namespace {

// "C:\dir" or "C:/dir": a junction leads to a local volume's absolute path; a relative path or a
// UNC share cannot be one (the I/O manager resolves it on this machine, from the volume's root).
bool is_drive_absolute(const std::wstring& path) {
  return path.size() >= 3 && path[1] == L':' && (path[2] == L'\\' || path[2] == L'/');
}

// The reparse data: the substitute name the I/O manager follows ("\??\C:\target") and the print
// name tools show ("C:\target"), each NUL-terminated in the path buffer.
Result<std::vector<std::byte>> mount_point_data(const std::wstring& target) {
  const std::wstring substitute = L"\\??\\" + target;
  const std::size_t substitute_bytes = substitute.size() * sizeof(wchar_t);
  const std::size_t print_bytes = target.size() * sizeof(wchar_t);
  const std::size_t path_bytes = substitute_bytes + print_bytes + 2 * sizeof(wchar_t);
  const std::size_t data_bytes =
      sizeof(win32::sdk::MountPointReparseHeader) - win32::sdk::kReparseDataHeaderSize + path_bytes;
  if (win32::sdk::kReparseDataHeaderSize + data_bytes > MAXIMUM_REPARSE_DATA_BUFFER_SIZE) {
    return os_error(ERROR_FILENAME_EXCED_RANGE, "junction target too long for a reparse point");
  }
  win32::sdk::MountPointReparseHeader header{};
  header.ReparseTag = IO_REPARSE_TAG_MOUNT_POINT;
  header.ReparseDataLength = static_cast<WORD>(data_bytes);
  header.SubstituteNameOffset = 0;
  header.SubstituteNameLength = static_cast<WORD>(substitute_bytes);
  header.PrintNameOffset = static_cast<WORD>(substitute_bytes + sizeof(wchar_t));
  header.PrintNameLength = static_cast<WORD>(print_bytes);
  std::vector<std::byte> buffer(sizeof header + path_bytes);  // zeroed: the NULs are there
  std::memcpy(buffer.data(), &header, sizeof header);
  std::memcpy(buffer.data() + sizeof header, substitute.data(), substitute_bytes);
  std::memcpy(buffer.data() + sizeof header + header.PrintNameOffset, target.data(), print_bytes);
  return buffer;
}

// Sets the reparse point on the new, empty directory.
Result<Done> set_mount_point(const std::wstring& link, const std::vector<std::byte>& data,
                             const std::string& shown) {
  const win32::UniqueHandle directory(
      ::CreateFileW(link.c_str(), GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                    FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, nullptr));
  if (!directory.valid()) return last_error("CreateFileW", shown);
  DWORD returned = 0;
  if (!::DeviceIoControl(directory.get(), FSCTL_SET_REPARSE_POINT,
                         const_cast<std::byte*>(data.data()), static_cast<DWORD>(data.size()),
                         nullptr, 0, &returned, nullptr)) {
    return last_error("FSCTL_SET_REPARSE_POINT", shown);
  }
  return Done{};
}

}  // namespace

Result<Done> WindowsPlatform::create_junction(const std::string& target,
                                              const std::string& link_path) const {
  auto link = win32::wide_path(link_path);
  if (!link) return link.error();
  auto wide_target = win32::wide_path(target);
  if (!wide_target) return wide_target.error();
  if (!is_drive_absolute(wide_target.value())) {
    return os_error(ERROR_BAD_PATHNAME, "create_junction " + link_path + ": the target " + target +
                                            " is no absolute path on a drive");
  }
  // The full path with "\" only and "." and ".." resolved: the substitute name is an NT path,
  // which nothing normalises later.
  const DWORD needed = ::GetFullPathNameW(wide_target.value().c_str(), 0, nullptr, nullptr);
  if (needed == 0) return last_error("GetFullPathNameW", target);
  std::wstring full(needed, L'\0');
  const DWORD length =
      ::GetFullPathNameW(wide_target.value().c_str(), needed, full.data(), nullptr);
  if (length == 0 || length >= needed) return last_error("GetFullPathNameW", target);
  full.resize(length);
  auto data = mount_point_data(full);
  if (!data) return data.error();

  if (!::CreateDirectoryW(link.value().c_str(), nullptr)) {
    return last_error("CreateDirectoryW", link_path);
  }
  auto set = set_mount_point(link.value(), data.value(), link_path);
  if (!set) {
    // Only the directory made here goes: it is still empty and no reparse point, whatever the
    // failure (RemoveDirectoryW removes a junction itself, never its target, too).
    ::RemoveDirectoryW(link.value().c_str());
    return set.error();
  }
  return Done{};
}

}  // namespace capprobe::platform
