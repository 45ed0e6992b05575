// make_symlink: CreateSymbolicLinkW as an unprivileged process may call it, a file or a
// directory link as the target is; create_symbolic_link: one call with exactly the flags asked.
// Success means that the call said so: whether a link exists and leads to its target is for the
// caller to prove by reading through it (Wine 8, for one, answers TRUE and creates nothing).
#include <windows.h>

#include <string>

#include "platform/windows/file_ops.hpp"
#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {
namespace {

bool is_absolute(const std::wstring& path) {
  const bool drive = path.size() >= 2 && path[1] == L':';
  const bool rooted = !path.empty() && (path[0] == L'\\' || path[0] == L'/');
  return drive || rooted;
}

// Where a relative target is looked up: beside the link, as the link will resolve it.
std::wstring as_seen_from(const std::wstring& link, const std::wstring& target) {
  if (is_absolute(target)) return target;
  const auto slash = link.find_last_of(L"\\/");
  return slash == std::wstring::npos ? target : link.substr(0, slash + 1) + target;
}

// The target text the link will hold. An absolute target becomes an NT path for resolving (its
// "/" turned into "\\"), and its text as given is kept as the link's print name, which
// link_target reads back. A relative target is stored as it is, and a "/" in it would be taken as
// part of a name: store backslashes.
std::wstring stored_target(std::wstring target) {
  if (!is_absolute(target)) {
    for (auto& character : target) {
      if (character == L'/') character = L'\\';
    }
  }
  return target;
}

}  // namespace

Result<Done> WindowsPlatform::create_symbolic_link(const SymbolicLinkRequest& request) const {
  auto link = win32::wide_path(request.link_path);
  if (!link) return link.error();
  auto target = win32::wide_path(request.target);
  if (!target) return target.error();
  DWORD flags = 0;
  if (request.directory) flags |= SYMBOLIC_LINK_FLAG_DIRECTORY;
  if (request.allow_unprivileged) flags |= SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE;
  // No retry and no second guess: the probe asks each way itself and judges each answer.
  if (!::CreateSymbolicLinkW(link.value().c_str(), stored_target(target.value()).c_str(), flags)) {
    return win32::last_error("CreateSymbolicLinkW", request.link_path);
  }
  return Done{};
}

Result<Done> WindowsPlatform::make_symlink(const std::string& target,
                                           const std::string& link_path) {
  auto link = win32::wide_path(link_path);
  if (!link) return link.error();
  auto wide_target = win32::wide_path(target);
  if (!wide_target) return wide_target.error();
  const std::wstring stored = stored_target(wide_target.value());
  // A directory link must say so when it is made; a link to nothing is a file link.
  const DWORD target_attributes = ::GetFileAttributesW(as_seen_from(link.value(), stored).c_str());
  DWORD flags = 0;
  if (target_attributes != INVALID_FILE_ATTRIBUTES &&
      (target_attributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
    flags |= SYMBOLIC_LINK_FLAG_DIRECTORY;
  }
  // Developer Mode lets unprivileged processes create links when they ask with this flag;
  // builds before 14972 do not know the flag and answer ERROR_INVALID_PARAMETER, so ask again
  // without it. Without Developer Mode, ERROR_PRIVILEGE_NOT_HELD: the token lacks
  // SeCreateSymbolicLinkPrivilege (ContainerUser does, ContainerAdministrator has it).
  if (::CreateSymbolicLinkW(link.value().c_str(), stored.c_str(),
                            flags | SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE)) {
    return Done{};
  }
  if (::GetLastError() != ERROR_INVALID_PARAMETER) {
    return win32::last_error("CreateSymbolicLinkW", link_path);
  }
  if (!::CreateSymbolicLinkW(link.value().c_str(), stored.c_str(), flags)) {
    return win32::last_error("CreateSymbolicLinkW", link_path);
  }
  return Done{};
}

}  // namespace capprobe::platform
