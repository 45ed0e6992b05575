// security.capabilities: the catalog entry, and the judges. On Linux: decode the capability sets,
// judge the privileged heuristic and check the capabilities the pod spec added or dropped. On
// Windows: name the token's privileges, integrity level and class.
#include "probes/security/capabilities.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/security/cap_names.hpp"
#include "probes/security/capabilities_linux.hpp"
#include "probes/security/capabilities_windows.hpp"

namespace capprobe::probes {
namespace {

constexpr std::array<std::string_view, 4> kHostCharDevices = {"kmsg", "mem", "kmem", "port"};

std::optional<bool> capabilities_requested(const PodRequests& requests) {
  const bool asked = requests.privileged.value_or(false) ||
                     (requests.capabilities_add && !requests.capabilities_add->empty()) ||
                     (requests.capabilities_drop && !requests.capabilities_drop->empty());
  if (asked) return true;
  if (spec_covers(requests, SpecScope::container) || requests.privileged ||
      requests.capabilities_add || requests.capabilities_drop)
    return false;
  return std::nullopt;
}

std::string hex(std::uint64_t set) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(set));
  return text;
}

nlohmann::json names_or_null(const std::optional<std::uint64_t>& set) {
  return set ? nlohmann::json(caps::names_of(*set)) : nlohmann::json(nullptr);
}

// A summary names a few capabilities and counts the rest; the evidence has them all.
std::string join_some(const std::vector<std::string>& parts, std::size_t shown = 4) {
  if (parts.size() <= shown) return text::join(parts);
  return text::join(std::vector<std::string>(parts.begin(), parts.begin() + shown)) + " and " +
         std::to_string(parts.size() - shown) + " more";
}

// The requested names as bits; "ALL" stands for every capability the kernel has.
std::uint64_t requested_set(const std::optional<std::vector<std::string>>& names, int last_cap,
                            std::vector<std::string>& unknown) {
  std::uint64_t set = 0;
  if (!names) return set;
  for (const auto& name : *names) {
    std::string upper;
    for (const char c : name)
      upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper == "ALL") {
      set |= caps::full_set(last_cap);
    } else if (const auto bit = caps::bit_of(name)) {
      set |= std::uint64_t{1} << *bit;
    } else {
      unknown.push_back(name);
    }
  }
  return set;
}

}  // namespace

ProbeInfo security_capabilities_info() {
  return {.id = kSecurityCapabilitiesId,
          .title =
              "Capability sets, NoNewPrivs and privileged mode (Linux), token privileges "
              "(Windows)",
          .pod_spec_field = "securityContext.capabilities, securityContext.privileged",
          .scope = SpecScope::container,
          .platforms = {"linux", "windows"}};
}

