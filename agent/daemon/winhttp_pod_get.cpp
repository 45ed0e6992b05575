// The own-pod GET on Windows (pod_get.hpp). Not built yet: the GET must trust the service
// account's ca.crt alone, and WinHTTP trusts the system store, so it needs the exclusive-root
// chain check winhttp_delivery.cpp does for --ca-file, which Wine cannot run (no exclusive root
// engine) and so cannot be tested here. Until it is, the helper answers that no GET was made, and
// the report's pod_spec says so ("none", with this reason): an honest "don't know" rather than a
// request that trusts more than ca.crt.
#include "agent/daemon/pod_get.hpp"

namespace capprobe::agent::daemon {

PodGetAnswer get_pod(const PodGetConfig&) {
  PodGetAnswer answer;
  answer.result = PodGetResult::failed;
  answer.attempts = 0;
  answer.detail =
      "the own-pod GET is not built for Windows yet (it needs a WinHTTP request that trusts "
      "ca.crt alone); give the pod spec with --pod-spec";
  return answer;
}

}  // namespace capprobe::agent::daemon
