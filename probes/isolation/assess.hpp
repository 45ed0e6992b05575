// The isolation judgement as a library call: isolation.kernel reports it, and other probes
// (host.*, topology.numa) and the report's subject.environment depend on it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/platform.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes {

struct IsolationAssessment {
  std::string observed;                   // "host", "shared_kernel", "vm_guest", "sandbox"
  std::optional<std::string> hypervisor;  // "kvm", "tcg", "vmware", "microsoft", "xen"... or none
  std::optional<std::string> flavor;      // "kata", "firecracker", "crx", "hyperv", "gvisor"
  std::vector<std::string> signals;  // what was seen, e.g. "cmdline:agent.*", "cpuid:KVMKVMKVM"
  std::string boot_id;               // /proc/sys/kernel/random/boot_id
  std::string confidence;            // "high", "medium", "low"
  nlohmann::json evidence = nlohmann::json::object();  // the raw facts behind it
};

IsolationAssessment assess_isolation(const platform::Platform& os);

// The round's assessment from the context, assessing it now (and keeping it there) when the
// runner did not hand one in.
const IsolationAssessment& isolation_of(ProbeContext& ctx);

}  // namespace capprobe::probes
