// What every lab environment is built from and must take down again: a scratch directory named
// after the runner's pid, an overlay root over the cached container image, and the sweep that
// removes what a crashed earlier run left behind (mounts, runc containers, cgroups, files).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/lab/harness/util.hpp"

namespace capprobe::lab {

// Every name the lab gives a host object (scratch dirs, cgroups, runc ids) carries this prefix
// and ends with "-<runner pid>", so a later run can tell leftovers of dead runners.
inline constexpr const char* kLabPrefix = "capprobe-lab";

// <work>/run/<scenario>-<pid>: created empty, removed with everything below it (mounts first).
class Scratch {
 public:
  Scratch(const fs::path& work, const std::string& scenario);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// An overlay mount at `merged`: the image as the read-only lower layer, writes going to an
// upper directory next to it (what containerd's overlayfs snapshotter gives a container).
class OverlayRoot {
 public:
  OverlayRoot(const fs::path& image, const fs::path& merged, const fs::path& layers);
  ~OverlayRoot();
  OverlayRoot(const OverlayRoot&) = delete;
  OverlayRoot& operator=(const OverlayRoot&) = delete;
  const fs::path& merged() const { return merged_; }

 private:
  fs::path merged_;
};

// Unmounts everything mounted at or below `dir` (deepest first); never throws, returns what it
// could not unmount.
std::vector<std::string> unmount_below(const fs::path& dir);

// The cgroup directory name of this runner in every hierarchy: "capprobe-lab-<pid>".
std::string cgroup_root_name();

// This runner's top cgroup, removed in every hierarchy (members killed) when the scenario ends.
// It gets the largest CPU weight, as kubelet gives /kubepods the node's allocatable CPUs: what a
// scenario measures (a CPU burn, a probe's deadline in a slow TCG guest) must be the
// environment's doing, not that of the build jobs sharing this machine.
class LabCgroup {
 public:
  LabCgroup();
  ~LabCgroup();
  LabCgroup(const LabCgroup&) = delete;
  LabCgroup& operator=(const LabCgroup&) = delete;

  // argv run by `sh -c` that first moves itself into the weighted group's leaf "<name>".
  std::vector<std::string> wrap(const std::string& name, const std::vector<std::string>& argv);

 private:
  fs::path cpu_group_;  // empty when no CPU controller is available
};
// Removes /sys/fs/cgroup/<each hierarchy>/<name> with everything below it (members killed).
std::vector<std::string> remove_cgroup_tree(const std::string& name);

// Removes what runners that no longer live left: their scratch dirs (with the mounts and runc
// state inside) and their cgroups. Prints what it removed.
void sweep_stale(const fs::path& work);

// The host facts expectations may refer to: host.pid_ns, host.net_ns, host.ipc_ns,
// host.uts_ns, host.boot_id, host.kernel (strings), host.cpus (the online CPU count),
// host.numa_nodes (the NUMA node count), host.hypervisor ("kvm"... or null) and
// host.cgroup_limits ("cgroup_v1" or "cgroup_v2": where runc puts a container's limits).
std::map<std::string, nlohmann::json> host_vars();

}  // namespace capprobe::lab
