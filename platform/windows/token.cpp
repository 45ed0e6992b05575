// token and account_name: who this process is (its token's user, groups, privileges, integrity
// level and elevation, GetTokenInformation) and what account a SID names (LookupAccountSidW).
#include <windows.h>
// After windows.h, which it needs.
#include <sddl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "platform/windows/handles.hpp"
#include "platform/windows/utf16.hpp"
#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {

using win32::last_error;
using win32::os_error;

namespace {

// One information class of the token, in a buffer of the size the first call asks for.
Result<std::vector<std::uint8_t>> token_information(HANDLE token, TOKEN_INFORMATION_CLASS kind,
                                                    const char* shown) {
  DWORD size = 0;
  ::GetTokenInformation(token, kind, nullptr, 0, &size);
  if (size == 0) return last_error("GetTokenInformation", shown);
  std::vector<std::uint8_t> buffer(size);
  if (!::GetTokenInformation(token, kind, buffer.data(), size, &size)) {
    return last_error("GetTokenInformation", shown);
  }
  return buffer;
}

Result<std::string> sid_text(PSID sid) {
  wchar_t* text = nullptr;
  if (!::ConvertSidToStringSidW(sid, &text)) return last_error("ConvertSidToStringSidW");
  std::string out = win32::to_utf8(text);
  ::LocalFree(text);
  return out;
}

// LookupAccountSidW on this machine: it asks a domain controller only for a domain's SIDs.
Result<AccountName> lookup_account(PSID sid, const std::string& shown) {
  DWORD name_size = 0;
  DWORD domain_size = 0;
  SID_NAME_USE use{};
  ::LookupAccountSidW(nullptr, sid, nullptr, &name_size, nullptr, &domain_size, &use);
  if (name_size == 0) return last_error("LookupAccountSidW", shown);
  std::wstring name(name_size, L'\0');
  std::wstring domain(domain_size, L'\0');
  if (!::LookupAccountSidW(nullptr, sid, name.data(), &name_size, domain.data(), &domain_size,
                           &use)) {
    return last_error("LookupAccountSidW", shown);
  }
  // On success the sizes count the characters without the terminating NUL.
  name.resize(name_size);
  domain.resize(domain_size);
  return AccountName{win32::to_utf8(name), win32::to_utf8(domain)};
}

Result<std::string> privilege_name(LUID luid) {
  DWORD size = 0;
  ::LookupPrivilegeNameW(nullptr, &luid, nullptr, &size);
  if (size == 0) return last_error("LookupPrivilegeNameW");
  std::wstring name(size, L'\0');
  if (!::LookupPrivilegeNameW(nullptr, &luid, name.data(), &size)) {
    return last_error("LookupPrivilegeNameW");
  }
  name.resize(size);  // without the NUL, on success
  return win32::to_utf8(name);
}

Result<Done> read_user(HANDLE token, TokenFacts& facts) {
  auto buffer = token_information(token, TokenUser, "TokenUser");
  if (!buffer) return buffer.error();
  const auto* user = reinterpret_cast<const TOKEN_USER*>(buffer.value().data());
  auto sid = sid_text(user->User.Sid);
  if (!sid) return sid.error();
  facts.user_sid = std::move(sid).value();
  // A SID that names no account (a SID of a deleted user, a container's unknown virtual
  // account) still is the identity: the names stay unknown.
  if (auto account = lookup_account(user->User.Sid, facts.user_sid)) {
    facts.user_name = account.value().name;
    facts.domain = account.value().domain;
  }
  return Done{};
}

Result<Done> read_groups(HANDLE token, TokenFacts& facts) {
  auto buffer = token_information(token, TokenGroups, "TokenGroups");
  if (!buffer) return buffer.error();
  const auto* groups = reinterpret_cast<const TOKEN_GROUPS*>(buffer.value().data());
  for (DWORD i = 0; i < groups->GroupCount; ++i) {
    auto sid = sid_text(groups->Groups[i].Sid);
    if (!sid) return sid.error();
    facts.group_sids.push_back(std::move(sid).value());
  }
  return Done{};
}

Result<Done> read_privileges(HANDLE token, TokenFacts& facts) {
  auto buffer = token_information(token, TokenPrivileges, "TokenPrivileges");
  if (!buffer) return buffer.error();
  const auto* privileges = reinterpret_cast<const TOKEN_PRIVILEGES*>(buffer.value().data());
  for (DWORD i = 0; i < privileges->PrivilegeCount; ++i) {
    const auto& held = privileges->Privileges[i];
    auto name = privilege_name(held.Luid);
    if (!name) return name.error();
    facts.privileges.push_back(
        TokenPrivilege{std::move(name).value(), (held.Attributes & SE_PRIVILEGE_ENABLED) != 0});
  }
  return Done{};
}

}  // namespace

Result<TokenFacts> WindowsPlatform::token() const {
  HANDLE raw = nullptr;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &raw)) {
    return last_error("OpenProcessToken");
  }
  const win32::UniqueHandle token(raw);
  TokenFacts facts;
  if (auto user = read_user(token.get(), facts); !user) return user.error();
  if (auto groups = read_groups(token.get(), facts); !groups) return groups.error();
  if (auto privileges = read_privileges(token.get(), facts); !privileges) {
    return privileges.error();
  }
  // Both optional: a token too old to carry them (before Vista) leaves them unknown.
  if (auto label = token_information(token.get(), TokenIntegrityLevel, "TokenIntegrityLevel")) {
    const auto* mandatory = reinterpret_cast<const TOKEN_MANDATORY_LABEL*>(label.value().data());
    if (auto sid = sid_text(mandatory->Label.Sid)) facts.integrity_level = sid.value();
  }
  TOKEN_ELEVATION elevation{};
  DWORD size = 0;
  if (::GetTokenInformation(token.get(), TokenElevation, &elevation, sizeof elevation, &size)) {
    facts.elevated = elevation.TokenIsElevated != 0;
  }
  return facts;
}

Result<AccountName> WindowsPlatform::account_name(const std::string& sid) const {
  auto wide = win32::to_utf16(sid);
  if (!wide) return wide.error();
  PSID binary = nullptr;
  // ERROR_INVALID_SID for text that is no SID.
  if (!::ConvertStringSidToSidW(wide.value().c_str(), &binary)) {
    return last_error("ConvertStringSidToSidW", sid);
  }
  auto account = lookup_account(binary, sid);
  ::LocalFree(binary);
  return account;
}

}  // namespace capprobe::platform
