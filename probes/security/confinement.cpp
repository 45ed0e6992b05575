// security.confinement: which of seccomp, AppArmor and SELinux restrict this process. Any of
// them in effect is "supported"; none is "untested", because nothing requested says one should.
#include "probes/security/confinement.hpp"

#include <vector>

#include "probes/common/json.hpp"
#include "probes/common/text.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes {
namespace {

constexpr const char* kId = "security.confinement";

std::string lsm_name(const std::string& lsm) {
  return lsm == "selinux" ? "SELinux" : "AppArmor";
}

}  // namespace

ConfinementFacts collect_confinement(const platform::Platform& os) {
  return ConfinementFacts{read_proc_status(os), read_lsm_facts(os)};
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
  result.id = kId;
  result.requested = std::nullopt;
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
  if (!mechanisms.empty()) {
    result.status = Status::supported;
    result.observed = text::join(mechanisms, "+");
    result.summary = facts_text;
    return result;
  }
  result.status = Status::untested;
  // A readable status without a Seccomp line is a kernel without seccomp: known, and off.
  const bool all_known = facts.status.ok() && lsm.unconfined.has_value();
  result.observed = all_known ? "unconfined" : "unknown";
  result.summary = facts_text + (all_known ? "; nothing confines this process, and nothing "
                                             "requested shows that something should"
                                           : "; whether anything confines this process is not "
                                             "known");
  return result;
}

Probe security_confinement_probe() {
  return {{.id = kId,
           .title = "Confinement: seccomp, AppArmor, SELinux",
           .pod_spec_field = "securityContext.seccompProfile, appArmorProfile, seLinuxOptions",
           .platforms = {"linux"}},
          [](ProbeContext& ctx) { return judge_confinement(collect_confinement(ctx.os)); }};
}

}  // namespace capprobe::probes
