// The filesystem exercise calls: what this process itself can create, follow and remove, on the
// paths exactly as given (no system root), because the point is this process's own view.
#include <windows.h>

#include <algorithm>
#include <array>
#include <optional>
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

Result<FsInfo> WindowsPlatform::fs_info(const std::string& path) const {
  auto wide = win32::wide_path(path);
  if (!wide) return wide.error();
  // GetVolumePathNameW answers for any text, so first make sure that the path exists, as
  // statvfs would.
  if (::GetFileAttributesW(wide.value().c_str()) == INVALID_FILE_ATTRIBUTES) {
    return last_error("GetFileAttributesW", path);
  }
  std::array<wchar_t, MAX_PATH + 1> volume{};
  if (!::GetVolumePathNameW(wide.value().c_str(), volume.data(),
                            static_cast<DWORD>(volume.size()))) {
    return last_error("GetVolumePathNameW", path);
  }
  DWORD flags = 0;
  if (!::GetVolumeInformationW(volume.data(), nullptr, 0, nullptr, nullptr, &flags, nullptr, 0)) {
    return last_error("GetVolumeInformationW for", path);
  }
  ULARGE_INTEGER available{};
  ULARGE_INTEGER total{};
  if (!::GetDiskFreeSpaceExW(volume.data(), &available, &total, nullptr)) {
    return last_error("GetDiskFreeSpaceExW for", path);
  }
  FsInfo info;
  info.read_only = (flags & FILE_READ_ONLY_VOLUME) != 0;
  // Windows names filesystems ("NTFS", "ReFS") where Linux numbers them; FsInfo has no field
  // for a name yet, so the magic stays 0 ("unknown").
  info.fs_magic = 0;
  info.total_bytes = total.QuadPart;
  info.available_bytes = available.QuadPart;  // to this caller: quotas count
  return info;
}

