// File operations shared by the exercise calls and remove_tree: paths in UTF-16, directory
// entries as FindFirstFileW reports them, and file facts from an open handle.
#pragma once

#include <windows.h>

#include <string>
#include <vector>

#include "platform/platform.hpp"

namespace capprobe::platform::win32 {

// A path for the W functions. '/' stays as it is: Win32 takes both separators in ordinary
// paths, so "C:\Temp/capprobe-x/link" from a probe's join works unchanged.
Result<std::wstring> wide_path(const std::string& path);

// `parent` + "\" + `name` without doubling a separator.
std::wstring join(const std::wstring& parent, const std::wstring& name);

// One directory entry with the entry's own attributes: a link's, never its target's.
struct DirEntry {
  std::wstring name;
  DWORD attributes = 0;
  DWORD reparse_tag = 0;  // when attributes has FILE_ATTRIBUTE_REPARSE_POINT
};

// Every entry but "." and "..", in the directory's order; `shown` names it in errors.
Result<std::vector<DirEntry>> entries_of(const std::wstring& dir, const std::string& shown);

// Reparse points that are links to somewhere else: symbolic links and junctions (mount points,
// which also hold mounted volumes). Others (AF_UNIX sockets, deduplicated or cloud files) are
// the file itself.
bool is_link_tag(DWORD tag);

// lstat (follow_links false) or stat: the entry itself or what it finally leads to.
Result<FileInfo> file_info(const std::string& path, bool follow_links);

// Removes the entry at `path` itself (a file, an empty directory, a link: never what a link
// leads to) through a handle opened on it with FILE_FLAG_OPEN_REPARSE_POINT and marked for
// deletion. `listed_attributes` is what the directory listing or GetFileAttributesW showed:
// when it says reparse point and the handle does not, the handle leads past the link (Wine 8
// does that with Unix symbolic links, and then deletes their targets), and nothing is removed.
Result<Done> delete_entry(const std::wstring& path, DWORD listed_attributes,
                          const std::string& shown);

}  // namespace capprobe::platform::win32
