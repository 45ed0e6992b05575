// Windows path rules for the fs.* probes; see paths_windows.hpp.
#include "probes/fs/paths_windows.hpp"

#include <algorithm>

namespace capprobe::probes::fs {
namespace {

char folded(char c) {
  if (c == '/') return '\\';
  if (c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
  return c;
}

bool is_separator(char c) {
  return c == '\\' || c == '/';
}

}  // namespace

std::string win_path_key(std::string_view path) {
  std::string key;
  key.reserve(path.size() + 2);
  for (const char c : path) key.push_back(folded(c));
  // "\data": rooted on the current drive, which for a container is C:.
  if (key.size() >= 1 && key[0] == '\\' && (key.size() == 1 || key[1] != '\\')) key.insert(0, "c:");
  while (key.size() > 1 && key.back() == '\\' && !(key.size() == 3 && key[1] == ':'))
    key.pop_back();
  if (key.size() == 2 && key[1] == ':') key.push_back('\\');  // "c:" means its root here
  return key;
}

bool win_at_or_under(std::string_view path, std::string_view dir) {
  const auto p = win_path_key(path);
  const auto d = win_path_key(dir);
  if (d.empty()) return false;
  if (p == d) return true;
  if (p.size() <= d.size() || p.compare(0, d.size(), d) != 0) return false;
  return d.back() == '\\' || p[d.size()] == '\\';
}

std::string win_join(std::string_view dir, std::string_view name) {
  const char separator = dir.find('\\') != std::string_view::npos ? '\\' : '/';
  while (!dir.empty() && is_separator(dir.back())) dir.remove_suffix(1);
  while (!name.empty() && is_separator(name.front())) name.remove_prefix(1);
  std::string joined(dir);
  joined.push_back(separator);
  joined.append(name);
  return joined;
}

std::optional<std::string> pipe_name_of(std::string_view path) {
  const auto key = win_path_key(path);
  const std::string prefix = "\\\\.\\pipe\\";
  if (key.size() <= prefix.size() || key.compare(0, prefix.size(), prefix) != 0)
    return std::nullopt;
  // The name as written (pipe names compare without case, but are shown as given).
  return std::string(path.substr(prefix.size()));
}

bool win_asked_read_only(const PodRequests& requests, std::string_view path) {
  if (requests.read_only_mounts)
    for (const auto& mount_path : *requests.read_only_mounts)
      if (!mount_path.empty() && win_at_or_under(path, mount_path)) return true;
  if (requests.host_paths)
    for (const auto& host_path : *requests.host_paths)
      if (host_path.read_only && !host_path.mount_path.empty() &&
          win_at_or_under(path, host_path.mount_path))
        return true;
  return false;
}

bool win_asked_host_path(const PodRequests& requests, std::string_view path) {
  if (!requests.host_paths) return false;
  for (const auto& host_path : *requests.host_paths)
    if (!host_path.mount_path.empty() && !pipe_name_of(host_path.mount_path) &&
        win_at_or_under(path, host_path.mount_path))
      return true;
  return false;
}

std::vector<WritePlace> win_write_places(const PodRequests& requests, const std::string& temp_dir) {
  std::vector<WritePlace> places;
  const auto why_not = [&](const std::string& path) -> std::optional<std::string> {
    if (win_asked_read_only(requests, path))
      return "the pod asked for it read-only: nothing is written";
    if (win_asked_host_path(requests, path)) return "a hostPath volume: nothing is written";
    return std::nullopt;
  };
  const auto add = [&](const std::string& path) {
    if (path.empty() || pipe_name_of(path)) return;
    const bool known = std::any_of(places.begin(), places.end(), [&](const auto& place) {
      return win_path_key(place.path) == win_path_key(path);
    });
    if (!known) places.push_back({path, why_not(path)});
  };
  add(temp_dir);
  if (requests.host_paths)
    for (const auto& host_path : *requests.host_paths) add(host_path.mount_path);
  if (requests.read_only_mounts)
    for (const auto& mount_path : *requests.read_only_mounts) add(mount_path);
  std::size_t open = 0;
  for (auto& place : places) {
    if (place.off_limits) continue;
    if (open == kMaxWritePlaces)
      place.off_limits = "over the limit of " + std::to_string(kMaxWritePlaces) + " places";
    else
      ++open;
  }
  return places;
}

HostProcessSignal host_process_of(const platform::Platform& os) {
  HostProcessSignal signal;
  signal.sandbox_mount_point = os.env("CONTAINER_SANDBOX_MOUNT_POINT");
  if (signal.sandbox_mount_point && signal.sandbox_mount_point->empty())
    signal.sandbox_mount_point.reset();
  signal.host_process = signal.sandbox_mount_point.has_value();
  return signal;
}

}  // namespace capprobe::probes::fs
