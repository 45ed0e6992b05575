// Windows implementation of durable_file.hpp: directories that only this process's user may
// use (a protected DACL naming the user's SID, the counterpart of mode 0700), and the durable
// write through platform/output_file (temp file, FlushFileBuffers, MoveFileExW with
// MOVEFILE_WRITE_THROUGH: NTFS journals the rename, so there is no directory to flush).
#include <windows.h>
// After windows.h, which it needs.
#include <sddl.h>

#include <cstdint>
#include <filesystem>
#include <vector>

#include "platform/output_file.hpp"
#include "platform/process/durable_file.hpp"
#include "platform/windows/handles.hpp"
#include "platform/windows/utf16.hpp"
#include "platform/windows/win32_errors.hpp"

namespace capprobe::platform {
namespace {

using win32::UniqueHandle;

std::string failure(const std::string& what, DWORD code) {
  return what + ": " + win32::error_name(code);
}

// The token user's SID as text ("S-1-5-21-...", "S-1-5-19" for LOCAL SERVICE).
std::string user_sid(std::wstring& sid) {
  HANDLE raw = nullptr;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &raw))
    return failure("OpenProcessToken", ::GetLastError());
  const UniqueHandle token(raw);
  DWORD size = 0;
  ::GetTokenInformation(token.get(), TokenUser, nullptr, 0, &size);
  std::vector<std::uint8_t> buffer(size);
  if (size == 0 || !::GetTokenInformation(token.get(), TokenUser, buffer.data(), size, &size))
    return failure("GetTokenInformation TokenUser", ::GetLastError());
  wchar_t* text = nullptr;
  if (!::ConvertSidToStringSidW(reinterpret_cast<const TOKEN_USER*>(buffer.data())->User.Sid,
                                &text))
    return failure("ConvertSidToStringSidW", ::GetLastError());
  sid = text;
  ::LocalFree(text);
  return "";
}

// "D:P(A;OICI;FA;;;<sid>)": protected (nothing inherited from a shared parent such as
// C:\ProgramData), full control for this user only, inherited by every file and directory
// created below. The user's own SID rather than OWNER RIGHTS: an elevated token's objects may be
// owned by the Administrators group, and Wine maps an OW entry to Unix mode 000.
class OwnerOnly {
 public:
  std::string init() {
    std::wstring sid;
    if (auto problem = user_sid(sid); !problem.empty()) return problem;
    const auto sddl = L"D:P(A;OICI;FA;;;" + sid + L")";
    if (!::ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1,
                                                                &descriptor_, nullptr))
      return failure("ConvertStringSecurityDescriptorToSecurityDescriptorW", ::GetLastError());
    attributes_.lpSecurityDescriptor = descriptor_;
    return "";
  }
  ~OwnerOnly() {
    if (descriptor_ != nullptr) ::LocalFree(descriptor_);
  }
  SECURITY_ATTRIBUTES* attributes() { return &attributes_; }

 private:
  PSECURITY_DESCRIPTOR descriptor_ = nullptr;
  SECURITY_ATTRIBUTES attributes_{sizeof(SECURITY_ATTRIBUTES), nullptr, FALSE};
};

std::string shown(const std::filesystem::path& path) {
  return win32::to_utf8(path.native());
}

}  // namespace

std::string make_private_dirs(const std::string& dir) {
  if (dir.empty()) return "empty directory name";
  const auto wide = win32::to_utf16(dir);
  if (!wide) return dir + ": " + wide.error().describe();
  namespace fs = std::filesystem;
  std::vector<fs::path> missing;
  fs::path at = fs::path(wide.value()).lexically_normal();
  std::error_code code;
  while (!at.empty() && !fs::exists(at, code)) {
    missing.push_back(at);
    if (at == at.parent_path()) break;
    at = at.parent_path();
  }
  if (!missing.empty()) {
    OwnerOnly owner_only;
    if (auto problem = owner_only.init(); !problem.empty()) return problem;
    for (auto it = missing.rbegin(); it != missing.rend(); ++it)
      if (!::CreateDirectoryW(it->c_str(), owner_only.attributes()) &&
          ::GetLastError() != ERROR_ALREADY_EXISTS)
        return failure("creating " + shown(*it), ::GetLastError());
  }
  // An existing directory is left as it is, but it must be one we can add files to.
  const UniqueHandle handle(::CreateFileW(wide.value().c_str(), FILE_ADD_FILE | FILE_LIST_DIRECTORY,
                                          FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                          nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS,
                                          nullptr));
  if (!handle.valid()) return failure(dir, ::GetLastError());
  BY_HANDLE_FILE_INFORMATION info{};
  if (!::GetFileInformationByHandle(handle.get(), &info))
    return failure("GetFileInformationByHandle " + dir, ::GetLastError());
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) == 0) return dir + " is not a directory";
  return "";
}

std::string write_durably(const std::string& dir, const std::string& temp_name,
                          const std::string& final_name, std::string_view content, unsigned) {
  // The file takes the directory's inherited ACL (the spool's is owner-only, make_private_dirs);
  // POSIX mode bits have no meaning here.
  OutputOptions options;
  options.temp_name = temp_name;
  options.durable = true;
  const bool separated = !dir.empty() && (dir.back() == '\\' || dir.back() == '/');
  return platform::write_output_file(dir + (separated ? "" : "\\") + final_name, content, options);
}

}  // namespace capprobe::platform
