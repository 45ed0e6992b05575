// readlink for Windows: the text a symbolic link or a junction holds, read from its reparse
// point (FSCTL_GET_REPARSE_POINT) without following it.
#include <windows.h>
#include <winioctl.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
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

// The part of REPARSE_DATA_BUFFER (ntifs.h, a driver kit header) that symbolic links and
// junctions share; a symbolic link's has a ULONG of flags before its path buffer.
struct LinkReparseHeader {
  std::uint32_t tag;
  std::uint16_t data_length;
  std::uint16_t reserved;
  std::uint16_t substitute_offset;
  std::uint16_t substitute_length;
  std::uint16_t print_offset;
  std::uint16_t print_length;
};

// The NT namespace prefix of an absolute substitute name ("\??\C:\target").
constexpr std::wstring_view kNtPrefix = L"\\??\\";

}  // namespace

Result<std::string> WindowsPlatform::link_target(const std::string& path) const {
  auto wide = win32::wide_path(path);
  if (!wide) return wide.error();
  const win32::UniqueHandle link(
      ::CreateFileW(wide.value().c_str(), FILE_READ_ATTRIBUTES,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                    FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, nullptr));
  if (!link.valid()) return last_error("CreateFileW FILE_FLAG_OPEN_REPARSE_POINT", path);

  std::vector<std::byte> buffer(MAXIMUM_REPARSE_DATA_BUFFER_SIZE);
  DWORD returned = 0;
  // ERROR_NOT_A_REPARSE_POINT for a plain file or directory, as readlink gives EINVAL.
  if (!::DeviceIoControl(link.get(), FSCTL_GET_REPARSE_POINT, nullptr, 0, buffer.data(),
                         static_cast<DWORD>(buffer.size()), &returned, nullptr)) {
    return last_error("FSCTL_GET_REPARSE_POINT", path);
  }
  LinkReparseHeader header{};
  if (returned < sizeof header) {
    return os_error(ERROR_INVALID_REPARSE_DATA, "FSCTL_GET_REPARSE_POINT " + path);
  }
  std::memcpy(&header, buffer.data(), sizeof header);
  std::size_t names_start = sizeof header;
  if (header.tag == IO_REPARSE_TAG_SYMLINK) {
    names_start += sizeof(std::uint32_t);  // the flags (SYMLINK_FLAG_RELATIVE)
  } else if (header.tag != IO_REPARSE_TAG_MOUNT_POINT) {
    return os_error(ERROR_REPARSE_TAG_MISMATCH, "link_target " + path + ": reparse tag " +
                                                    std::to_string(header.tag) +
                                                    " is no symbolic link or junction");
  }
  // The print name is what the link's creator wrote; junctions made by some tools leave it
  // empty, and then the substitute name without its NT prefix says the same.
  const bool use_print = header.print_length > 0;
  const std::size_t offset =
      names_start + (use_print ? header.print_offset : header.substitute_offset);
  const std::size_t length = use_print ? header.print_length : header.substitute_length;
  if (offset + length > returned || length % sizeof(wchar_t) != 0) {
    return os_error(ERROR_INVALID_REPARSE_DATA, "FSCTL_GET_REPARSE_POINT " + path);
  }
  std::wstring target(length / sizeof(wchar_t), L'\0');
  std::memcpy(target.data(), buffer.data() + offset, length);
  if (!use_print && std::wstring_view(target).substr(0, kNtPrefix.size()) == kNtPrefix) {
    target.erase(0, kNtPrefix.size());
  }
  return win32::to_utf8(target);
}

}  // namespace capprobe::platform
