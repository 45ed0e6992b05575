// The one entry to the isolation judgement: which OS's assessment applies, the round's copy of
// it, and the CPUID reading both OSes share.
#include "probes/isolation/assess.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include "platform/windows_facts.hpp"
#include "probes/round_reads.hpp"

namespace capprobe::probes {
namespace {

std::string vendor_of(const platform::CpuidRegisters& regs) {
  char bytes[12];
  std::memcpy(bytes, &regs.ebx, 4);
  std::memcpy(bytes + 4, &regs.ecx, 4);
  std::memcpy(bytes + 8, &regs.edx, 4);
  std::string vendor(bytes, 12);
  // Signatures shorter than 12 bytes ("KVMKVMKVM") are padded with NULs.
  vendor.erase(std::find(vendor.begin(), vendor.end(), '\0'), vendor.end());
  return vendor;
}

// The platform a Windows build gives has Windows facts only; the test fake has both, and is a
// Windows node in the tests that script RtlGetVersion (every Windows shape does).
bool is_windows(const platform::Platform& os) {
  const auto* windows = os.as_windows();
  if (windows == nullptr) return false;
  return os.as_linux() == nullptr || windows->kernel_version().ok();
}

}  // namespace

IsolationAssessment assess_isolation(const platform::Platform& os, RoundReads& reads) {
  return is_windows(os) ? assess_isolation_windows(os) : assess_isolation_linux(os, reads);
}

IsolationAssessment assess_isolation(const platform::Platform& os) {
  RoundReads reads;
  return assess_isolation(os, reads);
}

const IsolationAssessment& isolation_of(ProbeContext& ctx) {
  if (!ctx.isolation)
    ctx.isolation =
        std::make_shared<const IsolationAssessment>(assess_isolation(ctx.os, round_reads(ctx)));
  return *ctx.isolation;
}

CpuidHypervisor read_cpuid_hypervisor(const platform::Platform& os) {
  CpuidHypervisor out;
  const auto leaf1 = os.cpuid(1, 0);
  if (!leaf1) return out;  // ENOSYS: no CPUID on this CPU
  out.hypervisor_bit = (leaf1.value().ecx >> 31) & 1u;
  if (!*out.hypervisor_bit) return out;  // leaf 0x40000000 is undefined without the bit
  if (const auto base = os.cpuid(0x40000000, 0)) out.vendor = vendor_of(base.value());
  if (out.vendor == "Microsoft Hv")
    if (const auto next = os.cpuid(0x40000100, 0)) out.vendor_next = vendor_of(next.value());
  return out;
}

std::optional<std::string> hypervisor_from_cpuid_vendor(std::string_view vendor) {
  if (vendor == "KVMKVMKVM" || vendor == "Linux KVM Hv") return "kvm";
  if (vendor == "TCGTCGTCGTCG") return "tcg";
  if (vendor == "VMwareVMware") return "vmware";
  if (vendor == "Microsoft Hv") return "microsoft";
  if (vendor == "XenVMMXenVMM") return "xen";
  if (vendor == "bhyve bhyve ") return "bhyve";
  if (vendor == "ACRNACRNACRN") return "acrn";
  return std::nullopt;
}

std::optional<std::string> hypervisor_from_cpuid(const CpuidHypervisor& cpuid,
                                                 std::vector<std::string>& signals) {
  std::optional<std::string> hypervisor;
  if (cpuid.hypervisor_bit == true) {
    if (cpuid.vendor.empty()) {
      signals.emplace_back("cpuid:hypervisor-bit");
    } else {
      signals.push_back("cpuid:" + cpuid.vendor);
      hypervisor = hypervisor_from_cpuid_vendor(cpuid.vendor).value_or("unknown");
    }
    // KVM with Hyper-V enlightenments answers "Microsoft Hv" first and its own name next.
    if (cpuid.vendor == "Microsoft Hv" && cpuid.vendor_next == "KVMKVMKVM") {
      signals.emplace_back("cpuid:KVMKVMKVM@0x40000100");
      hypervisor = "kvm";
    }
  } else if (cpuid.hypervisor_bit == false) {
    signals.emplace_back("cpuid:no-hypervisor-bit");
  }
  return hypervisor;
}

}  // namespace capprobe::probes