std::vector<std::string> host_devices(const std::vector<DeviceNode>& devices) {
  std::vector<std::string> found;
  for (const auto& node : devices) {
    const auto name = node.path.substr(node.path.find_last_of('/') + 1);
    const bool host_char =
        node.kind == platform::FileKind::char_device &&
        std::find(kHostCharDevices.begin(), kHostCharDevices.end(), name) != kHostCharDevices.end();
    if (node.kind == platform::FileKind::block_device || host_char) found.push_back(node.path);
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::string classify_capabilities(std::uint64_t effective, bool privileged) {
  if (privileged) return "privileged";
  if (effective == 0) return "none";
  const auto defaults = caps::container_default_set();
  if (effective == defaults) return "default";
  if ((effective & defaults) == defaults) return "elevated";
  return "restricted";
}

CapabilityResult judge_capabilities(const CapabilityFacts& facts, const PodRequests& requests) {
  CapabilityResult result;
  result.id = kSecurityCapabilitiesId;
  result.requested = capabilities_requested(requests);
  auto& evidence = result.evidence;
  evidence["asked"] = {
      {"privileged", json_or_null(requests.privileged)},
      {"add", json_or_null(requests.capabilities_add)},
      {"drop", json_or_null(requests.capabilities_drop)},
  };
  evidence["status_read"] = facts.status.ok() ? "ok" : facts.status.error().name;
  if (!facts.status || !facts.status.value().cap_effective || !facts.status.value().cap_bounding) {
    result.status = Status::untested;
    result.observed = "unknown";
    result.summary = facts.status ? std::string(kProcStatusPath) + " has no CapEff/CapBnd lines"
                                  : "could not read " + std::string(kProcStatusPath) + " (" +
                                        facts.status.error().name +
                                        "), so the capability sets are not known";
    return result;
  }
  const auto& status = facts.status.value();
  const auto effective = *status.cap_effective;
  const auto bounding = *status.cap_bounding;

  // The kernel's highest capability; this build's table when /proc/sys is not readable.
  int last_cap = caps::kLastKnownCap;
  std::string last_cap_source = "known_caps";
  if (facts.cap_last_cap) {
    if (const auto value = text::parse_int(facts.cap_last_cap.value());
        value && *value >= 0 && *value < 64) {
      last_cap = static_cast<int>(*value);
      last_cap_source = "cap_last_cap";
    }
  }
  const auto full = caps::full_set(last_cap);
  const auto lsm = judge_lsm(facts.lsm);
  const auto devices =
      facts.devices ? host_devices(facts.devices.value()) : std::vector<std::string>{};

  const auto userns = judge_user_namespace(facts.user_namespace);

  const bool full_caps = (effective & full) == full;
  // No Seccomp line: a kernel without seccomp, so nothing filters.
  const bool seccomp_known = status.seccomp.has_value();
  const bool seccomp_disabled = !seccomp_known || *status.seccomp == 0;
  // A privileged container gets every capability, no seccomp filter and no LSM profile. Host
  // devices corroborate but are not required: in Kata they are the guest's, and a container
  // with all capabilities can mknod them anyway.
  const bool looks_privileged = full_caps && seccomp_disabled && lsm.unconfined == true;
  // Capabilities held in a child user namespace act only on what that namespace owns: no
  // module loading, no host mounts, no devices (`unshare -r`, a pod with hostUsers: false). An
  // unknown namespace does not veto: an unconfined process can always read its own uid_map
  // where user namespaces exist, so unknown here means a kernel without them (every process in
  // the initial one) or a partial /proc; the summary says the privilege is unproven.
  const bool privileged = looks_privileged && !userns.child();

  evidence["effective"] = caps::names_of(effective);
  evidence["permitted"] = names_or_null(status.cap_permitted);
  evidence["bounding"] = caps::names_of(bounding);
  evidence["ambient"] = names_or_null(status.cap_ambient);
  evidence["inheritable"] = names_or_null(status.cap_inheritable);
  evidence["sets_hex"] = {
      {"effective", hex(effective)},
      {"bounding", hex(bounding)},
      {"permitted", status.cap_permitted ? nlohmann::json(hex(*status.cap_permitted)) : nullptr},
      {"ambient", status.cap_ambient ? nlohmann::json(hex(*status.cap_ambient)) : nullptr},
  };
  evidence["no_new_privs"] = json_or_null(status.no_new_privs);
  evidence["cap_last_cap"] = last_cap;
  evidence["cap_last_cap_source"] = last_cap_source;
  evidence["privileged"] = privileged;
  evidence["privileged_signals"] = {
      {"full_capabilities", full_caps},
      {"missing_capabilities", caps::names_of(full & ~effective)},
      {"seccomp_disabled", seccomp_known ? nlohmann::json(seccomp_disabled) : nullptr},
      {"lsm_unconfined", json_or_null(lsm.unconfined)},
      {"lsm", lsm.label.empty() ? lsm.lsm : lsm.lsm + " " + lsm.label},
      {"host_devices", devices},
      {"dev_read", facts.devices.ok() ? "ok" : facts.devices.error().name},
      {"initial_user_namespace", json_or_null(userns.initial)},
  };
  evidence["user_namespace"] = user_namespace_evidence(facts.user_namespace, userns);

  // "uid 0 here is host uid 65534", for the summaries that say a namespace's ids are not the
  // host's.
  std::string host_ids;
  if (status.uid) {
    const auto uid = status.uid->effective;
    const auto host = userns.host_uid(uid);
    host_ids = "uid " + std::to_string(uid) + " here" +
               (host ? " is host uid " + std::to_string(*host)
                     : ": " + userns.describe_host_id("uid", uid));
  }

  result.observed = classify_capabilities(effective, privileged);

  // What the pod spec asked, checked against the sets. Kubernetes applies drop before add, so
  // "drop ALL, add NET_BIND_SERVICE" keeps NET_BIND_SERVICE.
  std::vector<std::string> unknown;
  const auto added = requested_set(requests.capabilities_add, last_cap, unknown);
  const auto dropped = requested_set(requests.capabilities_drop, last_cap, unknown) & ~added;
  // An added capability the runtime granted is in the bounding set; a non-root process without
  // ambient capabilities loses it from the effective set at exec, which the kernel does, not
  // the runtime: that is partial, not ignored.
  const auto add_missing = added & ~bounding;
  const auto add_bounding_only = added & bounding & ~effective;
  const auto drop_present = dropped & (bounding | effective);
  evidence["add_missing"] = caps::names_of(add_missing);
  evidence["add_not_effective"] = caps::names_of(add_bounding_only);
  evidence["drop_present"] = caps::names_of(drop_present);
  evidence["unknown_names"] = unknown;

  std::vector<std::string> ignored_fields;
  std::vector<std::string> seen;
  if (requests.privileged.value_or(false) && !privileged) {
    ignored_fields.push_back("privileged");
    std::vector<std::string> why;
    if (userns.child())
      why.push_back("the capabilities are held inside a user namespace" +
                    (host_ids.empty() ? std::string() : " (" + host_ids + ")") +
                    " and are not privilege on the host");
    if (!full_caps)
      why.push_back("effective set lacks " + join_some(caps::names_of(full & ~effective)));
    if (!seccomp_disabled)
      why.push_back("seccomp mode " + std::to_string(*status.seccomp) + " is on");
    if (lsm.unconfined != true)
      why.push_back("LSM " + lsm.lsm + (lsm.label.empty() ? "" : " " + lsm.label) +
                    (lsm.unconfined ? " confines the process" : " could not be read"));
    seen.push_back(text::join(why));
  }
  // The field names the capabilities (a few, and how many more: the evidence lists them all);
  // what was seen refers back to them rather than listing them twice.
  const auto they = [](std::uint64_t set) {
    return caps::names_of(set).size() == 1 ? std::string("it is") : std::string("they are");
  };
  if (add_missing) {
    ignored_fields.push_back("capabilities.add " + join_some(caps::names_of(add_missing)));
    seen.push_back(they(add_missing) + " not in the bounding set");
  }
  if (drop_present) {
    ignored_fields.push_back("capabilities.drop " + join_some(caps::names_of(drop_present)));
    seen.push_back(they(drop_present) + " still present");
  }

  const auto effective_count = caps::names_of(effective).size();
  std::string facts_text =
      std::to_string(effective_count) + " effective capabilities (" + result.observed + ")";
  if (!full_caps && effective_count > 0 && (effective & ~full) == 0 &&
      caps::names_of(full & ~effective).size() <= 3)
    facts_text += ", all but " + text::join(caps::names_of(full & ~effective));
  if (status.no_new_privs == true) facts_text += ", NoNewPrivs set";
  if (!devices.empty())
    facts_text += ", " + std::to_string(devices.size()) + " host device nodes in /dev";

  // What the user namespace means for these capabilities; empty in the initial namespace.
  std::string userns_text;
  if (userns.child()) {
    const std::string held = "held inside a user namespace and are not privilege on the host" +
                             (host_ids.empty() ? std::string() : " (" + host_ids + ")");
    if (effective_count == 0)
      userns_text = "it runs inside a user namespace" +
                    (host_ids.empty() ? std::string() : " (" + host_ids + ")");
    else if (looks_privileged)
      userns_text = "they would pass for a privileged container, but they are " + held;
    else
      userns_text = "they are " + held;
  } else if (privileged && !userns.initial.has_value()) {
    userns_text = "the user namespace could not be read (" + text::join(userns.unread) +
                  "), so this is not proven to be privilege on the host";
  }
  const bool userns_said = userns.child() && requests.privileged.value_or(false);
  const auto userns_tail = userns_text.empty() || userns_said ? std::string() : "; " + userns_text;

  if (!ignored_fields.empty()) {
    mark_ignored(result, "securityContext." + text::join(ignored_fields, "; "),
                 text::join(seen, "; ") + " (" + facts_text + ")" + userns_tail);
    return result;
  }
  if (add_bounding_only) {
    const auto uid = status.uid ? status.uid->effective : -1;
    result.status = Status::partial;
    result.summary = text::join(caps::names_of(add_bounding_only)) +
                     " granted to the bounding set but not effective" +
                     (uid > 0 ? " (uid " + std::to_string(uid) +
                                    " is not root and has no ambient capabilities, so exec "
                                    "clears them)"
                              : "") +
                     "; " + facts_text + userns_tail;
    return result;
  }
  result.status = Status::supported;
  result.summary = "This process has " + facts_text + userns_tail;
  if (result.requested == true) result.summary += "; the requested capability settings hold";
  if (!unknown.empty())
    result.summary += "; unknown capability names not checked: " + text::join(unknown);
  return result;
}

// --- Windows ---------------------------------------------------------------------------------

namespace {

// The privileges that give a process power over the node, its files or other processes
// (privilege-constants, "User Rights Assignment"), then the one symbolic links need.
constexpr std::string_view kCreateSymbolicLink = "SeCreateSymbolicLinkPrivilege";
const std::vector<std::string_view> kNotablePrivileges = {
    "SeTcbPrivilege",                 // act as part of the operating system
    "SeDebugPrivilege",               // open any process, whoever runs it
    "SeAssignPrimaryTokenPrivilege",  // start a process as another account
    "SeImpersonatePrivilege",         // act as a client that connects
    "SeLoadDriverPrivilege",          // load kernel drivers
    "SeBackupPrivilege",              // read any file, whatever its ACL
    "SeRestorePrivilege",             // write any file, whatever its ACL
    "SeTakeOwnershipPrivilege",       // take any object
    "SeSecurityPrivilege",            // manage the audit log and SACLs
    kCreateSymbolicLink,              // fs.symlink: ContainerUser lacks it
};

// "privileged=true", "capabilities.add [NET_ADMIN]": what a pod spec may say that only Linux
// reads.
std::vector<std::string> linux_capability_fields(const PodRequests& requests) {
  std::vector<std::string> fields;
  if (requests.privileged.value_or(false)) fields.push_back("privileged=true");
  if (requests.capabilities_add && !requests.capabilities_add->empty())
    fields.push_back("capabilities.add [" + text::join(*requests.capabilities_add) + "]");
  if (requests.capabilities_drop && !requests.capabilities_drop->empty())
    fields.push_back("capabilities.drop [" + text::join(*requests.capabilities_drop) + "]");
  return fields;
}

std::string class_words(const std::string& word) {
  if (word == "system") return "the LocalSystem account";
  if (word == "service") return "a service account";
  if (word == "administrator") return "an elevated administrator";
  if (word == "user") return "a standard user";
  if (word == "restricted") return "a restricted token";
  return "a token of unknown power";
}

}  // namespace

const std::vector<std::string_view>& notable_privileges() {
  return kNotablePrivileges;
}

std::string privilege_state(const platform::TokenFacts& token, std::string_view name) {
  for (const auto& privilege : token.privileges)
    if (privilege.name == name) return privilege.enabled ? "enabled" : "disabled";
  return "absent";
}

CapabilityResult judge_windows_capabilities(const token::AccessTokenFacts& facts,
                                            const PodRequests& requests) {
  CapabilityResult result;
  result.id = kSecurityCapabilitiesId;
  // Nothing in a Windows pod spec asks for privileges: the account (runAsUserName) decides.
  result.requested = requested_when(false, requests);
  auto& evidence = result.evidence;
  evidence["asked"] = {
      {"privileged", json_or_null(requests.privileged)},
      {"add", json_or_null(requests.capabilities_add)},
      {"drop", json_or_null(requests.capabilities_drop)},
  };
  const auto linux_fields = linux_capability_fields(requests);
  evidence["not_applicable_fields"] = linux_fields;
  token::add_token_evidence(evidence, facts);
  const auto linux_note =
      linux_fields.empty()
          ? std::string()
          : "; securityContext." + text::join(linux_fields, ", securityContext.") +
                (linux_fields.size() == 1 ? " is a Linux field" : " are Linux fields") +
                " without effect on Windows (HostProcess is Windows' privileged container)";

  if (!facts.token) {
    result.status = Status::untested;
    result.observed = "unknown";
    result.summary = "could not read this process's access token (" + facts.token.error().name +
                     "), so its privileges are not known" + linux_note;
    return result;
  }
  const auto& token = facts.token.value();
  auto privileges = nlohmann::json::array();
  std::vector<std::string> enabled;
  for (const auto& privilege : token.privileges) {
    privileges.push_back({{"name", privilege.name}, {"enabled", privilege.enabled}});
    if (privilege.enabled) enabled.push_back(privilege.name);
  }
  evidence["privileges"] = privileges;
  evidence["enabled_privileges"] = enabled;
  auto notable = nlohmann::json::object();
  std::vector<std::string> powerful;  // held, enabled or not: a process may enable its own
  for (const auto name : kNotablePrivileges) {
    const auto state = privilege_state(token, name);
    notable[std::string(name)] = state;
    if (name != kCreateSymbolicLink && state != "absent") powerful.emplace_back(name);
  }
  evidence["notable_privileges"] = notable;
  evidence["administrators_member"] = token::has_group(token, token::kAdministratorsSid);

  result.observed = token::privilege_class(token);
  std::string said = "This process runs as " + token::describe_account(token);
  if (facts.host_process()) said += " in a HostProcess container";
  if (const auto integrity = token::integrity_name(token.integrity_level))
    said += " at " + *integrity + " integrity";
  if (token.elevated == true) said += ", elevated";
  said += ": " + class_words(result.observed) + ", with " +
          std::to_string(token.privileges.size()) + " privileges (" +
          std::to_string(enabled.size()) + " enabled)";
  said += powerful.empty()
              ? "; it holds none of the powerful ones (SeTcb, SeDebug, SeBackup, SeRestore...)"
              : "; it holds " + join_some(powerful);
  said += privilege_state(token, kCreateSymbolicLink) == "absent"
              ? "; without SeCreateSymbolicLinkPrivilege"
              : "; SeCreateSymbolicLinkPrivilege held";
  if (facts.host_process() && !powerful.empty())
    said += "; these are privileges on the node itself";
  result.status = Status::supported;
  result.summary = said + linux_note;
  return result;
}

}  // namespace capprobe::probes
