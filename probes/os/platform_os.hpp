// platform.os: the catalog entry, the Windows judge over plain facts, and helpers shared with the
// tests: the os-release(5) parser and the architecture names Kubernetes uses (GOARCH: amd64).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "platform/result.hpp"
#include "platform/windows_facts.hpp"
#include "probes/probe.hpp"
#include "probes/result.hpp"

namespace capprobe::probes {

ProbeInfo platform_os_info();

// KEY=value lines; values may be quoted ("..." or '...') with backslash escapes inside double
// quotes; comments and malformed lines are skipped.
std::map<std::string, std::string> parse_os_release(std::string_view text);

// uname's machine -> Kubernetes' architecture name: x86_64 -> amd64, aarch64 -> arm64...;
// Windows' spelling too (AMD64, ARM64, x86); an unknown machine is returned unchanged.
std::string kubernetes_arch(std::string_view machine);

// --- Windows ---

struct WindowsOsFacts {
  // RtlGetVersion: the kernel's build. Under process isolation the node's; under Hyper-V
  // isolation the utility VM's.
  platform::Result<platform::WindowsVersion> kernel = platform::WindowsVersion{};
  // HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion: the image's build and update revision.
  platform::Result<platform::WindowsImageVersion> image = platform::WindowsImageVersion{};
  std::optional<std::string> machine;  // the shared kernel_info()'s machine, when it answers
  // Whose kernel RtlGetVersion describes, from the isolation assessment: "node" or
  // "utility_vm"; nullopt when not known.
  std::optional<std::string> kernel_of;
};

// observed "windows"; evidence os, version, build (the kernel's), release (the kernel's, or the
// image's when only it is known), kernel ("10.0.20348"), the image's build and release beside
// them. supported when either build is known, untested when neither is.
CapabilityResult judge_windows_os(const WindowsOsFacts& facts);

}  // namespace capprobe::probes
