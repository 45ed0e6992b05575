// Paths, directory listings and file facts through handles; every failure comes back as an
// OsError naming the call and the path.
#include "platform/windows/file_ops.hpp"

#include <cstdint>

#include "platform/windows/handles.hpp"
#include "platform/windows/utf16.hpp"
#include "platform/windows/win32_errors.hpp"

namespace capprobe::platform::win32 {
namespace {

// Not in mingw-w64's headers yet: the tag of an AF_UNIX socket's file (Windows 10 1803+).
constexpr DWORD kReparseTagAfUnix = 0x80000023;

// 100 ns intervals between 1601-01-01 (FILETIME's epoch) and 1970-01-01.
constexpr std::uint64_t kUnixEpochAsFileTime = 116444736000000000ull;

std::uint64_t combine(DWORD high, DWORD low) {
  return (static_cast<std::uint64_t>(high) << 32) | low;
}

std::int64_t unix_seconds(const FILETIME& time) {
  const auto ticks = combine(time.dwHighDateTime, time.dwLowDateTime);
  return (static_cast<std::int64_t>(ticks) - static_cast<std::int64_t>(kUnixEpochAsFileTime)) /
         10'000'000;
}

FileKind kind_of(DWORD attributes, DWORD reparse_tag, DWORD file_type, bool followed) {
  if ((attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
    if (reparse_tag == kReparseTagAfUnix) return FileKind::socket;
    if (!followed && is_link_tag(reparse_tag)) return FileKind::symlink;
  }
  if ((attributes & FILE_ATTRIBUTE_DIRECTORY) != 0) return FileKind::directory;
  switch (file_type) {
    case FILE_TYPE_DISK:
      return FileKind::regular;
    case FILE_TYPE_CHAR:
      return FileKind::char_device;
    case FILE_TYPE_PIPE:
      return FileKind::fifo;
    default:
      return FileKind::other;
  }
}

// Windows has ACLs, not permission bits: this is the C runtime's stat() convention (read-only
// attribute -> r--, else rw-, directories also x, for owner, group and others alike), so that
// code reading `mode` sees a plausible value and never a set-id or sticky bit. Except that a
// directory is always rwx: Windows does not enforce the read-only attribute on directories
// (Explorer uses it to mark customised folders).
std::uint32_t mode_of(DWORD attributes) {
  if ((attributes & FILE_ATTRIBUTE_DIRECTORY) != 0) return 0777;
  return (attributes & FILE_ATTRIBUTE_READONLY) != 0 ? 0444 : 0666;
}

}  // namespace

Result<std::wstring> wide_path(const std::string& path) {
  if (path.empty()) return os_error(ERROR_PATH_NOT_FOUND, "an empty path");
  auto wide = to_utf16(path);
  if (!wide) return wide.error();
  return std::move(wide).value();
}

std::wstring join(const std::wstring& parent, const std::wstring& name) {
  if (parent.empty()) return name;
  if (parent.back() == L'\\' || parent.back() == L'/') return parent + name;
  return parent + L"\\" + name;
}

bool is_link_tag(DWORD tag) {
  return tag == IO_REPARSE_TAG_SYMLINK || tag == IO_REPARSE_TAG_MOUNT_POINT;
}

Result<std::vector<DirEntry>> entries_of(const std::wstring& dir, const std::string& shown) {
  WIN32_FIND_DATAW found{};
  const FindHandle search(::FindFirstFileW(join(dir, L"*").c_str(), &found));
  std::vector<DirEntry> entries;
  if (!search.valid()) {
    // A drive's root may hold no entry at all, not even "." and ".."; anywhere else this error
    // means the directory itself is missing.
    if (::GetLastError() == ERROR_FILE_NOT_FOUND) {
      const DWORD attributes = ::GetFileAttributesW(dir.c_str());
      if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
        return entries;
      }
      return os_error(ERROR_FILE_NOT_FOUND, "FindFirstFileW " + shown);
    }
    return last_error("FindFirstFileW", shown);
  }
  do {
    const std::wstring_view name = found.cFileName;
    if (name == L"." || name == L"..") continue;
    const bool reparse = (found.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
    entries.push_back(
        DirEntry{std::wstring(name), found.dwFileAttributes, reparse ? found.dwReserved0 : 0});
  } while (::FindNextFileW(search.get(), &found));
  if (::GetLastError() != ERROR_NO_MORE_FILES) return last_error("FindNextFileW", shown);
  return entries;
}

Result<FileInfo> file_info(const std::string& path, bool follow_links) {
  auto wide = wide_path(path);
  if (!wide) return wide.error();
  // FILE_READ_ATTRIBUTES and every share mode: looking never disturbs another process's use
  // of the file. BACKUP_SEMANTICS opens directories too.
  DWORD flags = FILE_FLAG_BACKUP_SEMANTICS;
  if (!follow_links) flags |= FILE_FLAG_OPEN_REPARSE_POINT;
  const UniqueHandle file(::CreateFileW(wide.value().c_str(), FILE_READ_ATTRIBUTES,
                                        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                        nullptr, OPEN_EXISTING, flags, nullptr));
  if (!file.valid()) {
    return last_error(follow_links ? "CreateFileW" : "CreateFileW FILE_FLAG_OPEN_REPARSE_POINT",
                      path);
  }
  BY_HANDLE_FILE_INFORMATION facts{};
  if (!::GetFileInformationByHandle(file.get(), &facts)) {
    return last_error("GetFileInformationByHandle", path);
  }
  DWORD tag = 0;
  if ((facts.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
    FILE_ATTRIBUTE_TAG_INFO tag_info{};
    if (!::GetFileInformationByHandleEx(file.get(), FileAttributeTagInfo, &tag_info,
                                        sizeof tag_info)) {
      return last_error("GetFileInformationByHandleEx FileAttributeTagInfo", path);
    }
    tag = tag_info.ReparseTag;
  }
  FileInfo info;
  info.kind = kind_of(facts.dwFileAttributes, tag, ::GetFileType(file.get()), follow_links);
  info.mode = mode_of(facts.dwFileAttributes);
  info.device = facts.dwVolumeSerialNumber;  // a volume's serial: equal on the same volume
  info.inode = combine(facts.nFileIndexHigh, facts.nFileIndexLow);
  info.size = combine(facts.nFileSizeHigh, facts.nFileSizeLow);
  info.modified_unix = unix_seconds(facts.ftLastWriteTime);
  return info;  // uid and gid stay 0: Windows owners are SIDs, which FileInfo has no room for
}

Result<Done> delete_entry(const std::wstring& path, DWORD listed_attributes,
                          const std::string& shown) {
  // The handle, not the name, is what gets deleted: the entry checked is the entry removed.
  const UniqueHandle entry(
      ::CreateFileW(path.c_str(), DELETE | FILE_READ_ATTRIBUTES,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                    FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, nullptr));
  if (!entry.valid()) return last_error("CreateFileW DELETE", shown);
  BY_HANDLE_FILE_INFORMATION facts{};
  if (!::GetFileInformationByHandle(entry.get(), &facts)) {
    return last_error("GetFileInformationByHandle", shown);
  }
  const bool listed_as_link = (listed_attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
  const bool opened_as_link = (facts.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
  if (listed_as_link != opened_as_link) {
    return os_error(ERROR_REPARSE_TAG_MISMATCH,
                    "delete " + shown +
                        ": the entry opened is not the entry listed (a link "
                        "followed despite FILE_FLAG_OPEN_REPARSE_POINT); not removed");
  }
  // Deleted when the handle closes; a directory that is not empty refuses here.
  FILE_DISPOSITION_INFO disposition{TRUE};
  if (!::SetFileInformationByHandle(entry.get(), FileDispositionInfo, &disposition,
                                    sizeof disposition)) {
    return last_error("SetFileInformationByHandle FileDispositionInfo", shown);
  }
  return Done{};
}

}  // namespace capprobe::platform::win32
