// isolation.kernel: whose kernel this process runs on (the node's, a pod VM's own, a user-space
// kernel) and the hypervisor underneath, as assess_isolation() judges it; flags a VM or sandbox
// runtime class that did not deliver its isolation.
#include "probes/isolation/kernel.hpp"

#include <algorithm>
#include <cctype>

#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"

namespace capprobe::probes {
namespace {

// "a kvm hypervisor", "an unknown hypervisor", "an acrn hypervisor".
std::string with_article(const std::string& word) {
  const bool vowel =
      !word.empty() && std::string_view("aeiou").find(word.front()) != std::string_view::npos;
  return (vowel ? "an " : "a ") + word;
}

}  // namespace

ProbeInfo isolation_kernel_info() {
  return {.id = "isolation.kernel",
          .title = "Kernel isolation: node kernel, pod VM guest or sandbox",
          .pod_spec_field = "runtimeClassName",
          .platforms = {"linux", "windows"}};
}

bool runtime_class_names_any(const std::string& runtime_class,
                             const std::vector<std::string>& words) {
  std::string word;
  const auto matches = [&word, &words]() {
    return std::find(words.begin(), words.end(), word) != words.end();
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

std::string describe_isolation(const IsolationAssessment& a) {
  const std::string under = a.hypervisor ? " under " + with_article(*a.hypervisor) + " hypervisor"
                                         : " with no hypervisor seen";
  // Windows' own kinds first: the observed words alone would not name them.
  if (a.environment == "windows_hostprocess")
    return "runs as a HostProcess container on the node's kernel, with no process, network or "
           "object-namespace isolation (the node itself runs" +
           under + ")";
  if (a.environment == "windows_hyperv")
    return "runs in a Hyper-V isolated container, on the own kernel of its utility VM" + under;
  if (a.environment == "windows_process")
    return "runs in a process-isolated Windows container on the node's kernel (the node itself "
           "runs" +
           under + ")";
  if (a.observed == "sandbox")
    return "runs on a user-space kernel (" + a.flavor.value_or("sandbox") + ")" + under;
  if (a.observed == "vm_guest")
    return "runs on its own guest kernel in a " + a.flavor.value_or("pod") + " VM" + under;
  if (a.observed == "shared_kernel")
    return "runs in a container on the node's kernel (the node itself runs" + under + ")";
  return "runs on the host's own kernel, in no container," + under;
}

CapabilityResult isolation_kernel_result(const IsolationAssessment& a, const PodRequests& requests,
                                         const IsolationRequestRule& rule) {
  CapabilityResult result;
  result.id = "isolation.kernel";
  result.observed = a.observed;

  result.evidence = a.evidence;  // the raw facts first, then the keys other tools read
  result.evidence["hypervisor"] = json_or_null(a.hypervisor);
  result.evidence["flavor"] = json_or_null(a.flavor);
  result.evidence["signals"] = a.signals;
  result.evidence["boot_id"] =
      a.boot_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.boot_id);
  result.evidence["confidence"] = a.confidence;
  const auto& runtime_class = requests.runtime_class;
  result.evidence["runtime_class"] = json_or_null(runtime_class);

  // A pod spec without runtimeClassName runs the node's default runtime: no isolation asked.
  if (runtime_class)
    result.requested = runtime_class_names_any(*runtime_class, rule.isolating_words);
  else if (spec_covers(requests, SpecScope::pod))
    result.requested = false;

  const auto seen = describe_isolation(a);
  const auto basis = a.evidence.value("basis", std::string("few signals"));
  if (result.requested == true && (a.observed == "shared_kernel" || a.observed == "host")) {
    if (a.confidence == "low" && !rule.low_confidence_decides) {
      // A guess must not become the loudest finding this tool makes.
      result.status = Status::untested;
      result.summary =
          "runtimeClassName " + *runtime_class + " asks for VM isolation; this process seems to " +
          seen + ", but with low confidence (" + basis + "), so it is not reported as ignored";
      return result;
    }
    mark_ignored(result, "runtimeClassName " + *runtime_class,
                 "this process " + seen + " (" + a.confidence + " confidence)");
    return result;
  }
  result.status = Status::supported;
  result.summary = "This process " + seen + ", with " + a.confidence + " confidence";
  if (a.confidence == "low") result.summary += " (" + basis + ")";
  return result;
}

}  // namespace capprobe::probes
