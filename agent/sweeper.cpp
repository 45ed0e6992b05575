// The residue sweeper: find dead runs' scratch entries in the places probes write, and remove
// exactly those. Anything not named like a scratch entry is never touched.
#include "agent/sweeper.hpp"

#include "agent/log.hpp"
#include "platform/utf8_path.hpp"
#include "probes/common/worker.hpp"

namespace capprobe::agent {
namespace {

constexpr std::string_view kScratchPrefix = ".capprobe-";

// With the OS's separator: /tmp/x on Linux, C:\Temp\x on Windows.
std::string child_path(const std::string& dir, const std::string& name) {
  return platform::utf8_string(platform::utf8_path(dir) / platform::utf8_path(name));
}

struct PlaceSweep {
  std::vector<std::string> removed;
  std::vector<std::string> failed;
};

// One place, on a worker thread: everything it needs is copied in, the platform lives until the
// process ends.
PlaceSweep sweep_place(platform::Platform& os, const std::string& place, std::int64_t now_unix,
                       std::chrono::seconds min_age) {
  PlaceSweep swept;
  const auto log = logger("sweeper");
  const auto names = os.list_through(place);
  if (!names) {
    // Absent, a file mount, or not ours to list: nothing of ours can be there.
    log->debug("cannot list a sweep place path={} error={}", place, names.error().name);
    return swept;
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
      swept.failed.push_back(path + ": " + removed.error().name);
      continue;
    }
    swept.removed.push_back(path);
  }
  return swept;
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

SweepOutcome sweep_residue(platform::Platform& os, const SweepScope& scope) {
  SweepOutcome outcome;
  const auto now_unix =
      std::chrono::duration_cast<std::chrono::seconds>(os.wall_now().time_since_epoch()).count();
  const auto deadline = std::chrono::steady_clock::now() + scope.limits.total;
  const auto places = sweep_places(os, scope.requests, scope.extra);
  const auto min_age = scope.min_age;
  probes::Worker worker;  // one thread for every place, a new one only after a place that hung
  for (const auto& place : places.places) {
    const auto limit = probes::step_limit(scope.limits.per_place, deadline);
    if (limit.count() <= 0) {
      outcome.not_swept.push_back(place + ": the sweep ran out of time");
      continue;
    }
    auto swept = worker.run(limit, [&os, place, now_unix, min_age] {
      return sweep_place(os, place, now_unix, min_age);
    });
    if (!swept.done()) {
      outcome.not_swept.push_back(place + ": " + swept.why_not(limit));
      continue;
    }
    for (auto& path : swept.value->removed) outcome.removed.push_back(std::move(path));
    for (auto& failure : swept.value->failed) outcome.failed.push_back(std::move(failure));
  }
  outcome.over_limit = places.over_limit;
  return outcome;
}

void log_sweep(const SweepOutcome& outcome) {
  const auto log = logger("sweeper");
  for (const auto& path : outcome.removed) log->info("removed a dead run's residue path={}", path);
  for (const auto& failure : outcome.failed)
    log->warn("cannot remove a dead run's residue {}", failure);
  for (const auto& place : outcome.not_swept) log->warn("residue not swept in {}", place);
  if (!outcome.over_limit.empty())
    log->debug("more writable volumes than are written in first_unswept={}",
               outcome.over_limit.front());
}

void order_sweep_places(const std::vector<probes::fs::WritePlace>& writable,
                        const std::vector<std::string>& fixed,
                        const std::vector<std::string>& extra,
                        const std::function<void(const std::string&)>& add, SweepPlaces& found) {
  if (!writable.empty() && !writable.front().off_limits) add(writable.front().path);
  for (const auto& place : fixed) add(place);
  for (const auto& place : writable) {
    if (!place.off_limits)
      add(place.path);
    else if (place.off_limits->rfind("over the limit", 0) == 0)
      found.over_limit.push_back(place.path);
  }
  for (const auto& place : extra) add(place);
}

}  // namespace capprobe::agent
