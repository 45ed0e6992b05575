// platform.os: the catalog entry, and helpers shared with the tests: the os-release(5) parser and
// the architecture names Kubernetes uses (GOARCH: amd64, arm64).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "probes/probe.hpp"

namespace capprobe::probes {

ProbeInfo platform_os_info();

// KEY=value lines; values may be quoted ("..." or '...') with backslash escapes inside double
// quotes; comments and malformed lines are skipped.
std::map<std::string, std::string> parse_os_release(std::string_view text);

// uname's machine -> Kubernetes' architecture name: x86_64 -> amd64, aarch64 -> arm64...;
// an unknown machine is returned unchanged.
std::string kubernetes_arch(std::string_view machine);

}  // namespace capprobe::probes
