// Reads a pod spec (--pod-spec FILE, JSON) into probes::PodRequests: what the pod asked for, so
// that every result can say "requested" and flag what was requested but ignored.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "probes/requests.hpp"

namespace capprobe::agent {

// Where a field of the refused table sits in a pod spec.
enum class SpecPlace {
  pod,                         // spec.<key>
  pod_security_context,        // spec.securityContext.<key>
  container_security_context,  // <every container>.securityContext.<key>, init and ephemeral too
};

// What makes the API server refuse it (as validation.go tests the internal type).
enum class RefusedWhen {
  set,        // present and not null (a pointer field: even `privileged: false` is refused)
  is_true,    // true (hostPID, hostIPC: plain booleans there)
  non_empty,  // a non-empty list (sysctls)
};

// A field the API server refuses for a pod whose spec.os.name is `os`. The one table of them is
// os_refused_fields() (pod_spec.cpp, with its source).
struct OsRefusedField {
  std::string_view os;  // "windows" or "linux"
  SpecPlace place;
  std::string_view key;
  RefusedWhen when;
  std::string_view capability;  // the capability whose request it feeds, or "" when none reads it
  void (*forget)(probes::PodRequests&);  // leaves what it feeds unknown
};

std::span<const OsRefusedField> os_refused_fields();

struct PodSpecParse {
  std::optional<probes::PodRequests> requests;
  std::string error;  // one line saying what is wrong and where, when requests is empty
  // Which container the requests are for, and how it was told, for the report's pod_spec.detail:
  // "container probe, as named", "container main, the pod's only one", or "container unknown:
  // the pod has 2 containers (app, probe) and neither --container nor CAPPROBE_CONTAINER names
  // one".
  std::string container_note;
  // What the report's pod_spec.detail must add, one sentence each, none of which stops the run:
  // fields the API server refuses for the pod's spec.os.name (their requests left unknown), a
  // spec.os.name for another OS than this machine's, containers that disagree on hostProcess, a
  // HostProcess pod without hostNetwork.
  std::vector<std::string> warnings;
};

// Accepts a Pod, a workload with a pod template (Deployment, DaemonSet, StatefulSet, ReplicaSet,
// Job: spec.template; CronJob: spec.jobTemplate.spec.template), a PodTemplate (template) or a
// bare pod spec (an object with "containers").
//
// `container` names the container this process runs in (--container or CAPPROBE_CONTAINER): a
// container or an init container; one the spec does not have is an error listing the names.
// Without a name, the only container that runs beside others (a container, or a native sidecar:
// an init container with restartPolicy Always) is chosen; with several, a Pod read back from the
// API may tell by its status: the one candidate whose containerID appears in `self` (this
// process's /proc/self/cgroup and /proc/self/mountinfo). Otherwise the container is unknown:
// the container's fields stay nullopt and requests.container_unknown says why, while the pod's
// fields still apply. Fields the spec leaves out take the Kubernetes defaults (hostPID
// false, readOnlyRootFilesystem false, requests = limits...); a limit of zero is no limit.
//
// spec.os.name decides which fields the API server refuses (os_refused_fields): where the spec
// sets one, what it would ask stays unknown and a warning says so. `machine_os` is the OS this
// runs on, as the report's subject.os says it ("linux", "windows"; empty: not known): a spec for
// the other one gets a warning too.
PodSpecParse parse_pod_spec(std::string_view json_text, std::string_view container = {},
                            std::string_view self = {}, std::string_view machine_os = {});

}  // namespace capprobe::agent
