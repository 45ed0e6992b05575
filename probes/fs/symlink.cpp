// fs.symlink: create, verify and remove file and directory symlinks, absolute and relative, in
// every writable place (the temp dir and each writable volume), because a volume's filesystem
// (CIFS without mfsymlinks, some FUSE and VM shares, a Windows volume mapping) can differ from
// the container's own. This file holds what both OSes share: the verdict and the work in a place.
#include "probes/fs/symlink.hpp"

#include <algorithm>

#include "probes/common/worker.hpp"

namespace capprobe::probes::fs {
namespace {

// A place is only started when this much time is left, so the probe finishes (and cleans up)
// before the runner's deadline.
constexpr auto kPlaceBudget = std::chrono::milliseconds(250);
constexpr auto kReserve = std::chrono::milliseconds(100);

LinkCheck failed(std::string outcome, std::string detail) {
  return {std::move(outcome), std::move(detail)};
}

// Makes the targets the links point at; an error text when the place cannot hold them.
std::optional<std::string> prepare_targets(platform::Platform& os, const PlaceRules& rules,
                                           const std::string& dir, const std::string& nonce) {
  if (const auto made = os.create_file_exclusive(rules.join(dir, kTargetFile), nonce); !made)
    return "create target file: " + made.error().name;
  const auto target_dir = rules.join(dir, kTargetDir);
  if (const auto made = os.make_dir(target_dir); !made)
    return "make target dir: " + made.error().name;
  if (const auto made = os.create_file_exclusive(rules.join(target_dir, kInnerFile), nonce); !made)
    return "create file in target dir: " + made.error().name;
  return std::nullopt;
}

// Removes the private dir and proves it is gone; an error text when something stays behind.
std::optional<std::string> clean_up(platform::Platform& os, const std::string& dir) {
  const auto removed = os.remove_tree(dir);
  const auto still = os.link_info(dir);
  if (!still && still.error().is_absent()) return std::nullopt;
  return dir + ": " +
         (removed ? std::string("still present after remove_tree") : removed.error().name);
}

// What became of one place; exactly one of location and skipped is set.
struct PlaceOutcome {
  std::optional<SymlinkLocation> location;
  std::optional<SkippedPlace> skipped;
  std::optional<std::string> residue;
};

// Everything for one place, on a worker thread: inputs are copies, the platform lives until the
// process ends.
PlaceOutcome try_place(platform::Platform& os, const PlaceRules& rules, const std::string& place,
                       const std::string& scratch_name, const std::string& nonce) {
  PlaceOutcome outcome;
  std::optional<std::string> place_link;  // where the place leads, when it is a link itself
  // A volume that is a single file (subPath of a file, a socket) holds no private dir.
  if (const auto info = os.link_info(place); !info) {
    outcome.skipped = SkippedPlace{place, "link_info: " + info.error().name};
    return outcome;
  } else if (info.value().kind == platform::FileKind::symlink && rules.follow_place_link) {
    const auto target = os.link_target(place);
    place_link = target ? target.value() : "link_target: " + target.error().name;
    const auto through = os.info_through(place);
    if (!through || through.value().kind != platform::FileKind::directory) {
      outcome.skipped = SkippedPlace{place, "a link to " + *place_link + ", not to a directory"};
      return outcome;
    }
  } else if (info.value().kind != platform::FileKind::directory) {
    outcome.skipped = SkippedPlace{place, "not a directory"};
    return outcome;
  }
  const auto dir = os.make_private_dir(place, scratch_name + "-symlink-");
  if (!dir) {
    outcome.skipped = SkippedPlace{place, "make_private_dir: " + dir.error().name};
    return outcome;
  }
  if (const auto problem = prepare_targets(os, rules, dir.value(), nonce)) {
    outcome.skipped = SkippedPlace{place, *problem};
  } else {
    outcome.location = rules.exercise(os, place, dir.value(), nonce);
    if (place_link) outcome.location->extra["place_link_target"] = *place_link;
  }
  outcome.residue = clean_up(os, dir.value());
  return outcome;
}

std::string works_phrase(const std::set<std::string>& ok) {
  const auto is = [&](std::set<std::string> kinds) { return ok == kinds; };
  if (ok.size() == 4) return "all four symlink kinds work";
  if (ok.empty()) return "no symlink works";
  if (is({"file_relative", "dir_relative"})) return "relative symlinks only";
  if (is({"file_absolute", "dir_absolute"})) return "absolute symlinks only";
  if (is({"file_absolute", "file_relative"})) return "file symlinks only";
  if (is({"dir_absolute", "dir_relative"})) return "directory symlinks only";
  std::string only = "only";
  for (const auto* kind : kLinkKinds)
    if (ok.count(kind)) only += (only == "only" ? " " : ", ") + std::string(kind);
  return only;
}

std::string failure_list(const SymlinkLocation& location) {
  std::string list;
  for (std::size_t i = 0; i < kLinkKinds.size(); ++i) {
    if (location.outcome[i] == "ok") continue;
    list += (list.empty() ? "" : ", ") + std::string(kLinkKinds[i]) + ": " + location.outcome[i];
  }
  return list;
}

std::string describe_place(const SymlinkLocation& location) {
  const auto failures = failure_list(location);
  return location.path + ": " + works_phrase(ok_kinds(location)) +
         (failures.empty() ? "" : " (" + failures + ")");
}

std::string joined_paths(const std::vector<SymlinkLocation>& locations) {
  std::string paths;
  for (const auto& location : locations) paths += (paths.empty() ? "" : ", ") + location.path;
  return paths;
}

nlohmann::json location_json(const SymlinkLocation& location) {
  nlohmann::json json = location.extra.is_object() ? location.extra : nlohmann::json::object();
  json["path"] = location.path;
  nlohmann::json details = nlohmann::json::object();
  for (std::size_t i = 0; i < kLinkKinds.size(); ++i) {
    json[kLinkKinds[i]] = location.outcome[i];
    if (!location.detail[i].empty()) details[kLinkKinds[i]] = location.detail[i];
  }
  if (!details.empty()) json["details"] = details;
  return json;
}

// "tried in 8 of 9 places; not in /vol8 (over the limit of 8 places)": a place that was not
// tried is never silence. The summary names a few; the evidence lists them all.
std::string coverage_text(const SymlinkFacts& facts) {
  constexpr std::size_t kNamed = 4;
  const auto total = facts.locations.size() + facts.skipped.size();
  std::string text = "tried in " + std::to_string(facts.locations.size()) + " of " +
                     std::to_string(total) + " places; not in";
  for (std::size_t i = 0; i < facts.skipped.size() && i < kNamed; ++i)
    text += (i ? ", " : " ") + facts.skipped[i].path + " (" + facts.skipped[i].reason + ")";
  if (facts.skipped.size() > kNamed)
    text += " and " + std::to_string(facts.skipped.size() - kNamed) + " more (see evidence)";
  return text;
}

}  // namespace

ProbeInfo symlink_info() {
  return {.id = "fs.symlink",
          .title = "File and directory symlinks, absolute and relative",
          .pod_spec_field = "volumes (no field; Windows symlink gaps)",
          .platforms = {"linux", "windows"}};
}

std::set<std::string> ok_kinds(const SymlinkLocation& location) {
  std::set<std::string> kinds;
  for (std::size_t i = 0; i < kLinkKinds.size(); ++i)
    if (location.outcome[i] == "ok") kinds.insert(kLinkKinds[i]);
  return kinds;
}

LinkCheck verify_link(const platform::Platform& os, const std::string& link,
                      const std::string& target, bool is_dir, const std::string& nonce,
                      const TargetMatch& same_target) {
  const auto info = os.link_info(link);
  if (!info) {
    if (info.error().is_absent()) return failed("not_created", "link_info: " + info.error().name);
    return failed(info.error().name, "link_info: " + info.error().name);
  }
  if (info.value().kind != platform::FileKind::symlink)
    return failed("stored_as_file", "link_info: not a symlink");
  const auto written = os.link_target(link);
  if (!written) return failed(written.error().name, "link_target: " + written.error().name);
  if (!same_target(target, written.value()))
    return failed("not_followable", "link_target reads back as '" + written.value() + "'");
  if (is_dir) {
    const auto names = os.list_through(link);
    if (!names) return failed("not_followable", "list_through: " + names.error().name);
    if (std::find(names.value().begin(), names.value().end(), kInnerFile) == names.value().end())
      return failed("not_followable", "list_through does not show " + std::string(kInnerFile));
    return {};
  }
  const auto content = os.read_through(link, 4096);
  if (!content) return failed("not_followable", "read_through: " + content.error().name);
  if (content.value() != nonce)
    return failed("not_followable", "read_through returns other content");
  return {};
}

SymlinkFacts exercise_places(ProbeContext& ctx, const std::vector<WritePlace>& places,
                             const PlaceRules& rules) {
  SymlinkFacts facts;
  const auto nonce =
      ctx.scratch_name + "-symlink-nonce-" + std::to_string(ctx.os.monotonic_now().count());
  Worker worker;  // one thread for every place, a new one only after a place that hung
  for (const auto& place : places) {
    if (place.off_limits) {
      facts.skipped.push_back({place.path, *place.off_limits});
      continue;
    }
    if (std::chrono::steady_clock::now() + kPlaceBudget > ctx.deadline) {
      facts.skipped.push_back({place.path, "out of time"});
      continue;
    }
    const auto limit = step_limit(ctx.place_timeout, ctx.deadline, kReserve);
    auto& os = ctx.os;
    const auto outcome =
        worker.run(limit, [&os, rules, path = place.path, name = ctx.scratch_name, nonce] {
          return try_place(os, rules, path, name, nonce);
        });
    if (!outcome.done()) {
      // Whatever the worker made there is named after this run: a later run's sweep removes it
      // should the worker never get to its own clean-up.
      facts.skipped.push_back({place.path, outcome.why_not(limit)});
      continue;
    }
    if (outcome.value->location) facts.locations.push_back(*outcome.value->location);
    if (outcome.value->skipped) facts.skipped.push_back(*outcome.value->skipped);
    if (outcome.value->residue) facts.cleanup_failures.push_back(*outcome.value->residue);
  }
  return facts;
}

CapabilityResult judge_symlink(const SymlinkFacts& facts) {
  CapabilityResult result;
  result.id = "fs.symlink";
  result.requested = std::nullopt;  // no pod-spec field asks for symlinks

  auto& evidence = result.evidence;
  evidence["locations"] = nlohmann::json::array();
  for (const auto& location : facts.locations)
    evidence["locations"].push_back(location_json(location));
  evidence["skipped"] = nlohmann::json::array();
  for (const auto& skip : facts.skipped)
    evidence["skipped"].push_back({{"path", skip.path}, {"reason", skip.reason}});
  evidence["places_tried"] = facts.locations.size();
  evidence["places_total"] = facts.locations.size() + facts.skipped.size();
  if (!facts.cleanup_failures.empty()) evidence["cleanup_failed"] = facts.cleanup_failures;

  std::size_t fully_ok = 0, fully_failed = 0;
  for (const auto& location : facts.locations) {
    const auto kinds = ok_kinds(location).size();
    fully_ok += kinds == kLinkKinds.size();
    fully_failed += kinds == 0;
  }
  const auto& locations = facts.locations;
  if (locations.empty()) {
    result.status = Status::untested;
    // DESIGN.md names ok, partial and failed for what was seen; when nothing could be tried
    // nothing was seen, and "failed" would claim a failure that did not happen.
    result.observed = "unknown";
    result.summary =
        facts.skipped.empty() ? "no writable place to try symlinks in" : "no place could be tried";
  } else if (fully_ok == locations.size()) {
    result.status = Status::supported;
    result.observed = "ok";
    result.summary =
        "file and directory symlinks, absolute and relative, work in " + joined_paths(locations);
  } else if (fully_failed == locations.size()) {
    result.status = Status::unsupported;
    result.observed = "failed";
    result.summary = "symlinks do not work in any writable place: ";
    for (std::size_t i = 0; i < locations.size(); ++i)
      result.summary +=
          (i ? "; " : "") + locations[i].path + " (" + failure_list(locations[i]) + ")";
  } else {
    result.status = Status::partial;
    result.observed = "partial";
    const bool uniform = std::all_of(locations.begin(), locations.end(), [&](const auto& location) {
      return ok_kinds(location) == ok_kinds(locations.front());
    });
    if (uniform) {
      result.summary = works_phrase(ok_kinds(locations.front())) + " in " +
                       joined_paths(locations) + " (" + failure_list(locations.front()) + ")";
    } else {
      result.summary = "symlinks work differently by place: ";
      for (std::size_t i = 0; i < locations.size(); ++i)
        result.summary += (i ? "; " : "") + describe_place(locations[i]);
    }
  }
  if (!facts.skipped.empty()) result.summary += "; " + coverage_text(facts);
  if (!facts.cleanup_failures.empty())
    result.summary += "; WARNING: could not remove " + facts.cleanup_failures.front();
  return result;
}

}  // namespace capprobe::probes::fs
