// isolation.kernel: the catalog entry and the verdict over an isolation assessment, the same for
// every OS; each OS's probe (kernel_<os>.cpp) says which runtime classes ask for isolation there.
#pragma once

#include <string>
#include <vector>

#include "probes/isolation/assess.hpp"
#include "probes/probe.hpp"
#include "probes/requests.hpp"
#include "probes/result.hpp"

namespace capprobe::probes {

ProbeInfo isolation_kernel_info();

// What a runtime class must name to ask for VM or sandbox isolation on this OS, and whether a
// low-confidence assessment may still report such a request as ignored.
struct IsolationRequestRule {
  // Whole words of runtimeClassName ("kata" in "kata-qemu", "hypervisor" in
  // "runhcs-wcow-hypervisor"), compared case-insensitively.
  std::vector<std::string> isolating_words;
  bool low_confidence_decides = true;
};

// Whether one of runtime_class's words (split at every non-alphanumeric) is one of `words`.
bool runtime_class_names_any(const std::string& runtime_class,
                             const std::vector<std::string>& words);

// "runs in a container on the node's kernel (the node itself runs under a kvm hypervisor)"...
std::string describe_isolation(const IsolationAssessment& a);

// The result: the assessment's evidence with the keys of DESIGN.md, `requested` from
// runtimeClassName, supported, or REQUESTED BUT IGNORED when an isolating runtime class
// delivered the node's kernel.
CapabilityResult isolation_kernel_result(const IsolationAssessment& a, const PodRequests& requests,
                                         const IsolationRequestRule& rule);

}  // namespace capprobe::probes
