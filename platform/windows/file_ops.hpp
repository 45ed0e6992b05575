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

}  // namespace capprobe::platform::win32
