// What several probes of one round read alike, read once for the round and shared: this
// process's mount table (the fs.* probes, the cgroup discovery of the resource probes and
// topology.numa, and the isolation assessment: eleven reads of /proc/self/mountinfo a round
// before) and the scan of /proc for the node's agents (host.pid, host.ipc, host.network and the
// assessment: four scans). Both grow with the node a probe runs on, a node with a thousand
// processes and hundreds of mounts most of all, and neither changes during a round: no probe
// mounts anything or starts a node agent.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "platform/platform.hpp"
#include "probes/common/mountinfo.hpp"
#include "probes/host/namespaces.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes {

class RoundReads {
 public:
  using Mounts = platform::Result<std::vector<Mount>>;

  // Each read happens on its first call; later calls answer what it read. The answers live as
  // long as this object. Nothing here waits for another thread: a probe abandoned at its
  // deadline may be in the middle of a read, and a probe that asks meanwhile reads for itself
  // rather than wait for a thread that may never come back (the first answer kept is the one
  // every later call gets).
  const Mounts& mounts(const platform::Platform& os);
  const ns::ProcessScan& process_scan(const platform::Platform& os);

 private:
  template <class T, class Read>
  const T& once(std::shared_ptr<const T>& slot, Read read);

  std::mutex mutex_;
  std::shared_ptr<const Mounts> mounts_;
  std::shared_ptr<const ns::ProcessScan> process_scan_;
};

// The round's reads from the context, made there on first use when the runner did not hand
// them in (a probe run alone, as the unit tests do).
RoundReads& round_reads(ProbeContext& ctx);
const RoundReads::Mounts& mounts_of(ProbeContext& ctx);
const ns::ProcessScan& process_scan_of(ProbeContext& ctx);

}  // namespace capprobe::probes
