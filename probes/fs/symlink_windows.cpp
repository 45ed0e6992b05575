// fs.symlink on Windows (PROBES.md): each link kind is made twice, with
// SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE and without it, and verified beyond creation (Wine
// answers TRUE and makes nothing; a volume mapping may rewrite the target or refuse to follow
// it). A directory junction, which needs no privilege, is tried next to them and reported apart.
#include "probes/fs/symlink_windows.hpp"

#include <algorithm>

#include "platform/windows_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/text.hpp"
#include "probes/fs/paths_windows.hpp"

namespace capprobe::probes::fs {
namespace {

constexpr const char* kPrivilege = "SeCreateSymbolicLinkPrivilege";
constexpr const char* kNotHeld = "ERROR_PRIVILEGE_NOT_HELD";
constexpr const char* kFlagUnknown = "ERROR_INVALID_PARAMETER";
// WS2016/1709-era volume mappings: a mounted volume is a link to this, and absolute links made
// in one read back through it (moby/moby#35436).
constexpr std::string_view kMappedDirectories = "ContainerMappedDirectories";
// "The symbolic link cannot be followed because its type is disabled" (1463): absolute links on
// a volume mapping (moby/moby#38220).
constexpr std::string_view kClassDisabled = "ERROR_SYMLINK_CLASS_DISABLED";

std::string_view without_nt_prefix(std::string_view path) {
  for (const std::string_view prefix : {"\\\\?\\", "\\??\\"})
    if (path.substr(0, prefix.size()) == prefix) return path.substr(prefix.size());
  return path;
}

// The target as Windows reads it back may differ in case, separators and an NT prefix.
bool same_target(const std::string& written, const std::string& read) {
  return win_path_key(without_nt_prefix(written)) == win_path_key(without_nt_prefix(read));
}

LinkCheck attempt(const platform::WindowsFacts& win, const platform::Platform& os,
                  const platform::SymbolicLinkRequest& request, const std::string& nonce) {
  if (const auto made = win.create_symbolic_link(request); !made)
    return {made.error().name, "CreateSymbolicLinkW: " + made.error().name};
  return verify_link(os, request.link_path, request.target, request.directory, nonce, same_target);
}

LinkCheck try_junction(const platform::WindowsFacts& win, const platform::Platform& os,
                       const std::string& dir, const std::string& target_dir) {
  const auto link = win_join(dir, "junction-dir");
  if (const auto made = win.create_junction(target_dir, link); !made)
    return {made.error().name, "create_junction: " + made.error().name};
  if (const auto info = os.link_info(link); !info)
    return {info.error().is_absent() ? "not_created" : info.error().name,
            "link_info: " + info.error().name};
  const auto names = os.list_through(link);
  if (!names) return {"not_followable", "list_through: " + names.error().name};
  if (std::find(names.value().begin(), names.value().end(), kInnerFile) == names.value().end())
    return {"not_followable", "list_through does not show " + std::string(kInnerFile)};
  return {};
}

// Everything for one place happens inside `dir`, which the caller removes afterwards.
SymlinkLocation exercise(platform::Platform& os, const std::string& place, const std::string& dir,
                         const std::string& nonce) {
  const auto& win = platform::windows_facts(os);
  SymlinkLocation location;
  location.path = place;
  const auto target_dir = win_join(dir, kTargetDir);
  const std::array<std::pair<std::string, bool>, 4> targets = {{
      {win_join(dir, kTargetFile), false},  // file_absolute
      {kTargetFile, false},                 // file_relative
      {target_dir, true},                   // dir_absolute
      {kTargetDir, true},                   // dir_relative
  }};
  auto with_flag = nlohmann::json::object();
  auto without_flag = nlohmann::json::object();
  for (std::size_t i = 0; i < kLinkKinds.size(); ++i) {
    const auto& [target, is_dir] = targets[i];
    const auto link = win_join(dir, std::string("link-") + kLinkKinds[i]);
    const auto flagged = attempt(win, os, {target, link, is_dir, true}, nonce);
    const auto plain = attempt(win, os, {target, link + "-plain", is_dir, false}, nonce);
    with_flag[kLinkKinds[i]] = flagged.outcome;
    without_flag[kLinkKinds[i]] = plain.outcome;
    // The kind works when either way works; a failure is the flagged one's, unless this build
    // does not know the flag (then only the plain call says anything).
    const auto& decides = flagged.ok()                      ? flagged
                          : plain.ok()                      ? plain
                          : flagged.outcome == kFlagUnknown ? plain
                                                            : flagged;
    location.outcome[i] = decides.outcome;
    location.detail[i] = decides.detail;
  }
  location.extra["with_unprivileged_flag"] = with_flag;
  location.extra["without_flag"] = without_flag;
  const auto junction = try_junction(win, os, dir, target_dir);
  location.extra["junction"] = junction.outcome;
  if (!junction.detail.empty()) location.extra["junction_detail"] = junction.detail;
  return location;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string kind_value(const nlohmann::json& extra, const char* key, const char* kind) {
  if (!extra.contains(key) || !extra[key].contains(kind) || !extra[key][kind].is_string())
    return {};
  return extra[key][kind].get<std::string>();
}

// What the places show that only Windows explains.
struct Signs {
  bool privilege_missing = false;  // some link failed with ERROR_PRIVILEGE_NOT_HELD
  bool flag_only = false;          // some kind worked with the unprivileged flag only
  bool flag_unknown = false;       // the build refused the flag (ERROR_INVALID_PARAMETER)
  bool mapped = false;             // \\?\ContainerMappedDirectories seen
  bool class_disabled = false;     // ERROR_SYMLINK_CLASS_DISABLED seen
  bool access_denied = false;      // a link refused with ERROR_ACCESS_DENIED
  bool junction_ok = false;
};

Signs read_signs(const SymlinkFacts& facts) {
  Signs signs;
  for (const auto& location : facts.locations) {
    for (std::size_t i = 0; i < kLinkKinds.size(); ++i) {
      const auto& outcome = location.outcome[i];
      const auto& detail = location.detail[i];
      signs.privilege_missing |= outcome == kNotHeld;
      signs.access_denied |= outcome == "ERROR_ACCESS_DENIED";
      signs.mapped |= contains(detail, kMappedDirectories);
      signs.class_disabled |= outcome == kClassDisabled || contains(detail, kClassDisabled);
      const auto flagged = kind_value(location.extra, "with_unprivileged_flag", kLinkKinds[i]);
      const auto plain = kind_value(location.extra, "without_flag", kLinkKinds[i]);
      signs.flag_only |= flagged == "ok" && plain == kNotHeld;
      signs.flag_unknown |= flagged == kFlagUnknown;
    }
    if (location.extra.contains("place_link_target") &&
        location.extra["place_link_target"].is_string())
      signs.mapped |=
          contains(location.extra["place_link_target"].get<std::string>(), kMappedDirectories);
    signs.junction_ok |= location.extra.value("junction", std::string()) == "ok";
  }
  for (const auto& skipped : facts.skipped)
    signs.mapped |= contains(skipped.reason, kMappedDirectories);
  return signs;
}

std::optional<std::string> privilege_word(const WindowsSymlinkFacts& facts) {
  if (!facts.privilege_held) return std::nullopt;
  if (!*facts.privilege_held) return "not_held";
  return facts.privilege_enabled.value_or(false) ? "held_enabled" : "held_disabled";
}

std::string token_text(const WindowsSymlinkFacts& facts) {
  if (!facts.token_sid) return "this process's token";
  return "the token of " + facts.token_user.value_or("the user") + " (" + *facts.token_sid + ")";
}

std::string privilege_text(const WindowsSymlinkFacts& facts) {
  const std::string base = std::string(kNotHeld) + ": ";
  if (facts.privilege_held == true)
    return base + "links are refused although " + token_text(facts) + " holds " + kPrivilege;
  const auto why = facts.token_error ? " (the token could not be read: " + *facts.token_error + ")"
                                     : std::string();
  return base + token_text(facts) + " lacks " + kPrivilege +
         " (ContainerUser lacks it, ContainerAdministrator holds it)" + why;
}

}  // namespace

WindowsSymlinkFacts collect_windows_symlink_facts(ProbeContext& ctx) {
  const auto& win = platform::windows_facts(ctx.os);
  WindowsSymlinkFacts facts;
  facts.host_process = host_process_of(ctx.os).host_process;
  if (const auto token = win.token(); token) {
    facts.token_sid = token.value().user_sid;
    facts.token_user = token.value().user_name;
    facts.privilege_held = false;
    for (const auto& privilege : token.value().privileges) {
      if (privilege.name != kPrivilege) continue;
      facts.privilege_held = true;
      facts.privilege_enabled = privilege.enabled;
    }
  } else {
    facts.token_error = token.error().name;
  }
  if (const auto version = win.kernel_version(); version) facts.build = version.value().build;
  PlaceRules rules;
  rules.join = win_join;
  rules.follow_place_link = true;
  rules.exercise = exercise;
  facts.places = exercise_places(ctx, win_write_places(ctx.requests, ctx.os.temp_dir()), rules);
  return facts;
}

CapabilityResult judge_windows_symlink(const WindowsSymlinkFacts& facts) {
  auto result = judge_symlink(facts.places);
  const auto signs = read_signs(facts.places);

  auto& evidence = result.evidence;
  evidence["token_user"] = json_or_null(facts.token_user);
  evidence["token_sid"] = json_or_null(facts.token_sid);
  if (facts.token_error) evidence["token_error"] = *facts.token_error;
  evidence["symlink_privilege"] = json_or_null(privilege_word(facts));
  evidence["windows_build"] = json_or_null(facts.build);
  evidence["host_process"] = facts.host_process;
  evidence["unprivileged_flag"] = signs.flag_unknown ? "unknown_to_this_build" : "known";

  std::vector<std::string> known;  // the known Windows failures these places show
  if (signs.mapped)
    known.push_back(
        "a volume mapping shows as a link to \\\\?\\ContainerMappedDirectories\\<GUID> "
        "(WS2016-era builds), and links in it read back rewritten");
  if (signs.class_disabled)
    known.push_back(
        "ERROR_SYMLINK_CLASS_DISABLED: the link cannot be followed because its type is disabled "
        "(absolute links on a volume mapping)");
  if (signs.access_denied)
    known.push_back(
        "ERROR_ACCESS_DENIED creating links, as on bind-mounted volumes and under Hyper-V "
        "isolation");
  evidence["known_failures"] = known;

  if (signs.flag_only && result.status == Status::supported) {
    result.status = Status::partial;
    result.observed = "partial";
    result.summary =
        "symlinks work only when made with SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE "
        "(Developer Mode): without it CreateSymbolicLinkW fails with " +
        std::string(kNotHeld) + ", as for every program that does not pass it; " + result.summary;
  }
  if (signs.privilege_missing || signs.flag_only) result.summary += "; " + privilege_text(facts);
  for (const auto& failure : known) result.summary += "; known Windows failure: " + failure;
  if (signs.junction_ok && result.status != Status::supported)
    result.summary += "; directory junctions work here (they need no privilege)";
  if (facts.host_process)
    result.summary += "; a HostProcess container: these places are on the node's own filesystem";
  return result;
}

}  // namespace capprobe::probes::fs

namespace capprobe::probes {

Probe fs_symlink_windows_probe() {
  return {fs::symlink_info(), [](ProbeContext& ctx) {
            return fs::judge_windows_symlink(fs::collect_windows_symlink_facts(ctx));
          }};
}

}  // namespace capprobe::probes