Result<Done> WindowsPlatform::create_file_exclusive(const std::string& path,
                                                    const std::string& content) {
  auto wide = win32::wide_path(path);
  if (!wide) return wide.error();
  // CREATE_NEW fails with ERROR_FILE_EXISTS when the name exists, a link to elsewhere included:
  // never a write through someone else's file or link.
  win32::UniqueHandle file(::CreateFileW(wide.value().c_str(), GENERIC_WRITE, 0, nullptr,
                                         CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!file.valid()) return last_error("CreateFileW CREATE_NEW", path);
  std::optional<OsError> failure;
  std::size_t written = 0;
  while (written < content.size()) {
    const auto chunk =
        static_cast<DWORD>(std::min<std::size_t>(content.size() - written, 1u << 20));
    DWORD wrote = 0;
    if (!::WriteFile(file.get(), content.data() + written, chunk, &wrote, nullptr)) {
      failure = last_error("WriteFile", path);
      break;
    }
    written += wrote;
  }
  // Network redirectors may report a failed write only when the handle closes.
  if (!file.close() && !failure) failure = last_error("CloseHandle", path);
  if (failure) {
    // The file is ours (CREATE_NEW); a half-written one is residue.
    if (!::DeleteFileW(wide.value().c_str())) {
      failure->context += " (left behind: DeleteFileW " + win32::error_name(::GetLastError()) + ")";
    }
    return *failure;
  }
  return Done{};
}

Result<FillOutcome> WindowsPlatform::fill_file(const std::string& path, std::uint64_t max_bytes) {
  auto wide = win32::wide_path(path);
  if (!wide) return wide.error();
  win32::UniqueHandle file(::CreateFileW(wide.value().c_str(), GENERIC_WRITE, 0, nullptr,
                                         CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!file.valid()) return last_error("CreateFileW CREATE_NEW", path);
  static const std::string kZeros(64 * 1024, '\0');
  FillOutcome outcome;
  while (outcome.written < max_bytes) {
    const auto chunk =
        static_cast<DWORD>(std::min<std::uint64_t>(kZeros.size(), max_bytes - outcome.written));
    DWORD wrote = 0;
    if (!::WriteFile(file.get(), kZeros.data(), chunk, &wrote, nullptr)) {
      outcome.stopped_by = last_error("WriteFile", path);  // ERROR_DISK_FULL at a quota
      break;
    }
    if (wrote == 0) break;
    outcome.written += wrote;
  }
  if (!file.close() && !outcome.stopped_by) outcome.stopped_by = last_error("CloseHandle", path);
  return outcome;
}

Result<Done> WindowsPlatform::make_dir(const std::string& path) {
  auto wide = win32::wide_path(path);
  if (!wide) return wide.error();
  if (!::CreateDirectoryW(wide.value().c_str(), nullptr))
    return last_error("CreateDirectoryW", path);
  return Done{};
}

Result<std::string> WindowsPlatform::read_through(const std::string& path,
                                                  std::size_t max_bytes) const {
  auto wide = win32::wide_path(path);
  if (!wide) return wide.error();
  const win32::UniqueHandle file(::CreateFileW(
      wide.value().c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
      nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!file.valid()) return last_error("CreateFileW", path);
  // A pipe or a console would block the read (the Linux side opens with O_NONBLOCK for the
  // same reason); only files on a disk are read.
  if (::GetFileType(file.get()) != FILE_TYPE_DISK) {
    return os_error(ERROR_BAD_FILE_TYPE, "read_through " + path + ": not a file on a disk");
  }
  std::string content;
  std::array<char, 16384> chunk{};
  while (content.size() < max_bytes) {
    const auto want = static_cast<DWORD>(std::min(chunk.size(), max_bytes - content.size()));
    DWORD got = 0;
    if (!::ReadFile(file.get(), chunk.data(), want, &got, nullptr)) {
      return last_error("ReadFile", path);
    }
    if (got == 0) break;
    content.append(chunk.data(), got);
  }
  return content;
}

Result<std::vector<std::string>> WindowsPlatform::list_through(const std::string& dir) const {
  auto wide = win32::wide_path(dir);
  if (!wide) return wide.error();
  auto entries = win32::entries_of(wide.value(), dir);
  if (!entries) return entries.error();
  std::vector<std::string> names;
  for (const auto& entry : entries.value()) names.push_back(win32::to_utf8(entry.name));
  std::sort(names.begin(), names.end());  // answers must not depend on directory order
  return names;
}

Result<FileInfo> WindowsPlatform::link_info(const std::string& path) const {
  return win32::file_info(path, /*follow_links=*/false);
}

Result<FileInfo> WindowsPlatform::info_through(const std::string& path) const {
  return win32::file_info(path, /*follow_links=*/true);
}

Result<Done> WindowsPlatform::remove(const std::string& path) {
  auto wide = win32::wide_path(path);
  if (!wide) return wide.error();
  // The entry's own attributes (a link's, not its target's), checked against the handle that
  // deletes it: a link goes, what it leads to stays.
  const DWORD attributes = ::GetFileAttributesW(wide.value().c_str());
  if (attributes == INVALID_FILE_ATTRIBUTES) return last_error("GetFileAttributesW", path);
  return win32::delete_entry(wide.value(), attributes, path);
}

std::string WindowsPlatform::temp_dir() const {
  // TMP, TEMP, USERPROFILE, then the Windows directory: GetTempPathW's own order.
  std::wstring path(MAX_PATH + 1, L'\0');
  DWORD length = ::GetTempPathW(static_cast<DWORD>(path.size()), path.data());
  if (length > path.size()) {
    path.resize(length);
    length = ::GetTempPathW(static_cast<DWORD>(path.size()), path.data());
  }
  // It fails only for a buffer too small, which the retry has ruled out; but a run must have
  // somewhere to work, so the directory every Windows has.
  if (length == 0 || length > path.size()) return "C:\\Windows\\Temp";
  path.resize(length);
  while (path.size() > 3 && (path.back() == L'\\' || path.back() == L'/')) path.pop_back();
  return win32::to_utf8(path);
}

}  // namespace capprobe::platform
