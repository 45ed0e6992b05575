// The own-pod GET: the get-pod mode of capprobe-deliver (delivery_helper.hpp says every rule it
// keeps). Per OS, chosen by CMake: curl_pod_get.cpp (libcurl) on Linux, winhttp_pod_get.cpp on
// Windows. Only that helper links this, like the report POST (http_delivery.hpp).
#pragma once

#include "agent/daemon/delivery_helper.hpp"

namespace capprobe::agent::daemon {

// One GET of the pod, and one retry after a 401 with the token read again. Blocking, bounded by
// config.timeout. Call init_http_client() (http_delivery.hpp) first.
PodGetAnswer get_pod(const PodGetConfig& config);

}  // namespace capprobe::agent::daemon
