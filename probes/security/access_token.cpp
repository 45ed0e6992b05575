// Naming what a Windows access token holds: its account, integrity level and privilege class.
#include "probes/security/access_token.hpp"

#include <algorithm>
#include <cctype>

#include "probes/common/json.hpp"
#include "probes/common/text.hpp"

namespace capprobe::probes::token {
namespace {

// Mandatory label rids (winnt.h SECURITY_MANDATORY_*_RID).
constexpr std::uint32_t kMediumRid = 0x2000;
constexpr std::uint32_t kHighRid = 0x3000;
constexpr std::uint32_t kSystemRid = 0x4000;

std::string upper(std::string_view s) {
  std::string out;
  for (const char c : s) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool same_sid(std::string_view a, std::string_view b) {
  return upper(a) == upper(b);
}

bool has_group(const platform::TokenFacts& token, std::string_view sid) {
  return std::any_of(token.group_sids.begin(), token.group_sids.end(),
                     [&](const std::string& group) { return same_sid(group, sid); });
}

std::optional<std::uint32_t> integrity_rid(const std::optional<std::string>& label_sid) {
  if (!label_sid) return std::nullopt;
  const auto sid = upper(*label_sid);
  constexpr std::string_view kPrefix = "S-1-16-";
  if (!text::starts_with(sid, kPrefix)) return std::nullopt;
  const auto rid = text::parse_uint(std::string_view(sid).substr(kPrefix.size()));
  if (!rid || *rid > 0xFFFFFFFFull) return std::nullopt;
  return static_cast<std::uint32_t>(*rid);
}

std::optional<std::string> integrity_name(const std::optional<std::string>& label_sid) {
  const auto rid = integrity_rid(label_sid);
  if (!rid) return std::nullopt;
  switch (*rid) {
    case 0x0000:
      return "untrusted";
    case 0x1000:
      return "low";
    case kMediumRid:
      return "medium";
    case 0x2100:
      return "medium_plus";
    case kHighRid:
      return "high";
    case kSystemRid:
      return "system";
    case 0x5000:
      return "protected_process";
  }
  return "rid:" + std::to_string(*rid);
}

std::string account_word(const platform::TokenFacts& token) {
  const auto& sid = token.user_sid;
  if (same_sid(sid, kSystemSid)) return "system";
  if (same_sid(sid, kLocalServiceSid)) return "local_service";
  if (same_sid(sid, kNetworkServiceSid)) return "network_service";
  if (same_sid(sid, kContainerAdministratorSid)) return "container_administrator";
  if (same_sid(sid, kContainerUserSid)) return "container_user";
  if (token.user_name && !token.user_name->empty()) return "user:" + *token.user_name;
  return "sid:" + sid;
}

std::string describe_account(const platform::TokenFacts& token) {
  if (!token.user_name || token.user_name->empty()) return token.user_sid;
  const auto domain = token.domain && !token.domain->empty() ? *token.domain + "\\" : "";
  return domain + *token.user_name + " (" + token.user_sid + ")";
}

std::string privilege_class(const platform::TokenFacts& token) {
  const auto& sid = token.user_sid;
  if (same_sid(sid, kSystemSid)) return "system";
  if (same_sid(sid, kLocalServiceSid) || same_sid(sid, kNetworkServiceSid)) return "service";
  const auto rid = integrity_rid(token.integrity_level);
  if (rid && *rid >= kSystemRid) return "service";
  if (rid && *rid < kMediumRid) return "restricted";
  if ((rid && *rid >= kHighRid) || token.elevated == true) return "administrator";
  if (rid || token.elevated == false) return "user";
  return "unknown";
}

void add_token_evidence(nlohmann::json& evidence, const AccessTokenFacts& facts) {
  evidence["token_read"] = facts.token.error_name_or_ok();
  evidence["host_process"] = facts.host_process();
  evidence["sandbox_mount_point"] = json_or_null(facts.sandbox_mount_point);
  if (!facts.token) {
    for (const char* key :
         {"user_sid", "user_name", "domain", "integrity_level", "integrity", "elevated"})
      evidence[key] = nullptr;
    return;
  }
  const auto& token = facts.token.value();
  evidence["user_sid"] = token.user_sid;
  evidence["user_name"] = json_or_null(token.user_name);
  evidence["domain"] = json_or_null(token.domain);
  evidence["integrity_level"] = json_or_null(token.integrity_level);
  evidence["integrity"] = json_or_null(integrity_name(token.integrity_level));
  evidence["elevated"] = json_or_null(token.elevated);
}

}  // namespace capprobe::probes::token
