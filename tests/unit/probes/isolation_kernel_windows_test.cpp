// isolation.kernel on Windows: the pure judge row by row (HostProcess, the node itself, Hyper-V
// and process isolation, and how sure each is), the collector over the fake's Windows facts,
// the choice of OS, and the probe over the shapes of Windows Server 2019 and 2022 nodes.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "platform/fake/fake_platform.hpp"
#include "probes/common/judge.hpp"
#include "probes/isolation/facts_windows.hpp"
#include "probes/probe_list.hpp"
#include "tests/unit/probes/win_iso_test_support.hpp"

using capprobe::platform::FakePlatform;
using capprobe::probes::IsolationAssessment;
using capprobe::probes::judge_windows_isolation;
using capprobe::probes::Status;
using capprobe::probes::WindowsIsolationFacts;
using capprobe::testing::WinKind;
using capprobe::testing::WinRelease;

namespace {

constexpr std::uint64_t kGiB = 1ull << 30;

bool has_signal(const IsolationAssessment& a, const std::string& signal) {
  return std::find(a.signals.begin(), a.signals.end(), signal) != a.signals.end();
}

// A process-isolated container on a long-running node: CExecSvc.exe, ContainerAdministrator,
// its first process 20 minutes before now on a kernel up for three days, 16 GiB, SMBIOS.
WindowsIsolationFacts process_container() {
  WindowsIsolationFacts f;
  f.cpuid = {true, "Microsoft Hv", ""};
  f.processes_seen = 18;
  f.container_exec_service = true;
  f.user_sid = "S-1-5-93-2-1";
  f.user_name = "ContainerAdministrator";
  f.uptime_ms = 259'200'000;
  f.view_started_after_boot_ms = 258'000'000;
  f.self_started_after_boot_ms = 258'002'500;
  f.total_physical = 16 * kGiB;
  f.job_memory_limit = 512ull << 20;
  f.processors = 4;
  f.rsmb_size = 3345;
  f.kernel_build = 20348;
  return f;
}

// The same container in a fresh utility VM: booted seconds before it, 1 GiB, 2 vCPUs, no SMBIOS.
WindowsIsolationFacts hyperv_container() {
  auto f = process_container();
  f.uptime_ms = 95'000;
  f.view_started_after_boot_ms = 6'500;
  f.total_physical = 1'073'201'152;
  f.processors = 2;
  f.rsmb_size.reset();
  f.rsmb_error = capprobe::platform::fake_error("ERROR_NOT_FOUND", "GetSystemFirmwareTable RSMB");
  return f;
}

// A HostProcess container: the variable, the node's agents, SYSTEM.
WindowsIsolationFacts hostprocess() {
  auto f = process_container();
  f.sandbox_mount_point = "C:\\hpc\\";
  f.container_exec_service = false;
  f.node_agents = {"containerd.exe", "kubelet.exe"};
  f.user_sid = "S-1-5-18";
  f.user_name = "SYSTEM";
  f.view_started_after_boot_ms = 2'100;  // the node's smss.exe, started at boot
  f.job_memory_limit.reset();
  return f;
}

capprobe::probes::CapabilityResult run_probe(FakePlatform& os,
                                             const capprobe::probes::PodRequests& requests) {
  const auto probe = capprobe::probes::isolation_kernel_windows_probe();
  capprobe::probes::ProbeContext ctx{os, requests, false, ".capprobe-6312-abcdef",
                                     std::chrono::steady_clock::now() + probe.info.timeout};
  return probe.run(ctx);
}

}  // namespace

