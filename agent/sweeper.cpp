// The residue sweeper: find dead runs' scratch entries in the places probes write, and remove
// exactly those. Anything not named like a scratch entry is never touched.
#include "agent/sweeper.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "agent/log.hpp"
#include "probes/common/mountinfo.hpp"

namespace capprobe::agent {
namespace {

constexpr std::string_view kScratchPrefix = ".capprobe-";
constexpr std::size_t kMaxMountPlaces = 16;

// Kernel and pseudo filesystems: writable, but no probe creates files there.
constexpr std::array<std::string_view, 18> kPseudoFilesystems{
    "proc",    "sysfs",       "cgroup",     "cgroup2", "devpts",   "mqueue",
    "debugfs", "tracefs",     "securityfs", "pstore",  "bpf",      "configfs",
    "fusectl", "binfmt_misc", "autofs",     "nsfs",    "efivarfs", "rpc_pipefs"};

bool is_pseudo(std::string_view fs_type) {
  return std::find(kPseudoFilesystems.begin(), kPseudoFilesystems.end(), fs_type) !=
         kPseudoFilesystems.end();
}

std::string child_path(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

}  // namespace

std::optional<int> scratch_pid(std::string_view name) {
  if (name.substr(0, kScratchPrefix.size()) != kScratchPrefix) return std::nullopt;
  name.remove_prefix(kScratchPrefix.size());
  const auto dash = name.find('-');
  // Digits, a dash, and something after it: ".capprobe-812-" alone is not ours.
  if (dash == 0 || dash == std::string_view::npos || dash > 9 || dash + 1 == name.size())
    return std::nullopt;
  int pid = 0;
  for (const char c : name.substr(0, dash)) {
    if (c < '0' || c > '9') return std::nullopt;
    pid = pid * 10 + (c - '0');
  }
  if (pid <= 0) return std::nullopt;
  return pid;
}

bool is_stale_residue(const ResidueFacts& facts, std::chrono::seconds min_age) {
  const auto pid = scratch_pid(facts.name);
  if (!pid) return false;
  if (*pid != facts.own_pid && facts.pid_alive) return false;
  return facts.now_unix - facts.modified_unix >= min_age.count();
}

std::vector<std::string> sweep_places(const platform::Platform& os) {
  std::vector<std::string> places;
  std::set<std::string> seen;
  const auto add = [&](const std::string& place) {
    if (!place.empty() && seen.insert(place).second) places.push_back(place);
  };
  for (const auto& fixed :
       {os.temp_dir(), std::string("/"), std::string("/etc"), std::string("/var/tmp")})
    add(fixed);

  const auto mountinfo = os.read_file("/proc/self/mountinfo");
  if (!mountinfo) {
    logger("sweeper")->debug("no mount list, sweeping the fixed places only error={}",
                             mountinfo.error().describe());
    return places;
  }
  std::size_t taken = 0;
  for (const auto& mount : probes::parse_mountinfo(mountinfo.value())) {
    if (mount.read_only() || is_pseudo(mount.fs_type) || seen.count(mount.mount_point)) continue;
    const auto info = os.link_info(mount.mount_point);
    if (!info || info.value().kind != platform::FileKind::directory) continue;
    if (taken == kMaxMountPlaces) {
      logger("sweeper")->debug("more writable mounts than swept limit={} first_unswept={}",
                               kMaxMountPlaces, mount.mount_point);
      break;
    }
    add(mount.mount_point);
    ++taken;
  }
  return places;
}

SweepOutcome sweep_residue(platform::Platform& os, std::chrono::seconds min_age) {
  SweepOutcome outcome;
  const auto log = logger("sweeper");
  const auto now_unix =
      std::chrono::duration_cast<std::chrono::seconds>(os.wall_now().time_since_epoch()).count();
  for (const auto& place : sweep_places(os)) {
    const auto names = os.list_through(place);
    if (!names) {
      log->debug("cannot list a sweep place path={} error={}", place, names.error().name);
      continue;
    }
    for (const auto& name : names.value()) {
      const auto pid = scratch_pid(name);
      if (!pid) continue;
      const auto path = child_path(place, name);
      const auto info = os.link_info(path);
      if (!info) continue;  // gone meanwhile, or not ours to look at
      const ResidueFacts facts{name, os.self_pid(), os.process_alive(*pid),
                               info.value().modified_unix, now_unix};
      if (!is_stale_residue(facts, min_age)) {
        log->debug("keeping a scratch entry of a live or recent run path={}", path);
        continue;
      }
      if (const auto removed = os.remove_tree(path); !removed) {
        if (removed.error().is_absent()) continue;  // the same place seen through another path
        log->warn("cannot remove a dead run's residue path={} error={}", path,
                  removed.error().name);
        outcome.failed.push_back(path + ": " + removed.error().name);
        continue;
      }
      log->info("removed a crashed run's residue path={} pid={}", path, *pid);
      outcome.removed.push_back(path);
    }
  }
  return outcome;
}

}  // namespace capprobe::agent
