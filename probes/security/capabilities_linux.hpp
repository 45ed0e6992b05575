// security.capabilities on Linux: the capability sets of this process, NoNewPrivs and the
// "privileged container" heuristic, against securityContext.privileged and capabilities.add/drop.
// collect_capabilities is in capabilities_linux.cpp; the judge, pure, in capabilities.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/platform.hpp"
#include "probes/common/proc_status.hpp"
#include "probes/requests.hpp"
#include "probes/result.hpp"
#include "probes/security/capabilities.hpp"
#include "probes/security/lsm.hpp"
#include "probes/security/user_namespace.hpp"

namespace capprobe::probes {

struct DeviceNode {
  std::string path;  // "/dev/vda"
  platform::FileKind kind = platform::FileKind::other;
};

struct CapabilityFacts {
  platform::Result<ProcStatus> status;
  platform::Result<std::string> cap_last_cap;  // /proc/sys/kernel/cap_last_cap
  LsmFacts lsm;
  platform::Result<std::vector<DeviceNode>> devices;  // the device nodes in this process's /dev
  UserNamespaceFacts user_namespace{};  // capabilities in a child user namespace are not the host's
};

CapabilityFacts collect_capabilities(const platform::Platform& os);

// Device nodes a default container never has: any block device (the node's disks: sda, vda,
// nvme0n1, loop, dm-), and the kernel log and memory character devices.
std::vector<std::string> host_devices(const std::vector<DeviceNode>& devices);

// "privileged", "default" (exactly the Docker/containerd 14), "elevated" (the default 14 and
// more), "restricted" (some, not all of the default), "none" (no effective capabilities).
std::string classify_capabilities(std::uint64_t effective, bool privileged);

CapabilityResult judge_capabilities(const CapabilityFacts& facts, const PodRequests& requests);

}  // namespace capprobe::probes
