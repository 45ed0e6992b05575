// The isolation judgement as a library call: isolation.kernel reports it, and other probes
// (host.*, topology.numa, the CPU limit) and the report's subject.environment depend on it. The
// assessment is one struct for every OS; each OS has its own facts and judge (facts_<os>.hpp),
// and assess_isolation() picks the one whose facts the platform has.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/platform.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes {

struct IsolationAssessment {
  std::string observed;                   // "host", "shared_kernel", "vm_guest", "sandbox"
  std::optional<std::string> hypervisor;  // "kvm", "tcg", "vmware", "microsoft", "xen"... or none
  std::optional<std::string> flavor;      // "kata", "firecracker", "crx", "hyperv", "gvisor"
  std::vector<std::string> signals;  // what was seen, e.g. "cmdline:agent.*", "cpuid:KVMKVMKVM"
  std::string boot_id;               // /proc/sys/kernel/random/boot_id; empty when none
  std::string confidence;            // "high", "medium", "low"
  nlohmann::json evidence = nlohmann::json::object();  // the raw facts behind it
  // The report's subject.environment word (DESIGN.md "Report envelope"): "host", "container",
  // "vm_guest", "sandbox" on Linux; "host", "windows_process", "windows_hyperv",
  // "windows_hostprocess" on Windows. Empty when not assessed.
  std::string environment;
};

// The assessment of the OS whose facts `os` has: Windows when it answers the Windows facts
// (a platform with both, the test fake, is Windows when it answers RtlGetVersion), else Linux.
// What it reads that probes read too goes through `reads`, the round's (probes/round_reads.hpp).
IsolationAssessment assess_isolation(const platform::Platform& os, RoundReads& reads);
IsolationAssessment assess_isolation(const platform::Platform& os);  // with reads of its own
IsolationAssessment assess_isolation_linux(const platform::Platform& os,
                                           RoundReads& reads);               // assess_linux.cpp
IsolationAssessment assess_isolation_windows(const platform::Platform& os);  // assess_windows.cpp

// The round's assessment from the context, assessing it now (and keeping it there) when the
// runner did not hand one in.
const IsolationAssessment& isolation_of(ProbeContext& ctx);

// --- what both OSes read the same way: CPUID (a shared Platform call) ---

struct CpuidHypervisor {
  std::optional<bool> hypervisor_bit;  // leaf 1 ECX bit 31; nullopt = no CPUID (non-x86)
  std::string vendor;                  // leaf 0x40000000 EBX,ECX,EDX; NULs dropped
  std::string vendor_next;  // leaf 0x40000100, read behind "Microsoft Hv" (KVM hides there)
};
CpuidHypervisor read_cpuid_hypervisor(const platform::Platform& os);

// The CPUID hypervisor vendor signature -> "kvm", "tcg", "vmware"...; nullopt when unknown.
std::optional<std::string> hypervisor_from_cpuid_vendor(std::string_view vendor);

// The hypervisor CPUID names, and the signals that say so ("cpuid:Microsoft Hv",
// "cpuid:no-hypervisor-bit"), appended to `signals`; "unknown" for an unknown signature.
std::optional<std::string> hypervisor_from_cpuid(const CpuidHypervisor& cpuid,
                                                 std::vector<std::string>& signals);

}  // namespace capprobe::probes
