// isolation.kernel: whose kernel this process runs on (the node's, a pod VM's own, a user-space
// kernel) and the hypervisor underneath, as assess_isolation() judges it; flags a VM or sandbox
// runtime class that did not deliver its isolation.
#include <algorithm>
#include <cctype>

#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/isolation/assess.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes {
namespace {

// A runtime class asks for VM or sandbox isolation when one of its words names such a runtime
// ("kata", "kata-qemu", "kata-fc", "firecracker", "gvisor", "runsc-kvm", "crx").
bool runtime_class_wants_isolation(const std::string& runtime_class) {
  static const std::vector<std::string> isolating = {"kata",   "fc",    "firecracker",
                                                     "gvisor", "runsc", "crx"};
  std::string word;
  const auto matches = [&word]() {
    return std::find(isolating.begin(), isolating.end(), word) != isolating.end();
  };
  for (const char c : runtime_class) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      continue;
    }
    if (matches()) return true;
    word.clear();
  }
  return matches();
}

// "a kvm hypervisor", "an unknown hypervisor", "an acrn hypervisor".
std::string with_article(const std::string& word) {
  const bool vowel =
      !word.empty() && std::string_view("aeiou").find(word.front()) != std::string_view::npos;
  return (vowel ? "an " : "a ") + word;
}

std::string describe(const IsolationAssessment& a) {
  const std::string under = a.hypervisor ? " under " + with_article(*a.hypervisor) + " hypervisor"
                                         : " with no hypervisor seen";
  if (a.observed == "sandbox")
    return "runs on a user-space kernel (" + a.flavor.value_or("sandbox") + ")" + under;
  if (a.observed == "vm_guest")
    return "runs on its own guest kernel in a " + a.flavor.value_or("pod") + " VM" + under;
  if (a.observed == "shared_kernel")
    return "runs in a container on the node's kernel (the node itself runs" + under + ")";
  return "runs on the host's own kernel, in no container," + under;
}

CapabilityResult run(ProbeContext& ctx) {
  CapabilityResult result;
  result.id = "isolation.kernel";
  const auto& a = isolation_of(ctx);
  result.observed = a.observed;

  result.evidence = a.evidence;  // the raw facts first, then the keys other tools read
  result.evidence["hypervisor"] = json_or_null(a.hypervisor);
  result.evidence["flavor"] = json_or_null(a.flavor);
  result.evidence["signals"] = a.signals;
  result.evidence["boot_id"] =
      a.boot_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.boot_id);
  result.evidence["confidence"] = a.confidence;
  const auto& runtime_class = ctx.requests.runtime_class;
  result.evidence["runtime_class"] = json_or_null(runtime_class);

  // A pod spec without runtimeClassName runs the node's default runtime: no isolation asked.
  if (runtime_class)
    result.requested = runtime_class_wants_isolation(*runtime_class);
  else if (spec_covers(ctx.requests, SpecScope::pod))
    result.requested = false;

  const auto seen = describe(a);
  if (result.requested == true && (a.observed == "shared_kernel" || a.observed == "host")) {
    mark_ignored(result, "runtimeClassName " + *runtime_class,
                 "this process " + seen + " (" + a.confidence + " confidence)");
    return result;
  }
  result.status = Status::supported;
  result.summary = "This process " + seen + ", with " + a.confidence + " confidence";
  if (a.confidence == "low")
    result.summary += " (" + a.evidence.value("basis", std::string("few signals")) + ")";
  return result;
}

}  // namespace

Probe isolation_kernel_linux_probe() {
  return {{.id = "isolation.kernel",
           .title = "Kernel isolation: node kernel, pod VM guest or sandbox",
           .pod_spec_field = "runtimeClassName",
           .platforms = {"linux"}},
          run};
}

}  // namespace capprobe::probes