TEST_CASE("Windows isolation judge: every kind and how sure it is") {
  struct Row {
    std::string name;
    WindowsIsolationFacts facts;
    std::string observed;
    std::string environment;
    std::optional<std::string> flavor;
    std::string confidence;
  };
  std::vector<Row> rows;
  rows.push_back({"process isolation on a long-running node", process_container(), "shared_kernel",
                  "windows_process", std::nullopt, "high"});
  rows.push_back({"Hyper-V: fresh kernel, 1 GiB, no SMBIOS", hyperv_container(), "vm_guest",
                  "windows_hyperv", "hyperv", "high"});
  {
    auto f = hyperv_container();  // SMBIOS present in this utility VM, 4 vCPUs asked for
    f.rsmb_error.reset();
    f.rsmb_size = 2000;
    f.processors = 4;
    rows.push_back(
        {"Hyper-V with two of three hints", f, "vm_guest", "windows_hyperv", "hyperv", "medium"});
  }
  {
    auto f = hyperv_container();
    f.rsmb_error.reset();
    f.rsmb_size = 2000;  // two hints and the utility VM's default 2 vCPUs
    rows.push_back(
        {"Hyper-V with two hints and 2 vCPUs", f, "vm_guest", "windows_hyperv", "hyperv", "high"});
  }
  {
    auto f = hyperv_container();  // only the kernel's age is known
    f.total_physical.reset();
    f.rsmb_error.reset();
    f.processors.reset();
    rows.push_back({"Hyper-V on one hint alone", f, "vm_guest", "windows_hyperv", "hyperv", "low"});
  }
  {
    auto f = process_container();  // a pod started 45 s after the node booted, 16 GiB
    f.view_started_after_boot_ms = 45'000;
    rows.push_back({"a fresh node kernel but a node-sized machine", f, "shared_kernel",
                    "windows_process", std::nullopt, "low"});
  }
  {
    auto f = process_container();  // creation times unreadable: memory alone
    f.view_started_after_boot_ms.reset();
    rows.push_back({"process isolation on memory alone", f, "shared_kernel", "windows_process",
                    std::nullopt, "medium"});
  }
  {
    auto f = process_container();  // nothing but the container markers
    f.view_started_after_boot_ms.reset();
    f.total_physical.reset();
    f.rsmb_size.reset();
    rows.push_back({"a container without size signals", f, "shared_kernel", "windows_process",
                    std::nullopt, "low"});
  }
  {
    auto f = process_container();  // the utility VM sized to a 4 GiB limit by hcsshim
    f.view_started_after_boot_ms = 7'000;
    f.total_physical = 4 * kGiB - (64ull << 20);
    f.job_memory_limit = 4 * kGiB;
    f.rsmb_size.reset();
    rows.push_back({"Hyper-V sized to the pod's memory limit", f, "vm_guest", "windows_hyperv",
                    "hyperv", "medium"});
  }
  {
    auto f = process_container();  // ContainerUser, no CExecSvc in the snapshot
    f.container_exec_service = false;
    f.user_sid = "S-1-5-93-2-2";
    rows.push_back({"the container account alone marks a container", f, "shared_kernel",
                    "windows_process", std::nullopt, "high"});
  }
  rows.push_back({"HostProcess: the variable and the node's agents", hostprocess(), "shared_kernel",
                  "windows_hostprocess", std::nullopt, "high"});
  {
    auto f = hostprocess();  // the snapshot failed: the variable and SYSTEM remain
    f.node_agents.clear();
    f.processes_seen = 0;
    f.view_started_after_boot_ms.reset();
    f.processes_error = capprobe::platform::fake_error("ERROR_ACCESS_DENIED", "Toolhelp");
    rows.push_back({"HostProcess without a snapshot", f, "shared_kernel", "windows_hostprocess",
                    std::nullopt, "medium"});
  }
  {
    auto f = hostprocess();  // an ephemeral user of a local group, no agent seen
    f.node_agents.clear();
    f.user_sid = "S-1-5-21-1-2-3-1001";
    rows.push_back({"HostProcess as a local-group user, no agent seen", f, "shared_kernel",
                    "windows_hostprocess", std::nullopt, "low"});
  }
  {
    auto f = hyperv_container();  // hcsshim's HostProcess container inside a utility VM
    f.sandbox_mount_point = "C:\\hpc\\";
    f.container_exec_service = false;
    f.user_sid = "S-1-5-18";
    rows.push_back(
        {"HostProcess inside a utility VM", f, "vm_guest", "windows_hyperv", "hyperv", "medium"});
  }
  {
    auto f = hostprocess();  // an administrator's shell on the node
    f.sandbox_mount_point.reset();
    f.user_sid = "S-1-5-21-1-2-3-500";
    rows.push_back({"a process on the node itself", f, "host", "host", std::nullopt, "high"});
  }
  {
    WindowsIsolationFacts f;  // a Windows machine that is no node: no marker, no agent
    f.processes_seen = 120;
    f.user_sid = "S-1-5-21-1-2-3-1001";
    f.uptime_ms = 3'600'000;
    rows.push_back({"no container and no node agent", f, "host", "host", std::nullopt, "medium"});
  }
  {
    WindowsIsolationFacts f;  // nothing readable
    f.processes_error = capprobe::platform::fake_error("ERROR_ACCESS_DENIED", "Toolhelp");
    f.token_error = capprobe::platform::fake_error("ERROR_ACCESS_DENIED", "OpenProcessToken");
    rows.push_back({"nothing readable", f, "host", "host", std::nullopt, "low"});
  }
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto a = judge_windows_isolation(row.facts);
      INFO(a.evidence.dump());
      CHECK(a.observed == row.observed);
      CHECK(a.environment == row.environment);
      CHECK(a.flavor == row.flavor);
      CHECK(a.confidence == row.confidence);
      CHECK(a.evidence.at("environment") == row.environment);
      CHECK(a.boot_id.empty());  // Windows has no boot id
      CHECK_FALSE(a.evidence.at("basis").get<std::string>().empty());
    }
  }
}

