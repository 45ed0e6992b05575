// security.identity: the catalog entry, and the judges of whether the requested user and groups
// are the ones in effect.
#include "probes/security/identity.hpp"

#include <algorithm>
#include <vector>

#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/security/identity_linux.hpp"

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
          .title = "Process identity: user, group and supplementary groups",
          .pod_spec_field = "securityContext.runAsUser, runAsGroup, supplementalGroups",
          .scope = SpecScope::container,
          .platforms = {"linux"}};
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

}  // namespace capprobe::probes
