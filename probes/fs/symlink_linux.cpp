// fs.symlink on Linux: symlink(2) in the temp dir and in each writable volume of
// /proc/self/mountinfo, verified with readlink, lstat and a read through the link.
#include "probes/fs/symlink_linux.hpp"

#include "platform/linux_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/text.hpp"
#include "probes/fs/mount_places.hpp"
#include "probes/round_reads.hpp"

namespace capprobe::probes::fs {
namespace {

// Everything for one place happens inside `dir`, which the caller removes afterwards.
SymlinkLocation exercise(platform::Platform& os, const std::string& place, const std::string& dir,
                         const std::string& nonce) {
  SymlinkLocation location;
  location.path = place;
  const std::array<std::pair<std::string, bool>, 4> targets = {{
      {join_path(dir, kTargetFile), false},  // file_absolute
      {kTargetFile, false},                  // file_relative
      {join_path(dir, kTargetDir), true},    // dir_absolute
      {kTargetDir, true},                    // dir_relative
  }};
  const auto same = [](const std::string& written, const std::string& read) {
    return written == read;
  };
  for (std::size_t i = 0; i < kLinkKinds.size(); ++i) {
    const auto& [target, is_dir] = targets[i];
    const auto link = join_path(dir, std::string("link-") + kLinkKinds[i]);
    LinkCheck check;
    if (const auto made = os.make_symlink(target, link); !made)
      check = {made.error().name, "make_symlink: " + made.error().name};
    else
      check = verify_link(os, link, target, is_dir, nonce, same);
    location.outcome[i] = check.outcome;
    location.detail[i] = check.detail;
  }
  return location;
}

// The temp dir and every writable volume, each with why it is not tried when that is known
// before touching it (probes/fs/mount_places.hpp: the same list the residue sweeper sweeps).
// Nothing here touches a place: one of them may be a hung mount.
std::vector<WritePlace> candidate_places(ProbeContext& ctx, LinuxSymlinkFacts& facts) {
  const auto& mounts = mounts_of(ctx);
  if (!mounts) facts.mountinfo_error = mounts.error().name;
  const auto visible = mounts ? visible_mounts(mounts.value()) : std::vector<Mount>{};
  return write_places(visible, ctx.requests, ctx.os.temp_dir());
}

}  // namespace

LinuxSymlinkFacts collect_linux_symlink_facts(ProbeContext& ctx) {
  LinuxSymlinkFacts facts;
  if (const auto text = platform::linux_facts(ctx.os).read_file("/proc/sys/fs/protected_symlinks");
      text) {
    if (const auto value = text::parse_int(text.value()))
      facts.protected_symlinks = static_cast<int>(*value);
  }
  PlaceRules rules;
  rules.exercise = exercise;
  facts.places = exercise_places(ctx, candidate_places(ctx, facts), rules);
  return facts;
}

CapabilityResult judge_linux_symlink(const LinuxSymlinkFacts& facts) {
  auto result = judge_symlink(facts.places);
  result.evidence["protected_symlinks"] = json_or_null(facts.protected_symlinks);
  if (facts.mountinfo_error) result.evidence["mountinfo_error"] = *facts.mountinfo_error;
  return result;
}

}  // namespace capprobe::probes::fs

namespace capprobe::probes {

Probe fs_symlink_linux_probe() {
  return {fs::symlink_info(), [](ProbeContext& ctx) {
            return fs::judge_linux_symlink(fs::collect_linux_symlink_facts(ctx));
          }};
}

}  // namespace capprobe::probes
