// security.confinement: the catalog entry, and the judges. On Linux: which of seccomp, AppArmor
// and SELinux restrict this process. What the pod spec asked for and is demonstrably not in
// effect is "REQUESTED BUT IGNORED"; otherwise any mechanism in effect is "supported", and none
// is "untested" unless the spec asked for one. On Windows none of them exists: not_applicable.
#include "probes/security/confinement.hpp"

#include <algorithm>
#include <vector>

#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/security/confinement_linux.hpp"
#include "probes/security/confinement_windows.hpp"

namespace capprobe::probes {
namespace {

std::string lsm_name(const std::string& lsm) {
  return lsm == "selinux" ? "SELinux" : "AppArmor";
}

// One thing the pod spec asked for, and whether it is in effect (nullopt: cannot tell).
struct Ask {
  std::string field;  // "seccompProfile RuntimeDefault"
  std::optional<bool> in_effect;
  std::string seen;  // what shows it
};

bool confining_profile(const std::optional<std::string>& type) {
  return type == "RuntimeDefault" || type == "Localhost";
}

std::vector<Ask> asks_of(const PodRequests& requests, std::optional<int> seccomp,
                         std::optional<bool> no_new_privs, const LsmView& lsm) {
  std::vector<Ask> asks;
  if (confining_profile(requests.seccomp_profile)) {
    Ask ask{"seccompProfile " + *requests.seccomp_profile, std::nullopt, "seccomp unknown"};
    if (seccomp) {
      ask.in_effect = *seccomp != 0;
      ask.seen = "seccomp " + seccomp_word(*seccomp);
    }
    asks.push_back(ask);
  }
  if (confining_profile(requests.apparmor_profile)) {
    Ask ask{"appArmorProfile " + *requests.apparmor_profile +
                (requests.apparmor_localhost ? " " + *requests.apparmor_localhost : ""),
            std::nullopt, "the LSM is unknown"};
    if (lsm.lsm == "apparmor") {
      ask.in_effect = lsm.confining;
      ask.seen = "AppArmor " + lsm.label;
    } else if (lsm.lsm == "selinux" || lsm.lsm == "none") {
      ask.in_effect = false;
      ask.seen = lsm.lsm == "none" ? "no LSM labels this process" : "the LSM is SELinux";
    }
    asks.push_back(ask);
  }
  if (requests.selinux_type) {
    Ask ask{"seLinuxOptions.type " + *requests.selinux_type, std::nullopt, "the LSM is unknown"};
    if (lsm.lsm == "selinux") {
      ask.in_effect = lsm.profile == *requests.selinux_type;
      ask.seen = "SELinux " + lsm.label;
    } else if (lsm.lsm == "apparmor" || lsm.lsm == "none") {
      ask.in_effect = false;
      ask.seen = lsm.lsm == "none" ? "no LSM labels this process" : "the LSM is AppArmor";
    }
    asks.push_back(ask);
  }
  if (requests.allow_privilege_escalation == false) {
    Ask ask{"allowPrivilegeEscalation false", no_new_privs, "NoNewPrivs unknown"};
    if (no_new_privs) ask.seen = *no_new_privs ? "NoNewPrivs set" : "NoNewPrivs not set";
    asks.push_back(ask);
  }
  return asks;
}

}  // namespace

ProbeInfo security_confinement_info() {
  return {.id = kSecurityConfinementId,
          .title = "Confinement: seccomp, AppArmor, SELinux",
          .pod_spec_field = "securityContext.seccompProfile, appArmorProfile, seLinuxOptions",
          .scope = SpecScope::container,
          .platforms = {"linux", "windows"}};
}

std::string seccomp_word(int mode) {
  switch (mode) {
    case 0:
      return "disabled";
    case 1:
      return "strict";
    case 2:
      return "filter";
  }
  return "mode " + std::to_string(mode);
}

CapabilityResult judge_confinement(const ConfinementFacts& facts) {
  CapabilityResult result;
  result.id = kSecurityConfinementId;
  auto& evidence = result.evidence;
  evidence["status_read"] = facts.status.ok() ? "ok" : facts.status.error().name;

  std::optional<int> seccomp;
  std::optional<int> filters;
  std::optional<bool> no_new_privs;
  if (facts.status) {
    seccomp = facts.status.value().seccomp;
    filters = facts.status.value().seccomp_filters;
    no_new_privs = facts.status.value().no_new_privs;
  }
  evidence["seccomp_mode"] = json_or_null(seccomp);
  evidence["seccomp"] = seccomp ? nlohmann::json(seccomp_word(*seccomp)) : nullptr;
  evidence["seccomp_filters"] = json_or_null(filters);
  evidence["no_new_privs"] = json_or_null(no_new_privs);

  const auto lsm = judge_lsm(facts.lsm);
  add_lsm_evidence(evidence, facts.lsm, lsm);

  std::vector<std::string> mechanisms;  // what confines: the observed keyword
  std::vector<std::string> said;        // the summary's facts
  if (seccomp && *seccomp != 0) {
    mechanisms.push_back("seccomp");
    std::string text = "seccomp " + seccomp_word(*seccomp) + " mode";
    if (filters)
      text += " (" + std::to_string(*filters) + (*filters == 1 ? " filter)" : " filters)");
    said.push_back(text);
  } else if (seccomp) {
    said.push_back("no seccomp filter");
  } else {
    said.push_back(facts.status ? "seccomp not reported by this kernel"
                                : "seccomp unknown (" + std::string(kProcStatusPath) + " " +
                                      facts.status.error().name + ")");
  }
  if (lsm.confining) {
    mechanisms.push_back(lsm.lsm);
    said.push_back(lsm_name(lsm.lsm) + " " + lsm.label + (lsm.mode.empty() ? "" : ", " + lsm.mode));
  } else if (lsm.lsm == "none") {
    said.push_back("no LSM labels this process");
  } else if (lsm.lsm == "unknown") {
    said.push_back("LSM unknown");
  } else {
    said.push_back(lsm_name(lsm.lsm) + " " + lsm.label + " does not enforce");
  }
  if (!lsm.note.empty()) said.push_back(lsm.note);
  if (no_new_privs == true) said.push_back("NoNewPrivs set");

  const auto facts_text = text::join(said, "; ");
  const auto asks = asks_of(facts.requests, seccomp, no_new_privs, lsm);
  result.requested = requested_when(!asks.empty(), facts.requests);
  auto asked = nlohmann::json::array();
  std::vector<std::string> ignored;
  for (const auto& ask : asks) {
    asked.push_back({{"field", ask.field}, {"in_effect", json_or_null(ask.in_effect)}});
    if (ask.in_effect == false) ignored.push_back(ask.field + " (" + ask.seen + ")");
  }
  evidence["requested_confinement"] = asked;
  if (!ignored.empty()) {
    result.observed = mechanisms.empty() ? "unconfined" : text::join(mechanisms, "+");
    mark_ignored(result, text::join(ignored, ", "), facts_text);
    return result;
  }
  if (!mechanisms.empty()) {
    result.status = Status::supported;
    result.observed = text::join(mechanisms, "+");
    result.summary = facts_text;
    if (!asks.empty())
      result.summary += std::all_of(asks.begin(), asks.end(),
                                    [](const Ask& ask) { return ask.in_effect == true; })
                            ? "; what the pod spec asks is in effect"
                            : "; whether all the pod spec asks is in effect is not known";
    return result;
  }
  result.status = Status::untested;
  // A readable status without a Seccomp line is a kernel without seccomp: known, and off.
  const bool all_known = facts.status.ok() && lsm.unconfined.has_value();
  result.observed = all_known ? "unconfined" : "unknown";
  result.summary =
      facts_text +
      (all_known ? (result.requested == true ? "; nothing confines this process"
                                             : "; nothing confines this process, and nothing "
                                               "requested shows that something should")
                 : "; whether anything confines this process is not known");
  return result;
}

// --- Windows ---------------------------------------------------------------------------------

namespace {

// "seccompProfile RuntimeDefault": the confinement fields a pod spec may set, all Linux's.
std::vector<std::string> linux_confinement_fields(const PodRequests& requests) {
  std::vector<std::string> fields;
  if (requests.seccomp_profile) fields.push_back("seccompProfile " + *requests.seccomp_profile);
  if (requests.apparmor_profile)
    fields.push_back("appArmorProfile " + *requests.apparmor_profile +
                     (requests.apparmor_localhost ? " " + *requests.apparmor_localhost : ""));
  if (requests.selinux_type) fields.push_back("seLinuxOptions.type " + *requests.selinux_type);
  if (requests.allow_privilege_escalation)
    fields.push_back(std::string("allowPrivilegeEscalation ") +
                     (*requests.allow_privilege_escalation ? "true" : "false"));
  return fields;
}

}  // namespace

CapabilityResult judge_windows_confinement(const token::AccessTokenFacts& facts,
                                           const PodRequests& requests) {
  CapabilityResult result;
  result.id = kSecurityConfinementId;
  result.requested = requested_when(false, requests);
  auto& evidence = result.evidence;
  evidence["asked"] = {
      {"seccomp_profile", json_or_null(requests.seccomp_profile)},
      {"apparmor_profile", json_or_null(requests.apparmor_profile)},
      {"selinux_type", json_or_null(requests.selinux_type)},
      {"allow_privilege_escalation", json_or_null(requests.allow_privilege_escalation)},
  };
  const auto linux_fields = linux_confinement_fields(requests);
  evidence["not_applicable_fields"] = linux_fields;
  token::add_token_evidence(evidence, facts);

  std::string said = "seccomp, AppArmor and SELinux do not exist on Windows";
  said += facts.host_process()
              ? "; a HostProcess container has no isolation beyond its account's rights and its "
                "job object's resource limits"
              : "; a Windows container is confined by its job object and server silo, or by a "
                "utility VM under Hyper-V isolation (resources.* and isolation.kernel report "
                "them)";
  if (facts.token) {
    if (const auto integrity = token::integrity_name(facts.token.value().integrity_level))
      said += "; this process runs at " + *integrity + " integrity";
  }
  if (!linux_fields.empty())
    said += "; the pod spec's " + text::join(linux_fields) +
            (linux_fields.size() == 1 ? " is a Linux field" : " are Linux fields") +
            " without effect here";
  set_verdict(result, Status::not_applicable, "not_applicable", said);
  return result;
}

}  // namespace capprobe::probes