TEST_CASE("Windows isolation judge: the signals name what was seen") {
  const auto hyperv = judge_windows_isolation(hyperv_container());
  CHECK(hyperv.hypervisor == "microsoft");
  for (const auto* signal :
       {"cpuid:Microsoft Hv", "process:CExecSvc.exe", "token:S-1-5-93-2-1", "kernel:fresh",
        "memory:utility-vm-sized", "firmware:no-RSMB", "cpus:2"})
    CHECK(has_signal(hyperv, signal));

  const auto process = judge_windows_isolation(process_container());
  for (const auto* signal : {"kernel:long-running", "memory:host-sized", "firmware:RSMB"})
    CHECK(has_signal(process, signal));
  CHECK(process.evidence.at("uptime_s") == 259200.0);
  CHECK(process.evidence.at("view_started_after_boot_s") == 258000.0);
  CHECK(process.evidence.at("total_physical_bytes") == 16 * kGiB);

  const auto hpc = judge_windows_isolation(hostprocess());
  for (const auto* signal :
       {"env:CONTAINER_SANDBOX_MOUNT_POINT", "process:kubelet.exe", "token:S-1-5-18"})
    CHECK(has_signal(hpc, signal));
  // The node's view starts at its boot: no container age to judge from.
  CHECK_FALSE(has_signal(hpc, "kernel:fresh"));
  CHECK_FALSE(has_signal(hpc, "kernel:long-running"));
  CHECK(hpc.evidence.at("sandbox_mount_point") == "C:\\hpc\\");

  auto denied = hyperv_container();  // a denied firmware read is no hint either way
  denied.rsmb_error = capprobe::platform::fake_error("ERROR_ACCESS_DENIED", "RSMB");
  const auto a = judge_windows_isolation(denied);
  CHECK_FALSE(has_signal(a, "firmware:no-RSMB"));
  CHECK(a.evidence.at("firmware_rsmb_error") == "ERROR_ACCESS_DENIED");

  auto kvm = process_container();  // KVM with Hyper-V enlightenments
  kvm.cpuid.vendor_next = "KVMKVMKVM";
  CHECK(judge_windows_isolation(kvm).hypervisor == "kvm");
}

