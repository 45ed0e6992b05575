// security.identity: the catalog entry, and the judges of whether the requested user and groups
// (Linux) or account (Windows) are the ones in effect.
#include "probes/security/identity.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/security/identity_linux.hpp"
#include "probes/security/identity_windows.hpp"

namespace capprobe::probes {
namespace {

std::optional<bool> identity_requested(const PodRequests& requests) {
  return requested_when(
      requests.run_as_user || requests.run_as_group ||
          (requests.supplemental_groups && !requests.supplemental_groups->empty()),
      requests);
}

nlohmann::json ids_json(const IdSet& ids) {
  return {{"real", ids.real}, {"effective", ids.effective}, {"saved", ids.saved}, {"fs", ids.fs}};
}

std::string join_ids(const std::vector<std::int64_t>& ids) {
  std::vector<std::string> parts;
  for (const auto id : ids) parts.push_back(std::to_string(id));
  return text::join(parts, ",");
}

// "1000 (app)" when the name is known, else "1000".
std::string named(std::int64_t id, const std::map<std::int64_t, std::string>& names) {
  const auto found = names.find(id);
  return found == names.end() ? std::to_string(id)
                              : std::to_string(id) + " (" + found->second + ")";
}

std::string read_names_note(const platform::Result<std::string>& read, const char* path) {
  return read ? std::string() : std::string(path) + " " + read.error().name;
}

}  // namespace

ProbeInfo security_identity_info() {
  return {.id = kSecurityIdentityId,
          .title = "Process identity: user and groups (Linux), account and SID (Windows)",
          // The securityContext fields (runAsUserName under windowsOptions): short enough for
          // the table's banner line.
          .pod_spec_field = "runAsUser, runAsGroup, supplementalGroups, runAsUserName",
          .scope = SpecScope::container,
          .platforms = {"linux", "windows"}};
}

std::map<std::int64_t, std::string> parse_id_names(std::string_view text) {
  std::map<std::int64_t, std::string> names;
  for (const auto& line : text::lines(text)) {
    if (line.empty() || line.front() == '#') continue;
    const auto fields = text::split(line, ':');
    if (fields.size() < 3 || fields[0].empty()) continue;
    const auto id = text::parse_int(fields[2]);
    if (!id || *id < 0) continue;
    names.emplace(*id, fields[0]);  // emplace keeps the first entry for an id
  }
  return names;
}

CapabilityResult judge_identity(const IdentityFacts& facts, const PodRequests& requests) {
  CapabilityResult result;
  result.id = kSecurityIdentityId;
  result.requested = identity_requested(requests);
  auto& evidence = result.evidence;
  nlohmann::json asked_groups = nullptr;
  if (requests.supplemental_groups) asked_groups = *requests.supplemental_groups;
  evidence["asked"] = {{"run_as_user", json_or_null(requests.run_as_user)},
                       {"run_as_group", json_or_null(requests.run_as_group)},
                       {"supplemental_groups", asked_groups}};
  evidence["status_read"] = facts.status.ok() ? "ok" : facts.status.error().name;
  evidence["passwd_read"] = facts.passwd.error_name_or_ok();
  evidence["group_read"] = facts.group.error_name_or_ok();

  if (!facts.status) {
    result.status = Status::untested;
    result.observed = "unknown";
    result.summary = "could not read " + std::string(kProcStatusPath) + " (" +
                     facts.status.error().name + "), so the process identity is not known";
    return result;
  }
  const auto& status = facts.status.value();
  if (!status.uid || !status.gid) {
    result.status = Status::untested;
    result.observed = "unknown";
    result.summary = std::string(kProcStatusPath) + " has no readable Uid/Gid lines";
    return result;
  }

  const auto users =
      facts.passwd ? parse_id_names(facts.passwd.value()) : std::map<std::int64_t, std::string>{};
  const auto groups_db =
      facts.group ? parse_id_names(facts.group.value()) : std::map<std::int64_t, std::string>{};
  const auto uid = status.uid->effective;
  const auto gid = status.gid->effective;
  const auto groups = status.groups.value_or(std::vector<std::int64_t>{});

  evidence["uid"] = uid;
  evidence["gid"] = gid;
  evidence["uids"] = ids_json(*status.uid);
  evidence["gids"] = ids_json(*status.gid);
  evidence["groups"] = status.groups ? nlohmann::json(groups) : nlohmann::json(nullptr);
  const auto user_name = users.find(uid);
  evidence["user_name"] =
      user_name == users.end() ? nlohmann::json(nullptr) : nlohmann::json(user_name->second);
  const auto group_name = groups_db.find(gid);
  evidence["group_name"] =
      group_name == groups_db.end() ? nlohmann::json(nullptr) : nlohmann::json(group_name->second);
  nlohmann::json group_names = nlohmann::json::object();
  for (const auto id : groups)
    if (const auto found = groups_db.find(id); found != groups_db.end())
      group_names[std::to_string(id)] = found->second;
  evidence["group_names"] = group_names;

  // The ids as the host sees them: the same ids in the initial user namespace, through
  // uid_map/gid_map in a child one, null when neither is known.
  const auto userns = judge_user_namespace(facts.user_namespace);
  evidence["host_uid"] = json_or_null(userns.host_uid(uid));
  evidence["host_gid"] = json_or_null(userns.host_gid(gid));
  evidence["user_namespace"] = user_namespace_evidence(facts.user_namespace, userns);

  // observed and runAsUser stay the ids inside the container: those are what Kubernetes sets.
  result.observed = uid == 0 ? "root" : "uid:" + std::to_string(uid);

  std::string seen = "uid " + named(uid, users);
  if (userns.child()) seen += " in a user namespace, " + userns.describe_host_id("uid", uid);
  seen += ", gid " + named(gid, groups_db);
  if (userns.child()) seen += ", " + userns.describe_host_id("gid", gid);
  seen += ", ";
  if (!status.groups) {
    seen += "supplementary groups unknown (no Groups line)";
  } else if (groups.empty()) {
    seen += "no supplementary groups";
  } else {
    std::vector<std::string> parts;
    for (const auto id : groups) parts.push_back(named(id, groups_db));
    seen += "supplementary groups " + text::join(parts, ", ");
  }

  std::vector<std::string> ignored;
  if (requests.run_as_user && *requests.run_as_user != uid)
    ignored.push_back("runAsUser=" + std::to_string(*requests.run_as_user));
  if (requests.run_as_group && *requests.run_as_group != gid)
    ignored.push_back("runAsGroup=" + std::to_string(*requests.run_as_group));
  if (requests.supplemental_groups && status.groups) {
    std::vector<std::int64_t> missing;
    for (const auto id : *requests.supplemental_groups)
      if (id != gid && std::find(groups.begin(), groups.end(), id) == groups.end())
        missing.push_back(id);
    if (!missing.empty()) ignored.push_back("supplementalGroups=[" + join_ids(missing) + "]");
    evidence["missing_groups"] = missing;
  }

  if (!ignored.empty()) {
    mark_ignored(result, "securityContext." + text::join(ignored, ", securityContext."),
                 "the process runs as " + seen);
    return result;
  }
  result.status = Status::supported;
  result.summary = "This process runs as " + seen;
  if (result.requested == true) result.summary += ", as the pod spec asks";
  if (requests.supplemental_groups && !status.groups)
    result.summary += "; supplementalGroups could not be checked";
  const auto names_note = read_names_note(facts.passwd, "/etc/passwd");
  if (!names_note.empty()) result.summary += "; no user names (" + names_note + ")";
  return result;
}

// --- Windows ---------------------------------------------------------------------------------

namespace {

std::string lower(std::string_view s) {
  std::string out;
  for (const char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return lower(a) == lower(b);
}

// "DOMAIN\USER" -> {"DOMAIN", "USER"}; "USER" -> {"", "USER"}.
std::pair<std::string, std::string> split_account(std::string_view asked) {
  const auto trimmed = text::trim(asked);
  const auto slash = trimmed.rfind('\\');
  if (slash == std::string_view::npos) return {"", std::string(trimmed)};
  return {std::string(text::trim(trimmed.substr(0, slash))),
          std::string(text::trim(trimmed.substr(slash + 1)))};
}

// An asked domain names `actual` when equal, when it is "." (this machine), or when it is a DNS
// name whose first label is the NetBIOS name ("contoso.com" for "CONTOSO").
bool domain_names(std::string_view asked, std::string_view actual) {
  if (asked.empty() || asked == "." || iequals(asked, actual)) return true;
  const auto dot = asked.find('.');
  return dot != std::string_view::npos && iequals(asked.substr(0, dot), actual);
}

// The asked name against one account's name and domain.
AccountMatch match_name(std::string_view asked, const std::string& name,
                        const std::optional<std::string>& domain) {
  const auto [asked_domain, asked_name] = split_account(asked);
  if (!iequals(asked_name, name)) return AccountMatch::different;
  if (!domain || domain_names(asked_domain, *domain)) return AccountMatch::same;
  return AccountMatch::same_name_other_domain;
}

struct WellKnownName {
  std::string_view name;  // lower case, spaces removed
  std::array<std::string_view, 3> domains;
  std::string_view sid;
};

// The spellings the Kubernetes and Microsoft docs use for the accounts a Windows container or a
// HostProcess container runs as ("NT AUTHORITY\Local service", "NT AUTHORITY\NETWORK SERVICE",
// ".\LocalSystem", "ContainerUser").
constexpr std::array<WellKnownName, 6> kWellKnownNames = {{
    {"system", {"", "nt authority", ""}, token::kSystemSid},
    {"localsystem", {"", "nt authority", "."}, token::kSystemSid},
    {"localservice", {"", "nt authority", ""}, token::kLocalServiceSid},
    {"networkservice", {"", "nt authority", ""}, token::kNetworkServiceSid},
    {"containeradministrator", {"", "user manager", ""}, token::kContainerAdministratorSid},
    {"containeruser", {"", "user manager", ""}, token::kContainerUserSid},
}};

std::string match_word(AccountMatch match) {
  switch (match) {
    case AccountMatch::same:
      return "same";
    case AccountMatch::same_name_other_domain:
      return "same_name_other_domain";
    case AccountMatch::different:
      return "different";
    case AccountMatch::unknown:
      break;
  }
  return "unknown";
}

// "runAsUser=1000": what a pod spec may say that only Linux reads (the kubelet on Windows logs
// and ignores it; the API server rejects it for pods with spec.os.name: windows).
std::vector<std::string> linux_identity_fields(const PodRequests& requests) {
  std::vector<std::string> fields;
  if (requests.run_as_user) fields.push_back("runAsUser=" + std::to_string(*requests.run_as_user));
  if (requests.run_as_group)
    fields.push_back("runAsGroup=" + std::to_string(*requests.run_as_group));
  if (requests.supplemental_groups && !requests.supplemental_groups->empty())
    fields.push_back("supplementalGroups=[" + join_ids(*requests.supplemental_groups) + "]");
  return fields;
}

// The token group a HostProcess runAsUserName names (a local group), if any.
const TokenGroupName* named_group(std::string_view asked, const WindowsIdentityFacts& facts) {
  for (const auto& group : facts.group_names)
    if (group.account && match_name(asked, group.account.value().name,
                                    group.account.value().domain) == AccountMatch::same)
      return &group;
  return nullptr;
}

}  // namespace

std::optional<std::string> well_known_sid(std::string_view asked) {
  const auto [domain, name] = split_account(asked);
  std::string squeezed;
  for (const char c : lower(name))
    if (c != ' ') squeezed += c;
  const auto domain_lower = lower(domain);
  for (const auto& known : kWellKnownNames) {
    if (known.name != squeezed) continue;
    if (std::find(known.domains.begin(), known.domains.end(), domain_lower) == known.domains.end())
      continue;
    return std::string(known.sid);
  }
  return std::nullopt;
}

AccountMatch match_account(std::string_view asked, const platform::TokenFacts& token) {
  if (const auto sid = well_known_sid(asked))
    return token::same_sid(*sid, token.user_sid) ? AccountMatch::same : AccountMatch::different;
  if (!token.user_name || token.user_name->empty()) return AccountMatch::unknown;
  return match_name(asked, *token.user_name, token.domain);
}

CapabilityResult judge_windows_identity(const WindowsIdentityFacts& facts,
                                        const PodRequests& requests) {
  CapabilityResult result;
  result.id = kSecurityIdentityId;
  // Only runAsUserName says who a Windows container runs as.
  result.requested = requested_when(requests.run_as_user_name.has_value(), requests);
  auto& evidence = result.evidence;
  nlohmann::json asked_groups = nullptr;
  if (requests.supplemental_groups) asked_groups = *requests.supplemental_groups;
  evidence["asked"] = {{"run_as_user_name", json_or_null(requests.run_as_user_name)},
                       {"run_as_user", json_or_null(requests.run_as_user)},
                       {"run_as_group", json_or_null(requests.run_as_group)},
                       {"supplemental_groups", asked_groups}};
  const auto linux_fields = linux_identity_fields(requests);
  evidence["not_applicable_fields"] = linux_fields;
  token::add_token_evidence(evidence, facts.access);
  auto lookups = nlohmann::json::object();
  for (const auto& group : facts.group_names)
    lookups[group.sid] =
        group.account
            ? nlohmann::json(group.account.value().domain + "\\" + group.account.value().name)
            : nlohmann::json(group.account.error().name);
  evidence["group_lookups"] = lookups;
  evidence["group_match"] = nullptr;
  evidence["match"] = nullptr;

  const auto linux_note =
      linux_fields.empty()
          ? std::string()
          : "; securityContext." + text::join(linux_fields, ", securityContext.") +
                (linux_fields.size() == 1 ? " is a Linux field" : " are Linux fields") +
                " without effect on Windows";

  if (!facts.access.token) {
    result.status = Status::untested;
    result.observed = "unknown";
    result.summary = "could not read this process's access token (" +
                     facts.access.token.error().name + "), so the account it runs as is not known" +
                     linux_note;
    return result;
  }
  const auto& token = facts.access.token.value();
  evidence["account"] = token::account_word(token);
  evidence["group_sids"] = token.group_sids;
  result.observed = token::account_word(token);
  const auto seen = token::describe_account(token) +
                    (facts.access.host_process() ? " in a HostProcess container" : "");

  if (!requests.run_as_user_name) {
    result.status = Status::supported;
    result.summary = "This process runs as " + seen + linux_note;
    return result;
  }
  const auto& asked = *requests.run_as_user_name;
  const auto field = "securityContext.windowsOptions.runAsUserName=" + asked;
  const auto match = match_account(asked, token);
  evidence["match"] = match_word(match);

  if (match == AccountMatch::same) {
    result.status = Status::supported;
    result.summary = "This process runs as " + seen + ", as the pod spec asks" + linux_note;
    return result;
  }
  if (match == AccountMatch::same_name_other_domain) {
    set_verdict(result, Status::partial, result.observed,
                "runAsUserName asks for " + asked + " and this process runs as " + seen +
                    ": the user name matches but the domain does not, which is another account "
                    "unless the two are one domain's NetBIOS and DNS names" +
                    linux_note);
    return result;
  }
  // containerd runs a HostProcess container asked to run as a local group's name as an ephemeral
  // account in that group.
  if (facts.access.host_process() && !well_known_sid(asked)) {
    if (const auto* group = named_group(asked, facts)) {
      evidence["group_match"] = group->sid;
      result.status = Status::supported;
      result.summary = "This process runs as " + seen + ", a member of the local group " +
                       group->account.value().domain + "\\" + group->account.value().name +
                       " that runAsUserName names: containerd runs a HostProcess container asked "
                       "to run as a group as an account of that group" +
                       linux_note;
      return result;
    }
    // A group not named (the lookup failed, or was not made) might be the one asked for.
    const auto failed = std::count_if(facts.group_names.begin(), facts.group_names.end(),
                                      [](const TokenGroupName& group) { return !group.account; });
    const auto not_looked_up = token.group_sids.size() > facts.group_names.size()
                                   ? token.group_sids.size() - facts.group_names.size()
                                   : 0;
    const auto unnamed = static_cast<std::size_t>(failed) + not_looked_up;
    if (unnamed > 0) {
      set_verdict(result, Status::untested, result.observed,
                  "runAsUserName " + asked + " is not this process's account, " +
                      token::describe_account(token) +
                      "; in a HostProcess container it may name a local group of the account, "
                      "but " +
                      std::to_string(unnamed) + " of the token's " +
                      std::to_string(token.group_sids.size()) + " groups could not be named" +
                      linux_note);
      return result;
    }
  }
  if (match == AccountMatch::unknown) {
    set_verdict(result, Status::untested, result.observed,
                "this process runs as " + seen +
                    ", an account without a name (LookupAccountSidW), so runAsUserName " + asked +
                    " cannot be compared with it" + linux_note);
    return result;
  }
  mark_ignored(result, field, "the process runs as " + seen + linux_note);
  return result;
}

}  // namespace capprobe::probes
