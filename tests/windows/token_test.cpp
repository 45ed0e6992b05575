// The token and accounts: who this process is, checked against the token itself, and what
// LookupAccountSidW answers for a SID that names an account, one that names none, and text that
// is no SID.
#include <windows.h>
// After windows.h, which it needs.
#include <sddl.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "platform/windows/windows_platform.hpp"
#include "tests/windows/windows_test_support.hpp"

using namespace capprobe::platform;
using capprobe::testing::wine_version;

namespace {

// The token's user SID, read here without the platform.
std::vector<BYTE> own_user_sid() {
  HANDLE token = nullptr;
  REQUIRE(::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token));
  DWORD size = 0;
  ::GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  std::vector<BYTE> buffer(size);
  REQUIRE(::GetTokenInformation(token, TokenUser, buffer.data(), size, &size));
  ::CloseHandle(token);
  const auto* user = reinterpret_cast<const TOKEN_USER*>(buffer.data());
  const auto* sid = static_cast<const BYTE*>(user->User.Sid);
  return std::vector<BYTE>(sid, sid + ::GetLengthSid(user->User.Sid));
}

bool round_trips_to(const std::string& text, std::vector<BYTE> expected) {
  const std::wstring wide(text.begin(), text.end());  // SIDs are ASCII
  PSID sid = nullptr;
  if (!::ConvertStringSidToSidW(wide.c_str(), &sid)) return false;
  const bool same = ::EqualSid(sid, expected.data()) != FALSE;
  ::LocalFree(sid);
  return same;
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

}  // namespace

TEST_CASE("token: a user SID that ConvertStringSidToSidW turns back into the token's own") {
  const auto token = WindowsPlatform().token();
  REQUIRE(token.ok());
  const auto& facts = token.value();
  INFO("user " << facts.user_sid);
  CHECK(starts_with(facts.user_sid, "S-1-"));
  CHECK(round_trips_to(facts.user_sid, own_user_sid()));
  REQUIRE(facts.user_name.has_value());  // this process's own account is known here
  CHECK_FALSE(facts.user_name->empty());
  CHECK(facts.domain.has_value());
}

TEST_CASE("token: groups as SIDs, Everyone among them, and named privileges") {
  const auto token = WindowsPlatform().token();
  REQUIRE(token.ok());
  const auto& facts = token.value();
  REQUIRE_FALSE(facts.group_sids.empty());
  for (const auto& sid : facts.group_sids) CHECK(starts_with(sid, "S-1-"));
  CHECK(std::count(facts.group_sids.begin(), facts.group_sids.end(), "S-1-1-0") == 1);
  REQUIRE_FALSE(facts.privileges.empty());
  for (const auto& privilege : facts.privileges) {
    CHECK(starts_with(privilege.name, "Se"));
    CHECK(privilege.name.size() > std::string("SePrivilege").size());
  }
  // Every token holds SeChangeNotifyPrivilege ("bypass traverse checking"), enabled.
  const auto notify =
      std::find_if(facts.privileges.begin(), facts.privileges.end(),
                   [](const auto& p) { return p.name == "SeChangeNotifyPrivilege"; });
  REQUIRE(notify != facts.privileges.end());
  CHECK(notify->enabled);
}

TEST_CASE("token: the integrity level is a mandatory label SID, and elevation is known") {
  const auto token = WindowsPlatform().token();
  REQUIRE(token.ok());
  REQUIRE(token.value().integrity_level.has_value());
  CHECK(starts_with(*token.value().integrity_level, "S-1-16-"));
  CHECK(token.value().elevated.has_value());
  if (wine_version()) {
    // Wine's default token is an elevated administrator's, at high integrity.
    CHECK(*token.value().integrity_level == "S-1-16-12288");
    CHECK(*token.value().elevated);
  }
}

TEST_CASE("account_name: this process's user and the well-known SYSTEM and Everyone") {
  WindowsPlatform os;
  const auto token = os.token().value();
  const auto self = os.account_name(token.user_sid);
  REQUIRE(self.ok());
  CHECK(self.value().name == token.user_name);
  CHECK(self.value().domain == token.domain);
  const auto system = os.account_name("S-1-5-18");
  REQUIRE(system.ok());
  CHECK_FALSE(system.value().name.empty());  // "SYSTEM", localised on some Windows
  const auto everyone = os.account_name("S-1-1-0");
  REQUIRE(everyone.ok());
  CHECK(everyone.value().domain.empty());  // a well-known group of no domain
  if (wine_version()) {
    CHECK(system.value().name == "SYSTEM");
    CHECK(system.value().domain == "NT AUTHORITY");
    CHECK(everyone.value().name == "Everyone");
  }
}

TEST_CASE("account_name: a SID of no account is ERROR_NONE_MAPPED (absent), no SID is an error") {
  WindowsPlatform os;
  // A machine-domain SID with made-up sub-authorities: no account anywhere has it.
  const auto none = os.account_name("S-1-5-21-1-2-3-4444");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().name == "ERROR_NONE_MAPPED");
  CHECK(none.error().is_absent());
  const auto bad = os.account_name("not a SID");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().name == "ERROR_INVALID_SID");
  CHECK(bad.error().context == "ConvertStringSidToSidW not a SID");
}
