// make_private_dir: a fresh directory with a random name that only its owner may use, the
// Windows counterpart of mkdtemp's mode 0700.
#include <windows.h>
// After windows.h, which it needs.
#include <sddl.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "platform/windows/file_ops.hpp"
#include "platform/windows/handles.hpp"
#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {

using win32::last_error;

namespace {

// A protected DACL ("P": nothing inherited from the parent, which may be a shared temp
// directory) with one entry: full control for this process's user, inherited by everything
// created below ("OICI"). The user's own SID rather than OWNER RIGHTS ("OW"): an elevated
// token's objects may be owned by the Administrators group, and Wine maps an OW entry to Unix
// mode 000, which only root can use.
std::wstring owner_only_sddl(const std::wstring& user_sid) {
  return L"D:P(A;OICI;FA;;;" + user_sid + L")";
}

// The token user's SID as text ("S-1-5-21-...").
Result<std::wstring> user_sid() {
  HANDLE raw = nullptr;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &raw)) {
    return last_error("OpenProcessToken");
  }
  const win32::UniqueHandle token(raw);
  DWORD size = 0;
  ::GetTokenInformation(token.get(), TokenUser, nullptr, 0, &size);
  if (size == 0) return last_error("GetTokenInformation TokenUser");
  std::vector<std::uint8_t> buffer(size);
  if (!::GetTokenInformation(token.get(), TokenUser, buffer.data(), size, &size)) {
    return last_error("GetTokenInformation TokenUser");
  }
  const auto* user = reinterpret_cast<const TOKEN_USER*>(buffer.data());
  wchar_t* text = nullptr;
  if (!::ConvertSidToStringSidW(user->User.Sid, &text)) return last_error("ConvertSidToStringSidW");
  std::wstring sid = text;
  ::LocalFree(text);
  return sid;
}

// Attempts at a free name: a clash is retried, so an existing directory is never adopted.
constexpr int kAttempts = 100;

std::string random_suffix(std::mt19937_64& generator) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::uniform_int_distribution<int> pick(0, sizeof kAlphabet - 2);
  std::string suffix(8, 'x');
  for (auto& character : suffix) character = kAlphabet[pick(generator)];
  return suffix;
}

class SecurityDescriptor {
 public:
  SecurityDescriptor() = default;
  ~SecurityDescriptor() {
    if (descriptor_ != nullptr) ::LocalFree(descriptor_);
  }
  SecurityDescriptor(const SecurityDescriptor&) = delete;
  SecurityDescriptor& operator=(const SecurityDescriptor&) = delete;
  PSECURITY_DESCRIPTOR* out() { return &descriptor_; }
  PSECURITY_DESCRIPTOR get() const { return descriptor_; }

 private:
  PSECURITY_DESCRIPTOR descriptor_ = nullptr;
};

}  // namespace

Result<std::string> WindowsPlatform::make_private_dir(const std::string& parent,
                                                      const std::string& prefix) {
  const auto sid = user_sid();
  if (!sid) return sid.error();
  SecurityDescriptor descriptor;
  if (!::ConvertStringSecurityDescriptorToSecurityDescriptorW(
          owner_only_sddl(sid.value()).c_str(), SDDL_REVISION_1, descriptor.out(), nullptr)) {
    return last_error("ConvertStringSecurityDescriptorToSecurityDescriptorW");
  }
  SECURITY_ATTRIBUTES attributes{};
  attributes.nLength = sizeof attributes;
  attributes.lpSecurityDescriptor = descriptor.get();

  std::random_device entropy;  // rand_s in mingw's libstdc++: the system's random generator
  std::mt19937_64 generator((static_cast<std::uint64_t>(entropy()) << 32) ^ entropy());
  const std::string base = parent.empty() || parent.back() == '\\' || parent.back() == '/'
                               ? parent + prefix
                               : parent + "\\" + prefix;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const std::string path = base + random_suffix(generator);
    auto wide = win32::wide_path(path);
    if (!wide) return wide.error();
    if (::CreateDirectoryW(wide.value().c_str(), &attributes)) return path;
    if (::GetLastError() != ERROR_ALREADY_EXISTS) return last_error("CreateDirectoryW", path);
  }
  return win32::os_error(
      ERROR_ALREADY_EXISTS,
      "CreateDirectoryW " + base + "*: " + std::to_string(kAttempts) + " random names all taken");
}

}  // namespace capprobe::platform
