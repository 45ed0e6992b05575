// mountinfo parsing: fields before " - " are per-mount, after it per-superblock.
#include "probes/common/mountinfo.hpp"

#include <algorithm>
#include <set>

#include "platform/linux_facts.hpp"
#include "probes/common/text.hpp"

namespace capprobe::probes {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string decode_octal(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const auto digits = s.substr(i + 1, 3);
      if (digits.size() == 3 &&
          std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out +=
            static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0'));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

bool Mount::read_only() const {
  return contains(mount_options, "ro");
}

bool Mount::has_option(std::string_view option) const {
  return contains(mount_options, option) || contains(super_options, option);
}

std::vector<Mount> parse_mountinfo(std::string_view text) {
  std::vector<Mount> mounts;
  for (const auto& line : text::lines(text)) {
    // Fields are separated by exactly one space (spaces inside values are escaped as \040).
    // Splitting on runs of whitespace would lose an empty source ("tmpfs  rw,...", from
    // `mount -t tmpfs "" /mnt`) and read the super options as the source.
    const auto fields = text::split(text::trim(line), ' ');
    const auto dash = std::find(fields.begin(), fields.end(), "-");
    if (fields.size() < 10 || dash == fields.end() || dash - fields.begin() < 6 ||
        fields.end() - dash < 3)
      continue;
    Mount mount;
    const auto id = text::parse_int(fields[0]);
    const auto parent = text::parse_int(fields[1]);
    if (!id || !parent) continue;
    mount.id = static_cast<int>(*id);
    mount.parent_id = static_cast<int>(*parent);
    mount.device = fields[2];
    mount.root = decode_octal(fields[3]);
    mount.mount_point = decode_octal(fields[4]);
    mount.mount_options = text::split(fields[5], ',');
    mount.optional_fields.assign(fields.begin() + 6, dash);
    mount.fs_type = dash[1];
    mount.source = decode_octal(dash[2]);
    if (fields.end() - dash >= 4) mount.super_options = text::split(dash[3], ',');
    mounts.push_back(std::move(mount));
  }
  return mounts;
}

platform::Result<std::vector<Mount>> read_mounts(const platform::Platform& os) {
  // A node with thousands of mounts (many pods' volumes) has a mountinfo of a few MiB.
  const auto text = platform::linux_facts(os).read_file(kMountinfoPath, 4 << 20);
  if (!text) return text.error();
  return parse_mountinfo(text.value());
}

std::vector<Mount> visible_mounts(const std::vector<Mount>& mounts) {
  std::vector<Mount> visible;
  std::set<std::string> seen;
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it)
    if (seen.insert(it->mount_point).second) visible.push_back(*it);
  std::reverse(visible.begin(), visible.end());
  return visible;
}

bool at_or_under(std::string_view path, std::string_view dir) {
  if (dir == "/") return text::starts_with(path, "/");
  return path == dir ||
         (text::starts_with(path, dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

bool is_host_share_fs(std::string_view fs_type) {
  return fs_type == "virtiofs" || fs_type == "9p";
}

std::optional<Mount> mount_containing(const std::vector<Mount>& mounts, std::string_view path) {
  std::optional<Mount> best;
  for (const auto& mount : mounts) {  // later mounts shadow earlier ones at the same point
    const std::string_view point = mount.mount_point;
    const bool covers = point == "/" || at_or_under(path, point);
    if (covers && (!best || point.size() >= best->mount_point.size())) best = mount;
  }
  return best;
}

}  // namespace capprobe::probes
