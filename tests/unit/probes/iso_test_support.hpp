// Test helpers for the isolation and host.* tests: the iso-* fixture trees with the CPUID a
// hypervisor of that kind announces, since CPUID is no file a tree could hold.
#pragma once

#include <cstdlib>

#include <algorithm>
#include <cstring>
#include <string>

#include "platform/fake/fake_platform.hpp"
#include "tests/unit/probes/fixtures.hpp"

namespace capprobe::testing {

inline void set_cpuid_vendor(platform::CpuidRegisters& regs, const std::string& vendor) {
  char bytes[12] = {};
  std::memcpy(bytes, vendor.data(), std::min<std::size_t>(vendor.size(), 12));
  std::memcpy(&regs.ebx, bytes, 4);
  std::memcpy(&regs.ecx, bytes + 4, 4);
  std::memcpy(&regs.edx, bytes + 8, 4);
}

// Leaf 1 ECX bit 31 and the 0x40000000 signature; an empty vendor is bare metal (bit clear).
inline void script_cpuid(platform::FakePlatform& os, const std::string& vendor) {
  platform::CpuidRegisters leaf1;
  leaf1.ecx = vendor.empty() ? 0 : (1u << 31);
  os.cpuid_leaves[1] = leaf1;
  if (vendor.empty()) return;
  platform::CpuidRegisters base;
  base.eax = 0x40000001;
  set_cpuid_vendor(base, vendor);
  os.cpuid_leaves[0x40000000] = base;
}

// The CPUID each iso-* fixture was "captured" under.
inline std::string fixture_cpuid(const std::string& name) {
  if (name == "iso-host") return "";
  if (name == "iso-crx") return "VMwareVMware";
  return "KVMKVMKVM";
}

// The captured process is the one asking: getpid() agrees with the fixture's /proc/self/stat,
// as it does for a real process whose /proc belongs to its own PID namespace.
inline void adopt_fixture_pid(platform::FakePlatform& os) {
  const auto stat = os.read_file("/proc/self/stat", 4096);
  if (!stat) return;
  const auto pid = std::atoi(stat.value().c_str());
  if (pid <= 0) return;
  os.pid = pid;
  os.alive_pids.insert(pid);
}

inline void load_iso_fixture(platform::FakePlatform& os, const std::string& name) {
  load_fixture(os, name);
  adopt_fixture_pid(os);
  script_cpuid(os, fixture_cpuid(name));
}

}  // namespace capprobe::testing
