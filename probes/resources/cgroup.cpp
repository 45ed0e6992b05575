// cgroup discovery and the cgroup file parsers: pure functions over text, shared by the Linux
// collectors of the resource probes and isolation.kernel. What reads the files through LinuxFacts
// is in cgroup_linux.cpp. Table-driven tests: tests/unit/probes/resources_cgroup_test.cpp.
#include "probes/resources/cgroup.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "probes/common/json.hpp"
#include "probes/common/text.hpp"

namespace capprobe::probes::cgroup {
namespace {

const std::vector<std::string> kWanted = {"cpu", "memory", "cpuset"};

// Controllers that make a v1 mount a real hierarchy (a "name=systemd" mount alone is not one).
const std::set<std::string> kV1Controllers = {
    "cpu",   "cpuacct",    "cpuset",   "memory",  "devices", "freezer", "net_cls",
    "blkio", "perf_event", "net_prio", "hugetlb", "pids",    "rdma",    "misc"};

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

bool escapes_upward(std::string_view path) {
  for (const auto& part : text::split(path, '/'))
    if (part == "..") return true;
  return false;
}

std::string version_name(Version version) {
  return version == Version::v1 ? "v1" : "v2";
}

// The smallest shares value in [2, 262144] for which f(shares) >= target; f is non-decreasing.
template <class F>
std::uint64_t lower_bound_shares(F f, std::uint64_t target) {
  std::uint64_t low = 2, high = 262144;
  while (low < high) {
    const auto middle = low + (high - low) / 2;
    if (f(middle) >= target)
      high = middle;
    else
      low = middle + 1;
  }
  return low;
}

template <class F>
std::optional<RequestRange> invert_weight(F f, std::uint64_t weight) {
  if (weight < 1 || weight > 10000) return std::nullopt;
  const auto first = lower_bound_shares(f, weight);
  if (f(first) != weight) return std::nullopt;  // no shares value gives this weight
  auto last = weight == 10000 ? std::uint64_t{262144} : lower_bound_shares(f, weight + 1) - 1;
  if (f(last) != weight) last = first;
  return RequestRange{static_cast<double>(first) / 1024.0, static_cast<double>(last + 1) / 1024.0};
}

}  // namespace

// ---------------------------------------------------------------- discovery

std::vector<Membership> parse_proc_cgroup(std::string_view text) {
  std::vector<Membership> out;
  for (const auto& line : text::lines(text)) {
    const auto first = line.find(':');
    const auto second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const auto id = text::parse_int(std::string_view(line).substr(0, first));
    if (!id) continue;
    Membership membership;
    membership.hierarchy = static_cast<int>(*id);
    const auto controllers = line.substr(first + 1, second - first - 1);
    if (!controllers.empty()) membership.controllers = text::split(controllers, ',');
    membership.path = line.substr(second + 1);  // a path may itself hold ':'
    out.push_back(std::move(membership));
  }
  return out;
}

std::optional<std::string> resolve_directory(std::string_view mount_point,
                                             std::string_view mount_root,
                                             std::string_view cgroup_path) {
  if (escapes_upward(cgroup_path) || escapes_upward(mount_root)) return std::nullopt;
  std::string_view relative;
  if (mount_root == "/" || mount_root.empty()) {
    relative = cgroup_path;
  } else if (at_or_under(cgroup_path, mount_root)) {
    relative = cgroup_path.substr(mount_root.size());
  } else {
    return std::nullopt;
  }
  while (!relative.empty() && relative.back() == '/') relative.remove_suffix(1);
  std::string directory(mount_point);
  while (directory.size() > 1 && directory.back() == '/') directory.pop_back();
  if (!relative.empty()) directory += relative.front() == '/' ? "" : "/";
  directory += relative;
  return directory;
}

std::optional<Mount> unified_mount(const std::vector<Membership>& membership,
                                   const std::vector<Mount>& mounts) {
  std::optional<std::string> path;
  for (const auto& line : membership)
    if (line.hierarchy == 0 && line.controllers.empty()) path = line.path;
  std::optional<Mount> best;
  for (const auto& mount : mounts) {
    if (mount.fs_type != "cgroup2") continue;
    const bool holds = path && resolve_directory(mount.mount_point, mount.root, *path).has_value();
    const bool best_holds =
        best && path && resolve_directory(best->mount_point, best->root, *path).has_value();
    if (!best || (holds && (!best_holds || mount.root.size() > best->root.size()))) best = mount;
  }
  return best;
}

const Location* Discovery::find(const std::string& controller) const {
  const auto found = controllers.find(controller);
  return found == controllers.end() ? nullptr : &found->second;
}

nlohmann::json Discovery::to_json() const {
  nlohmann::json out;
  out["layout"] = layout;
  out["unified_mount"] = json_or_null(unified_mount);
  out["v2_controllers"] = v2_controllers;
  auto& where = out["controllers"] = nlohmann::json::object();
  for (const auto& [name, location] : controllers) {
    where[name] = {{"version", version_name(location.version)},
                   {"mount_point", location.mount_point},
                   {"mount_root", location.mount_root},
                   {"cgroup_path", location.cgroup_path},
                   {"directory", json_or_null(location.directory)}};
  }
  out["problems"] = problems;
  return out;
}

Discovery discover(const DiscoveryInput& input) {
  Discovery discovery;
  if (!input.membership_error.empty())
    discovery.problems.push_back("/proc/self/cgroup could not be read (" + input.membership_error +
                                 ")");

  bool any_v1 = false;
  for (const auto& mount : input.mounts)
    if (mount.fs_type == "cgroup")
      for (const auto& option : mount.super_options)
        any_v1 = any_v1 || kV1Controllers.count(option);

  const auto unified = unified_mount(input.membership, input.mounts);
  std::optional<std::string> unified_path;
  for (const auto& line : input.membership)
    if (line.hierarchy == 0 && line.controllers.empty()) unified_path = line.path;
  if (unified) {
    discovery.unified_mount = unified->mount_point;
    if (input.v2_controllers_text)
      discovery.v2_controllers = text::split_whitespace(*input.v2_controllers_text);
    else
      discovery.problems.push_back(
          unified->mount_point + "/cgroup.controllers could not be read (" +
          (input.v2_controllers_error.empty() ? std::string("unknown")
                                              : input.v2_controllers_error) +
          ")");
  }

  for (const auto& controller : kWanted) {
    const auto line =
        std::find_if(input.membership.begin(), input.membership.end(),
                     [&](const Membership& m) { return contains(m.controllers, controller); });
    if (line != input.membership.end()) {  // a v1 hierarchy holds it
      std::optional<Mount> chosen;
      for (const auto& mount : input.mounts) {
        if (mount.fs_type != "cgroup" || !contains(mount.super_options, controller)) continue;
        const bool resolves =
            resolve_directory(mount.mount_point, mount.root, line->path).has_value();
        const bool chosen_resolves =
            chosen && resolve_directory(chosen->mount_point, chosen->root, line->path).has_value();
        if (!chosen || (resolves && (!chosen_resolves || mount.root.size() > chosen->root.size())))
          chosen = mount;
      }
      if (!chosen) {
        discovery.problems.push_back(controller + ": v1 hierarchy " +
                                     std::to_string(line->hierarchy) +
                                     " is not mounted in this mount namespace");
        continue;
      }
      Location location{
          controller,          Version::v1,
          chosen->mount_point, chosen->root,
          line->path,          resolve_directory(chosen->mount_point, chosen->root, line->path)};
      if (!location.directory)
        discovery.problems.push_back(controller + ": cgroup path " + line->path +
                                     " is outside the root " + chosen->root + " of the mount at " +
                                     chosen->mount_point);
      discovery.controllers[controller] = std::move(location);
      continue;
    }
    if (!unified || !unified_path) continue;
    // A controller is on v2 only when the v2 root lists it; an unreadable list is not proof of
    // absence, so the controller is then assumed there (and the problem is already recorded).
    const bool listed =
        input.v2_controllers_text ? contains(discovery.v2_controllers, controller) : true;
    if (!listed) continue;
    Location location{controller,
                      Version::v2,
                      unified->mount_point,
                      unified->root,
                      *unified_path,
                      resolve_directory(unified->mount_point, unified->root, *unified_path)};
    if (!location.directory)
      discovery.problems.push_back(controller + ": cgroup path " + *unified_path +
                                   " is outside the root " + unified->root + " of the mount at " +
                                   unified->mount_point);
    discovery.controllers[controller] = std::move(location);
  }

  if (any_v1 && unified)
    discovery.layout = "hybrid";
  else if (any_v1)
    discovery.layout = "v1";
  else if (unified)
    discovery.layout = "v2";
  return discovery;
}

std::vector<std::string> ancestry(const Location& location) {
  std::vector<std::string> out;
  if (!location.directory) return out;
  std::string directory = *location.directory;
  out.push_back(directory);
  while (directory.size() > location.mount_point.size()) {
    const auto slash = directory.find_last_of('/');
    if (slash == std::string::npos || slash < location.mount_point.size()) break;
    directory.resize(slash);
    out.push_back(directory);
  }
  return out;
}

// ---------------------------------------------------------------- pure parsers

ByteLimit parse_byte_limit(std::string_view content) {
  const auto trimmed = text::trim(content);
  if (trimmed == "max") return {LimitKind::unlimited, 0};
  const auto value = text::parse_uint(trimmed);
  if (!value) {
    // v1 root cgroups on some kernels print -1.
    if (text::parse_int(trimmed) == -1) return {LimitKind::unlimited, 0};
    return {LimitKind::malformed, 0};
  }
  if (*value >= kUnlimitedThreshold) return {LimitKind::unlimited, 0};
  return {LimitKind::limited, *value};
}

std::optional<double> CpuQuota::cpus() const {
  if (!quota_us || period_us <= 0) return std::nullopt;
  return static_cast<double>(*quota_us) / static_cast<double>(period_us);
}

std::optional<CpuQuota> parse_cpu_max(std::string_view content) {
  const auto fields = text::split_whitespace(content);
  if (fields.empty() || fields.size() > 2) return std::nullopt;
  CpuQuota quota;
  if (fields.size() == 2) {
    const auto period = text::parse_int(fields[1]);
    if (!period || *period <= 0) return std::nullopt;
    quota.period_us = *period;
  }
  if (fields[0] == "max") return quota;
  const auto value = text::parse_int(fields[0]);
  if (!value || *value <= 0) return std::nullopt;
  quota.quota_us = *value;
  return quota;
}

std::optional<CpuQuota> parse_cfs_quota(std::string_view quota_text, std::string_view period_text) {
  const auto quota = text::parse_int(quota_text);
  const auto period = text::parse_int(period_text);
  if (!quota || !period || *period <= 0) return std::nullopt;
  CpuQuota out;
  out.period_us = *period;
  if (*quota > 0)
    out.quota_us = *quota;  // -1 = no quota
  else if (*quota != -1)
    return std::nullopt;
  return out;
}

std::optional<std::uint64_t> counter(std::string_view content, const std::string& key) {
  const auto values = text::key_values(content, ' ');
  const auto found = values.find(key);
  if (found == values.end()) return std::nullopt;
  return text::parse_uint(found->second);
}

CpuStat parse_cpu_stat(std::string_view content) {
  CpuStat stat;
  stat.nr_periods = counter(content, "nr_periods");
  stat.nr_throttled = counter(content, "nr_throttled");
  stat.usage_usec = counter(content, "usage_usec");
  stat.throttled_usec = counter(content, "throttled_usec");
  if (!stat.throttled_usec)
    if (const auto nanoseconds = counter(content, "throttled_time"))  // v1 counts nanoseconds
      stat.throttled_usec = *nanoseconds / 1000;
  return stat;
}

std::uint64_t weight_linear(std::uint64_t shares) {
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  return 1 + ((shares - 2) * 9999) / 262142;
}

std::uint64_t weight_nonlinear(std::uint64_t shares) {
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  // As runc >= 1.3.2 and crun >= 1.23 compute it, in doubles, so that values match exactly;
  // it maps the v1 default 1024 to the v2 default 100.
  const double l = std::log2(static_cast<double>(shares));
  const double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  const auto weight = static_cast<std::uint64_t>(std::ceil(std::pow(10.0, exponent)));
  return std::clamp<std::uint64_t>(weight, 1, 10000);
}

std::optional<RequestRange> request_from_shares(std::uint64_t shares) {
  if (shares < 2 || shares > 262144) return std::nullopt;
  // kubelet: shares = milliCPU * 1024 / 1000, at least 2.
  const double low = shares == 2 ? 0.0 : static_cast<double>(shares) / 1024.0;
  return RequestRange{low, static_cast<double>(shares + 1) / 1024.0};
}

std::optional<RequestRange> request_from_weight_linear(std::uint64_t weight) {
  return invert_weight(weight_linear, weight);
}

std::optional<RequestRange> request_from_weight_nonlinear(std::uint64_t weight) {
  return invert_weight(weight_nonlinear, weight);
}

}  // namespace capprobe::probes::cgroup
