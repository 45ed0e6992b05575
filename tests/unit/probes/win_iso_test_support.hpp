// Windows shapes for the isolation, host.* and platform.os tests: the facts a Windows Server 2019
// or 2022 node shows to a process-isolated container, a Hyper-V isolated one, a HostProcess
// container and a process on the node itself, scripted into the fake. Where each value comes
// from: tests/fixtures/win-NOTES.md, "isolation, host.* and platform.os".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/fake/fake_platform.hpp"
#include "tests/unit/probes/iso_test_support.hpp"

namespace capprobe::testing {

enum class WinRelease { ws2019, ws2022 };
enum class WinKind { process, hyperv, hostprocess, node };

inline std::uint32_t win_build(WinRelease release) {
  return release == WinRelease::ws2019 ? 17763u : 20348u;
}

inline platform::WindowsImageVersion win_image(WinRelease release) {
  platform::WindowsImageVersion image;
  if (release == WinRelease::ws2019) {
    image.current_build_number = "17763";
    image.ubr = 5458;
    image.product_name = "Windows Server 2019 Datacenter";
    image.display_version = "1809";  // ReleaseId: 2019 images have no DisplayVersion
  } else {
    image.current_build_number = "20348";
    image.ubr = 2113;
    image.product_name = "Windows Server 2022 Datacenter";
    image.display_version = "21H2";
  }
  image.installation_type = "Server Core";
  return image;
}

constexpr std::uint64_t kGiB = 1ull << 30;
constexpr std::uint64_t kNodeUptimeMs = 3ull * 24 * 3600 * 1000;  // a node up for three days
constexpr std::uint32_t kSelfPid = 6312;

// A container's process view (Get-Process inside a Windows Server container, MS docs): the
// kernel's System and Idle, the container's own session manager, CExecSvc and services, us.
inline std::vector<platform::ProcessEntry> container_processes(std::uint64_t started_ms) {
  return {{0, 0, "[System Process]", std::nullopt},
          {4, 0, "System", std::nullopt},
          {3928, 4, "smss.exe", started_ms},
          {6108, 3928, "csrss.exe", started_ms + 400},
          {3248, 3928, "wininit.exe", started_ms + 450},
          {5220, 3248, "services.exe", started_ms + 600},
          {628, 3248, "lsass.exe", started_ms + 620},
          {1564, 5220, "svchost.exe", started_ms + 900},
          {5336, 5220, "CExecSvc.exe", started_ms + 1200},
          {kSelfPid, 5336, "capprobe.exe", started_ms + 2500}};
}

// The node's own view (a HostProcess container or a process on the node): its services started
// at boot, the container stack, and us long after.
inline std::vector<platform::ProcessEntry> node_processes(std::uint64_t uptime_ms) {
  return {{0, 0, "[System Process]", std::nullopt},
          {4, 0, "System", std::nullopt},
          {108, 4, "Registry", std::nullopt},
          {388, 4, "smss.exe", 2100},
          {512, 388, "csrss.exe", 4800},
          {596, 388, "wininit.exe", 5100},
          {672, 596, "services.exe", 5600},
          {1884, 672, "svchost.exe", 9000},
          {2244, 672, "vmcompute.exe", 21000},
          {2460, 672, "containerd.exe", 38000},
          {2532, 672, "kubelet.exe", 41000},
          {2790, 672, "kube-proxy.exe", 44000},
          {3120, 2460, "containerd-shim-runhcs-v1.exe", 95000},
          {kSelfPid, 3120, "capprobe.exe", uptime_ms - 600000}};
}

inline platform::TokenFacts win_token(const std::string& sid, const std::string& name,
                                      const std::string& domain) {
  platform::TokenFacts token;
  token.user_sid = sid;
  token.user_name = name;
  token.domain = domain;
  return token;
}

inline platform::NumaFacts win_numa(std::uint32_t processors) {
  platform::NumaFacts numa;
  numa.highest_node = 0;
  numa.group_count = 1;
  numa.active_processors = processors;
  numa.nodes = {{0, {{0, (processors >= 64 ? ~0ull : (1ull << processors) - 1)}}, std::nullopt}};
  return numa;
}

inline platform::JobFacts win_job(std::optional<std::uint64_t> memory_limit) {
  platform::JobFacts job;
  job.in_job = true;
  platform::JobMemoryLimits memory;
  if (memory_limit) {
    memory.limit_flags = 0x200;  // JOB_OBJECT_LIMIT_JOB_MEMORY
    memory.job_memory_limit = memory_limit;
  }
  job.memory = memory;
  return job;
}

// Scripts `os` as a `kind` environment on a `release` node (for Hyper-V: the utility VM runs
// the image's release). The addresses carry the pod's (or node's) IP; HOST_IP is the node's.
inline void script_windows(platform::FakePlatform& os, WinRelease release, WinKind kind) {
  auto& w = os.windows;
  os.pid = kSelfPid;
  os.alive_pids.insert(kSelfPid);
  script_cpuid(os, "Microsoft Hv");  // an Azure node: the root partition sees Hyper-V too
  w.kernel_version = platform::WindowsVersion{10, 0, win_build(release), 3};
  w.image_version = win_image(release);
  os.environment["HOST_IP"] = "10.240.0.4";
  w.job = win_job(512ull << 20);
  switch (kind) {
    case WinKind::process:
      w.uptime_ms = kNodeUptimeMs;
      w.processes = container_processes(kNodeUptimeMs - 1'200'000);
      w.token = win_token("S-1-5-93-2-1", "ContainerAdministrator", "User Manager");
      w.memory = platform::MemoryStatus{16 * kGiB, 9 * kGiB, 18 * kGiB, 10 * kGiB};
      w.numa = win_numa(4);
      w.firmware_tables["RSMB"] = 3345;
      w.compartment = 2u;
      os.addresses = {{"vEthernet (Ethernet)", "10.240.0.57", false},
                      {"Loopback Pseudo-Interface 1", "127.0.0.1", false}};
      break;
    case WinKind::hyperv:
      w.uptime_ms = 95'000;
      w.processes = container_processes(6'500);
      w.token = win_token("S-1-5-93-2-1", "ContainerAdministrator", "User Manager");
      // hcsshim's default utility VM: 1024 MB and 2 vCPUs; the guest sees a little less memory.
      w.memory = platform::MemoryStatus{1'073'201'152, 610'000'000, 2'147'000'000, 1'500'000'000};
      w.numa = win_numa(2);
      w.compartment = 1u;  // the utility VM's own primary compartment
      os.addresses = {{"vEthernet (Ethernet)", "10.240.0.61", false},
                      {"Loopback Pseudo-Interface 1", "127.0.0.1", false}};
      break;
    case WinKind::hostprocess:
    case WinKind::node:
      w.uptime_ms = kNodeUptimeMs;
      w.processes = node_processes(kNodeUptimeMs);
      w.token = kind == WinKind::hostprocess
                    ? win_token("S-1-5-18", "SYSTEM", "NT AUTHORITY")
                    : win_token("S-1-5-21-3623811015-3361044348-30300820-500", "Administrator",
                                "AKSWIN000000");
      if (kind == WinKind::hostprocess) {
        os.environment["CONTAINER_SANDBOX_MOUNT_POINT"] = "C:\\hpc\\";
        w.job = win_job(std::nullopt);
      } else {
        w.job = platform::JobFacts{};  // an admin's shell: no job
      }
      w.memory = platform::MemoryStatus{16 * kGiB, 9 * kGiB, 18 * kGiB, 10 * kGiB};
      w.numa = win_numa(4);
      w.firmware_tables["RSMB"] = 3345;
      w.compartment = 1u;
      os.addresses = {{"vEthernet (Ethernet)", "10.240.0.4", false},
                      {"vEthernet (nat)", "172.25.16.1", false},
                      {"Loopback Pseudo-Interface 1", "127.0.0.1", false}};
      w.pipe_names = std::vector<std::string>{"containerd-containerd", "InitShutdown", "lsass",
                                              "ntsvcs", "scerpc"};
      break;
  }
}

}  // namespace capprobe::testing