TEST_CASE("Windows node agents and accounts are recognised by name, any case") {
  using capprobe::probes::is_container_account_sid;
  using capprobe::probes::is_service_account_sid;
  using capprobe::probes::is_windows_node_agent;
  for (const auto* image : {"kubelet.exe", "KUBELET.EXE", "containerd.exe", "dockerd.exe",
                            "kube-proxy.exe", "containerd-shim-runhcs-v1.exe", "vmcompute.exe"})
    CHECK(is_windows_node_agent(image));
  for (const auto* image : {"svchost.exe", "CExecSvc.exe", "kubelet", "capprobe.exe"})
    CHECK_FALSE(is_windows_node_agent(image));
  CHECK(is_service_account_sid("S-1-5-18"));
  CHECK(is_service_account_sid("S-1-5-19"));
  CHECK(is_service_account_sid("S-1-5-20"));
  CHECK_FALSE(is_service_account_sid("S-1-5-93-2-1"));
  CHECK(is_container_account_sid("S-1-5-93-2-1"));
  CHECK(is_container_account_sid("S-1-5-93-2-2"));
  CHECK_FALSE(is_container_account_sid("S-1-5-18"));
}

TEST_CASE("the Windows collector reads the shapes of real nodes") {
  SECTION("process isolation on Windows Server 2022") {
    FakePlatform os;
    capprobe::testing::script_windows(os, WinRelease::ws2022, WinKind::process);
    const auto f = capprobe::probes::collect_windows_isolation_facts(os);
    CHECK(f.container_exec_service);
    CHECK(f.node_agents.empty());
    CHECK(f.processes_seen == 10);
    // System and Idle started at boot in every silo: the container's start is its smss.exe.
    CHECK(f.view_started_after_boot_ms == capprobe::testing::kNodeUptimeMs - 1'200'000);
    CHECK(f.self_started_after_boot_ms == capprobe::testing::kNodeUptimeMs - 1'200'000 + 2'500);
    CHECK(f.user_sid == "S-1-5-93-2-1");
    CHECK(f.total_physical == 16 * kGiB);
    CHECK(f.job_memory_limit == 512ull << 20);
    CHECK(f.processors == 4u);
    CHECK(f.rsmb_size == 3345u);
    CHECK(f.kernel_build == 20348u);
    CHECK_FALSE(f.sandbox_mount_point.has_value());
    CHECK(f.cpuid.vendor == "Microsoft Hv");
  }
  SECTION("HostProcess: the variable, the node's agents sorted, SYSTEM") {
    FakePlatform os;
    capprobe::testing::script_windows(os, WinRelease::ws2022, WinKind::hostprocess);
    const auto f = capprobe::probes::collect_windows_isolation_facts(os);
    CHECK(f.sandbox_mount_point == "C:\\hpc\\");
    CHECK(f.node_agents == std::vector<std::string>{"containerd-shim-runhcs-v1.exe",
                                                    "containerd.exe", "kube-proxy.exe",
                                                    "kubelet.exe", "vmcompute.exe"});
    CHECK(f.view_started_after_boot_ms == 2'100u);  // Registry has no time; smss.exe at boot
    CHECK_FALSE(f.job_memory_limit.has_value());
  }
  SECTION("failures are kept as facts") {
    FakePlatform os;
    capprobe::testing::script_windows(os, WinRelease::ws2019, WinKind::hyperv);
    os.windows.processes = capprobe::platform::fake_error("ERROR_ACCESS_DENIED", "Toolhelp");
    os.windows.numa = capprobe::platform::FakeWindows::unset("GetNumaHighestNodeNumber");
    os.cpus = {0, 1};
    const auto f = capprobe::probes::collect_windows_isolation_facts(os);
    REQUIRE(f.processes_error.has_value());
    CHECK(f.processes_error->name == "ERROR_ACCESS_DENIED");
    CHECK(f.processors == 2u);  // the affinity, when the NUMA facts fail
    REQUIRE(f.rsmb_error.has_value());
    CHECK(f.rsmb_error->is_absent());
  }
}

TEST_CASE("assess_isolation picks the OS whose facts the platform answers") {
  SECTION("a platform answering RtlGetVersion is Windows") {
    FakePlatform os;
    capprobe::testing::script_windows(os, WinRelease::ws2019, WinKind::process);
    const auto a = capprobe::probes::assess_isolation(os);
    CHECK(a.environment == "windows_process");
    CHECK(a.evidence.contains("processes_seen"));
  }
  SECTION("one that does not is Linux, as every Linux test's fake") {
    FakePlatform os;
    capprobe::testing::load_iso_fixture(os, "iso-runc-kvm");
    const auto a = capprobe::probes::assess_isolation(os);
    CHECK(a.observed == "shared_kernel");
    CHECK(a.environment == "container");
  }
}

TEST_CASE("isolation.kernel on Windows over the shapes of real nodes") {
  struct Row {
    WinRelease release;
    WinKind kind;
    std::optional<std::string> runtime_class;
    std::string observed;
    std::string environment;
    std::optional<bool> requested;
    Status status;
  };
  const std::vector<Row> rows = {
      {WinRelease::ws2019, WinKind::process, std::nullopt, "shared_kernel", "windows_process",
       std::nullopt, Status::supported},
      {WinRelease::ws2022, WinKind::process, "runhcs-wcow-process", "shared_kernel",
       "windows_process", false, Status::supported},
      // containerd's Hyper-V handler, delivered as process isolation: the finding.
      {WinRelease::ws2022, WinKind::process, "runhcs-wcow-hypervisor", "shared_kernel",
       "windows_process", true, Status::unsupported},
      {WinRelease::ws2019, WinKind::process, "windows-hyperv", "shared_kernel", "windows_process",
       true, Status::unsupported},
      {WinRelease::ws2022, WinKind::hyperv, "runhcs-wcow-hypervisor", "vm_guest", "windows_hyperv",
       true, Status::supported},
      {WinRelease::ws2019, WinKind::hyperv, std::nullopt, "vm_guest", "windows_hyperv",
       std::nullopt, Status::supported},
      {WinRelease::ws2022, WinKind::hostprocess, std::nullopt, "shared_kernel",
       "windows_hostprocess", std::nullopt, Status::supported},
      {WinRelease::ws2022, WinKind::node, std::nullopt, "host", "host", std::nullopt,
       Status::supported},
      // The Linux runtime classes mean nothing here.
      {WinRelease::ws2022, WinKind::process, "kata", "shared_kernel", "windows_process", false,
       Status::supported},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(static_cast<int>(row.release) << "/" << static_cast<int>(row.kind) << " "
                                                  << row.runtime_class.value_or("(unknown)")) {
      FakePlatform os;
      capprobe::testing::script_windows(os, row.release, row.kind);
      capprobe::probes::PodRequests requests;
      requests.runtime_class = row.runtime_class;
      const auto result = run_probe(os, requests);
      INFO(result.summary);
      CHECK(result.id == "isolation.kernel");
      CHECK(result.observed == row.observed);
      CHECK(result.evidence["environment"] == row.environment);
      CHECK(result.requested == row.requested);
      CHECK(result.status == row.status);
      CHECK(result.requested_but_ignored() == (row.status == Status::unsupported));
      for (const auto* key : {"hypervisor", "flavor", "signals", "boot_id", "confidence"})
        CHECK(result.evidence.contains(key));
      CHECK(result.evidence["boot_id"].is_null());
      CHECK(result.evidence["hypervisor"] == "microsoft");
    }
  }
}

TEST_CASE("isolation.kernel on Windows: words of each kind in the summary") {
  const capprobe::probes::PodRequests requests;
  FakePlatform hyperv;
  capprobe::testing::script_windows(hyperv, WinRelease::ws2022, WinKind::hyperv);
  const auto vm = run_probe(hyperv, requests);
  CHECK(vm.evidence["flavor"] == "hyperv");
  CHECK(vm.summary.find("Hyper-V isolated container") != std::string::npos);

  FakePlatform hpc;
  capprobe::testing::script_windows(hpc, WinRelease::ws2022, WinKind::hostprocess);
  CHECK(run_probe(hpc, requests).summary.find("HostProcess container") != std::string::npos);

  FakePlatform process;
  capprobe::testing::script_windows(process, WinRelease::ws2019, WinKind::process);
  CHECK(run_probe(process, requests).summary.find("process-isolated Windows container") !=
        std::string::npos);
}

TEST_CASE("isolation.kernel on Windows: a low-confidence guess is never 'requested but ignored'") {
  FakePlatform os;
  capprobe::testing::script_windows(os, WinRelease::ws2022, WinKind::process);
  // Neither the creation times, the memory nor the firmware could be read: process isolation is
  // only the default assumption.
  os.windows.processes = std::vector<capprobe::platform::ProcessEntry>{
      {5336, 0, "CExecSvc.exe", std::nullopt}, {6312, 5336, "capprobe.exe", std::nullopt}};
  os.windows.memory = capprobe::platform::fake_error("ERROR_ACCESS_DENIED", "GlobalMemoryStatusEx");
  os.windows.firmware_tables.clear();
  os.windows.firmware_tables["RSMB"] = 3345;
  capprobe::probes::PodRequests requests;
  requests.runtime_class = "runhcs-wcow-hypervisor";
  const auto result = run_probe(os, requests);
  INFO(result.summary);
  CHECK(result.evidence["confidence"] == "low");
  CHECK(result.requested == true);
  CHECK(result.status == Status::untested);
  CHECK_FALSE(result.requested_but_ignored());
  CHECK(result.summary.find("not reported as ignored") != std::string::npos);
}

TEST_CASE("isolation.kernel on Linux keeps its own runtime-class words") {
  FakePlatform os;
  capprobe::testing::load_iso_fixture(os, "iso-runc-kvm");
  capprobe::probes::PodRequests requests;
  requests.runtime_class = "runhcs-wcow-hypervisor";  // a Windows handler asks nothing on Linux
  const auto probe = capprobe::probes::isolation_kernel_linux_probe();
  capprobe::probes::ProbeContext ctx{os, requests, false, ".capprobe-4242-abcdef",
                                     std::chrono::steady_clock::now() + probe.info.timeout};
  const auto result = probe.run(ctx);
  CHECK(result.requested == false);
  CHECK(result.status == Status::supported);
  CHECK(probe.info.platforms == std::vector<std::string>{"linux", "windows"});
}

TEST_CASE("this area's Windows probes over a Windows node that answers nothing but its version") {
  // Every other Windows fact fails (ERROR_CALL_NOT_IMPLEMENTED): each probe still returns a
  // well-formed result for its own id, with the evidence keys DESIGN.md names, and never throws.
  const std::vector<std::pair<capprobe::probes::Probe, std::vector<std::string>>> probes = {
      {capprobe::probes::isolation_kernel_windows_probe(),
       {"hypervisor", "flavor", "signals", "boot_id"}},
      {capprobe::probes::host_pid_windows_probe(), {"namespace"}},
      {capprobe::probes::host_ipc_windows_probe(), {"namespace"}},
      {capprobe::probes::host_network_windows_probe(), {"namespace"}},
      {capprobe::probes::platform_os_windows_probe(),
       {"os", "version", "build", "release", "kernel"}},
  };
  for (const auto& [probe, keys] : probes) {
    DYNAMIC_SECTION(probe.info.id) {
      FakePlatform os;
      os.windows.kernel_version = capprobe::platform::WindowsVersion{10, 0, 20348, 3};
      const capprobe::probes::PodRequests requests;
      capprobe::probes::ProbeContext ctx{os, requests, false, ".capprobe-4242-abcdef",
                                         std::chrono::steady_clock::now() + probe.info.timeout};
      const auto result = probe.run(ctx);
      INFO(result.summary);
      CHECK(result.id == probe.info.id);
      CHECK(result.status != Status::error);
      CHECK_FALSE(result.observed.empty());
      CHECK_FALSE(result.summary.empty());
      for (const auto& key : keys) CHECK(result.evidence.contains(key));
      CHECK(probe.info.platforms == std::vector<std::string>{"linux", "windows"});
    }
  }
}
