// The report's subject (DESIGN.md "Report envelope"): which node, pod, container, OS and kind of
// environment the results describe. Read through the Platform so tests run over a fake.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "agent/report.hpp"
#include "platform/platform.hpp"
#include "probes/requests.hpp"

namespace capprobe::agent {

// uname machine -> the Kubernetes/Go architecture name ("x86_64" -> "amd64").
std::string arch_name(std::string_view machine);

// isolation.kernel's observed word -> subject.environment ("shared_kernel" -> "container").
std::string environment_name(std::string_view isolation_observed);

// The subject's OS word from the kernel's sysname: "linux" for Linux, "windows" for Windows_NT
// (what WindowsPlatform's kernel_info says, as uname does on Cygwin); else the name lowercased.
std::string os_name(std::string_view sysname);

// PRETTY_NAME from os-release text (quotes and shell escapes removed); empty when absent.
std::string os_release_pretty_name(std::string_view os_release);

// `isolation_observed` is assess_isolation(os).observed, passed in so that this stays a plain
// function of its inputs.
Subject describe_subject(const platform::Platform& os, const probes::PodRequests& requests,
                         std::string_view isolation_observed);

// The same, assessing the isolation itself (assess_isolation); "unknown" if that fails.
Subject describe_subject(const platform::Platform& os, const probes::PodRequests& requests);

}  // namespace capprobe::agent
