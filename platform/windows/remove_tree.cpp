// Removing a scratch tree safely. A reparse point (a symbolic link, a junction, a mounted
// volume) is removed as an entry and never entered, so whatever it leads to is never touched;
// a directory on another volume is not entered either. Each directory being emptied is held
// open without FILE_SHARE_DELETE, so nobody can swap it for a link while we work below it, and
// every entry is deleted through a handle on the entry itself (file_ops.hpp, delete_entry).
// Safety over completeness: what may not be removed stays, and the first such failure is the
// answer.
// Under Wine 8 this is not enough: a Unix symbolic link in a Wine drive looks like its target
// (a link to a file without any trace, a link to a directory as a reparse point whose handle
// still leads to the target), and deleting it deletes the target. The directory kind is
// refused; the file kind cannot be told from a file. Windows has no such links.
#include <windows.h>

#include <optional>
#include <string>
#include <utility>

#include "platform/windows/file_ops.hpp"
#include "platform/windows/handles.hpp"
#include "platform/windows/utf16.hpp"
#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {
namespace {

using win32::last_error;
using win32::os_error;

// Scratch trees are a few levels deep; a deeper tree is something we did not make.
constexpr int kMaxDepth = 128;

bool already_gone(DWORD error) {
  return error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND;
}

// The directory itself, opened without following a reparse point and pinned against rename and
// delete (no FILE_SHARE_DELETE) until the handle closes. Without DELETE access itself: the
// directory is listed by path while pinned, and a listing's open (FindFirstFileW) does not
// share delete access.
struct PinnedDirectory {
  win32::UniqueHandle handle;
  BY_HANDLE_FILE_INFORMATION facts{};
};

Result<PinnedDirectory> pin(const std::wstring& path, const std::string& shown) {
  PinnedDirectory dir;
  dir.handle = win32::UniqueHandle(::CreateFileW(
      path.c_str(), FILE_READ_ATTRIBUTES | FILE_LIST_DIRECTORY, FILE_SHARE_READ | FILE_SHARE_WRITE,
      nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
  if (!dir.handle.valid()) return last_error("CreateFileW", shown);
  if (!::GetFileInformationByHandle(dir.handle.get(), &dir.facts)) {
    return last_error("GetFileInformationByHandle", shown);
  }
  return dir;
}

bool is_reparse_point(DWORD attributes) {
  return (attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
}

bool is_directory(DWORD attributes) {
  return (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
}

class TreeRemover {
 public:
  explicit TreeRemover(DWORD volume) : volume_(volume) {}

  // Empties the directory at `path` (pinned by the caller); `shown` names it in messages.
  void empty(const std::wstring& path, const std::string& shown, int depth) {
    if (depth > kMaxDepth) {
      note(os_error(ERROR_FILENAME_EXCED_RANGE, "remove_tree " + shown + ": deeper than " +
                                                    std::to_string(kMaxDepth) +
                                                    " levels, not entered"));
      return;
    }
    auto entries = win32::entries_of(path, shown);  // all names first, then the removals
    if (!entries) {
      note(entries.error());
      return;
    }
    for (const auto& entry : entries.value()) remove_entry(path, shown, entry, depth);
  }

  const std::optional<OsError>& first_error() const { return first_error_; }

 private:
  void remove_entry(const std::wstring& parent, const std::string& parent_shown,
                    const win32::DirEntry& entry, int depth) {
    const std::wstring child = win32::join(parent, entry.name);
    const std::string shown = parent_shown + "\\" + win32::to_utf8(entry.name);
    // Files, and every reparse point: the entry itself goes (for a directory link or a junction,
    // the link, not its target).
    if (!is_directory(entry.attributes) || is_reparse_point(entry.attributes)) {
      const auto removed = win32::delete_entry(child, entry.attributes, shown);
      if (!removed && !already_gone(static_cast<DWORD>(removed.error().code))) {
        note(removed.error());
      }
      return;
    }
    auto pinned = pin(child, shown);
    if (!pinned) {
      if (!already_gone(static_cast<DWORD>(pinned.error().code))) note(pinned.error());
      return;
    }
    PinnedDirectory dir = std::move(pinned).value();
    // The listing is older than the handle: the entry may have become a link meanwhile.
    if (is_reparse_point(dir.facts.dwFileAttributes)) {
      note(os_error(ERROR_BUSY, "remove_tree " + shown + ": changed while being removed"));
      return;
    }
    if (dir.facts.dwVolumeSerialNumber != volume_) {
      note(os_error(ERROR_NOT_SAME_DEVICE,
                    "remove_tree " + shown + ": another volume, not entered"));
      return;
    }
    empty(child, shown, depth + 1);
    // Unpinned for the delete's own handle, which checks that it opened a directory and not a
    // link put there meanwhile. A directory not emptied refuses (ERROR_DIR_NOT_EMPTY).
    dir.handle.reset();
    const auto removed = win32::delete_entry(child, entry.attributes, shown);
    if (!removed && !already_gone(static_cast<DWORD>(removed.error().code))) note(removed.error());
  }

  void note(OsError error) {
    if (!first_error_) first_error_ = std::move(error);
  }

  DWORD volume_;
  std::optional<OsError> first_error_;
};

// "C:\", "C:", "\", "\\server\share\": roots are never anyone's scratch tree.
bool is_root(const std::wstring& path) {
  std::wstring trimmed = path;
  while (!trimmed.empty() && (trimmed.back() == L'\\' || trimmed.back() == L'/'))
    trimmed.pop_back();
  if (trimmed.empty()) return true;
  if (trimmed.size() == 2 && trimmed[1] == L':') return true;
  wchar_t root[MAX_PATH + 1] = {};
  if (::GetVolumePathNameW(path.c_str(), root, MAX_PATH + 1)) {
    std::wstring volume = root;
    while (!volume.empty() && (volume.back() == L'\\' || volume.back() == L'/')) volume.pop_back();
    if (_wcsicmp(volume.c_str(), trimmed.c_str()) == 0) return true;
  }
  return false;
}

}  // namespace

Result<Done> WindowsPlatform::remove_tree(const std::string& given) {
  auto wide = win32::wide_path(given);
  if (!wide) return wide.error();
  if (is_root(wide.value())) {
    return os_error(ERROR_INVALID_PARAMETER, "remove_tree refuses '" + given + "'");
  }
  const DWORD attributes = ::GetFileAttributesW(wide.value().c_str());
  if (attributes == INVALID_FILE_ATTRIBUTES) return last_error("GetFileAttributesW", given);
  // A file or a link at the top: that entry only.
  if (!is_directory(attributes) || is_reparse_point(attributes)) {
    return win32::delete_entry(wide.value(), attributes, given);
  }
  auto pinned = pin(wide.value(), given);
  if (!pinned) return pinned.error();
  PinnedDirectory top = std::move(pinned).value();
  if (is_reparse_point(top.facts.dwFileAttributes)) {
    return os_error(ERROR_BUSY, "remove_tree " + given + ": changed while being removed");
  }
  TreeRemover remover(top.facts.dwVolumeSerialNumber);
  remover.empty(wide.value(), given, 0);
  top.handle.reset();
  if (remover.first_error()) return *remover.first_error();
  return win32::delete_entry(wide.value(), attributes, given);
}

}  // namespace capprobe::platform
