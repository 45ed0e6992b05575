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
  std::string error;    // one line saying what is wrong and where, when requests is empty
  std::string warning;  // something worth logging about a spec that was read anyway
};

// Accepts a Pod, a workload with a pod template (Deployment, DaemonSet, StatefulSet, ReplicaSet,
// Job: spec.template; CronJob: spec.jobTemplate.spec.template), a PodTemplate (template) or a
// bare pod spec (an object with "containers"). `container` names the container this process
// runs in (CONTAINER_NAME); empty means the first container. A name that matches no container
// is an error when there are several, and a warning when there is only one to choose. Fields the
// spec leaves out take the Kubernetes defaults (hostPID false, readOnlyRootFilesystem false,
// requests = limits...); a limit of zero is no limit.
PodSpecParse parse_pod_spec(std::string_view json_text, std::string_view container = {});

}  // namespace capprobe::agent
