// Judging the process's LSM label (reading it: lsm_linux.cpp). AppArmor labels read "unconfined" or
// "<profile> (<mode>)"; SELinux contexts read "user:role:type:level" (NUL-terminated).
#include "probes/security/lsm.hpp"

#include <algorithm>
#include <array>

#include "probes/common/text.hpp"

namespace capprobe::probes {
namespace {

// Domains that SELinux policy leaves effectively unrestricted: a login shell's unconfined_t,
// and spc_t, the "super privileged container" type that runtimes give privileged containers.
constexpr std::array<std::string_view, 3> kSelinuxUnconfinedTypes = {"unconfined_t", "spc_t",
                                                                     "unconfined_service_t"};

std::string clean_label(const std::string& raw) {
  std::string label = raw;
  label.erase(std::find(label.begin(), label.end(), '\0'), label.end());
  return std::string(text::trim(label));
}

bool looks_like_apparmor(const std::string& label) {
  return label == "unconfined" ||
         (label.size() > 3 && label.back() == ')' && label.find(" (") != std::string::npos);
}

bool looks_like_selinux(const std::string& label) {
  return std::count(label.begin(), label.end(), ':') >= 2 && label.find(' ') == std::string::npos;
}

LsmView apparmor_view(const std::string& label, const std::string& source) {
  LsmView view;
  view.lsm = "apparmor";
  view.label = label;
  view.source = source;
  if (label == "unconfined") {
    view.profile = "unconfined";
    view.mode = "unconfined";
  } else {
    const auto open = label.rfind(" (");
    view.profile = label.substr(0, open);
    view.mode = label.substr(open + 2, label.size() - open - 3);
  }
  // complain only logs; a named profile in "unconfined" mode (AppArmor 4) restricts nothing.
  view.confining = view.mode == "enforce" || view.mode == "kill" || view.mode == "prompt";
  view.unconfined = !view.confining;
  if (!view.confining && view.mode != "unconfined" && view.mode != "complain")
    view.note = "AppArmor mode '" + view.mode + "' is not known to enforce";
  return view;
}

LsmView selinux_view(const std::string& label, const std::string& source,
                     const platform::Result<std::string>& enforce) {
  LsmView view;
  view.lsm = "selinux";
  view.label = label;
  view.source = source;
  const auto parts = text::split(label, ':');
  view.profile = parts.size() >= 3 ? parts[2] : "";
  const bool unconfined_type =
      std::find(kSelinuxUnconfinedTypes.begin(), kSelinuxUnconfinedTypes.end(), view.profile) !=
      kSelinuxUnconfinedTypes.end();
  const auto enforce_text = enforce ? std::string(text::trim(enforce.value())) : std::string();
  if (enforce_text == "1") {
    view.mode = "enforcing";
  } else if (enforce_text == "0") {
    view.mode = "permissive";
  } else {
    // Runtimes usually hide selinuxfs from containers; a confined type still says a policy
    // was applied, so it counts, with the uncertainty noted.
    view.note = "SELinux enforcement mode unknown (" + std::string(kSelinuxEnforcePath) + ": " +
                (enforce ? "'" + enforce_text + "'" : enforce.error().name) + ")";
  }
  view.confining = !unconfined_type && view.mode != "permissive";
  view.unconfined = !view.confining;
  return view;
}

std::string read_outcome(const platform::Result<std::string>& read) {
  return read.error_name_or_ok();
}

std::string describe_read(const platform::Result<std::string>& read) {
  return read.ok() ? std::string("empty") : read.error().name;
}

}  // namespace

LsmView judge_lsm(const LsmFacts& facts) {
  // The AppArmor-specific file first: on 5.8+ with several LSMs stacked, attr/current belongs
  // to whichever LSM registered first.
  if (facts.apparmor_current) {
    const auto label = clean_label(facts.apparmor_current.value());
    if (!label.empty()) return apparmor_view(label, kAppArmorCurrentPath);
  }
  if (facts.attr_current) {
    const auto label = clean_label(facts.attr_current.value());
    if (looks_like_apparmor(label)) return apparmor_view(label, kAttrCurrentPath);
    if (looks_like_selinux(label))
      return selinux_view(label, kAttrCurrentPath, facts.selinux_enforce);
    LsmView view;
    view.lsm = "unknown";
    view.label = label;
    view.source = kAttrCurrentPath;
    view.note = label.empty() ? std::string("empty label in ") + kAttrCurrentPath
                              : "label '" + label + "' matches neither AppArmor nor SELinux";
    return view;
  }
  LsmView view;
  // ENOENT: the interface is not in this kernel; EINVAL: it is, but no LSM labels processes.
  // Anything else (EACCES, EPERM, EIO, an empty AppArmor label) means a label may exist that
  // we cannot see.
  const auto says_none = [](const platform::Result<std::string>& read) {
    return !read.ok() && (read.error().is_absent() || read.error().is("EINVAL"));
  };
  if (says_none(facts.apparmor_current) && says_none(facts.attr_current)) {
    view.lsm = "none";
    view.unconfined = true;
    return view;
  }
  view.lsm = "unknown";
  view.note = std::string("could not read the process label (") + kAppArmorCurrentPath + ": " +
              describe_read(facts.apparmor_current) + ", " + kAttrCurrentPath + ": " +
              describe_read(facts.attr_current) + ")";
  return view;
}

void add_lsm_evidence(nlohmann::json& evidence, const LsmFacts& facts, const LsmView& view) {
  const auto or_null = [](const std::string& value) {
    return value.empty() ? nlohmann::json(nullptr) : nlohmann::json(value);
  };
  evidence["lsm"] = view.lsm;
  evidence["lsm_label"] = or_null(view.label);
  evidence["lsm_profile"] = or_null(view.profile);
  evidence["lsm_mode"] = or_null(view.mode);
  evidence["lsm_source"] = or_null(view.source);
  evidence["lsm_reads"] = {
      {kAppArmorCurrentPath, read_outcome(facts.apparmor_current)},
      {kAttrCurrentPath, read_outcome(facts.attr_current)},
      {kSelinuxEnforcePath, read_outcome(facts.selinux_enforce)},
      {kAppArmorEnabledPath, read_outcome(facts.apparmor_enabled)},
  };
  nlohmann::json enforce = nullptr;
  if (facts.selinux_enforce) {
    if (const auto value = text::parse_int(facts.selinux_enforce.value())) enforce = *value;
  }
  evidence["selinux_enforce"] = enforce;
  nlohmann::json enabled = nullptr;
  if (facts.apparmor_enabled) {
    const auto value = text::trim(facts.apparmor_enabled.value());
    if (value == "Y") enabled = true;
    if (value == "N") enabled = false;
  }
  evidence["apparmor_enabled"] = enabled;
}

}  // namespace capprobe::probes
