// Reads a pod spec (--pod-spec FILE, JSON) into probes::PodRequests: what the pod asked for, so
// that every result can say "requested" and flag what was requested but ignored.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "probes/requests.hpp"

namespace capprobe::agent {

struct PodSpecParse {
  std::optional<probes::PodRequests> requests;
  std::string error;  // one line saying what is wrong and where, when requests is empty
  // Which container the requests are for, and how it was told, for the report's pod_spec.detail:
  // "container probe, as named", "container main, the pod's only one", or "container unknown:
  // the pod has 2 containers (app, probe) and neither --container nor CAPPROBE_CONTAINER names
  // one".
  std::string container_note;
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
PodSpecParse parse_pod_spec(std::string_view json_text, std::string_view container = {},
                            std::string_view self = {});

}  // namespace capprobe::agent
