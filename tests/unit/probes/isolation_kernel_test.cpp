// isolation.kernel: the pure judge over hand-made facts (one row per environment kind), the
// collection over fixture trees of each kind, the errno cases, and the probe's verdict.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "platform/fake/fake_platform.hpp"
#include "probes/common/judge.hpp"
#include "probes/isolation/facts_linux.hpp"
#include "probes/probe_list.hpp"
#include "tests/unit/probes/iso_test_support.hpp"

using capprobe::platform::FakePlatform;
using capprobe::probes::IsolationAssessment;
using capprobe::probes::IsolationFacts;
using capprobe::probes::judge_isolation;
using capprobe::probes::Status;

namespace {

bool has_signal(const IsolationAssessment& a, const std::string& signal) {
  return std::find(a.signals.begin(), a.signals.end(), signal) != a.signals.end();
}

capprobe::probes::ns::NamespaceLink pid_link(std::uint64_t inode) {
  capprobe::probes::ns::NamespaceLink link;
  link.kind = "pid";
  link.process = "self";
  link.inode = inode;
  link.link = "pid:[" + std::to_string(inode) + "]";
  return link;
}

constexpr std::uint64_t kInitialPid = 0xEFFFFFFC;
constexpr std::uint64_t kPodPid = 4026532301;

// A plain host: initial PID namespace, ext4 root, long uptime.
IsolationFacts plain_host() {
  IsolationFacts f;
  f.cpuid_hypervisor_bit = false;
  f.dmi_sys_vendor = "Dell Inc.";
  f.dmi_product_name = "PowerEdge R650";
  f.cmdline = "BOOT_IMAGE=/vmlinuz root=/dev/sda2 ro quiet";
  f.proc_version = "Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) #1 SMP";
  f.root_source = "/dev/sda2";
  f.root_fs_type = "ext4";
  f.pid_ns = pid_link(kInitialPid);
  f.uptime_s = 864000;
  f.pid1_started_after_boot_s = 0.5;
  f.self_started_after_boot_s = 86400;
  f.boot_id = "5b0f6c1e-2d4a-4f7e-9a3b-8c1d2e3f4a5b";
  return f;
}

IsolationFacts with_hypervisor(IsolationFacts f, const std::string& vendor) {
  f.cpuid_hypervisor_bit = true;
  f.cpuid_vendor = vendor;
  return f;
}

// A runc container of a pod on a long-running node.
IsolationFacts runc_container(IsolationFacts f) {
  f.pid_ns = pid_link(kPodPid);
  f.cgroup_markers = {"kubepods", "containerd"};
  f.cgroup_paths = {"0::/kubepods.slice/kubepods-besteffort.slice/cri-containerd-3f2a.scope"};
  f.root_source = "overlay";
  f.root_fs_type = "overlay";
  f.pid1_started_after_boot_s = 863000;
  f.self_started_after_boot_s = 863001;
  return f;
}

FakePlatform fixture(const std::string& name, const std::string& cpuid_vendor) {
  FakePlatform os;
  capprobe::testing::load_fixture(os, name);
  capprobe::testing::adopt_fixture_pid(os);
  capprobe::testing::script_cpuid(os, cpuid_vendor);
  return os;
}

}  // namespace

TEST_CASE("the CPUID hypervisor signatures map to hypervisor names") {
  using capprobe::probes::hypervisor_from_cpuid_vendor;
  const std::vector<std::pair<std::string, std::string>> table = {
      {"KVMKVMKVM", "kvm"},       {"Linux KVM Hv", "kvm"},       {"TCGTCGTCGTCG", "tcg"},
      {"VMwareVMware", "vmware"}, {"Microsoft Hv", "microsoft"}, {"XenVMMXenVMM", "xen"},
      {"bhyve bhyve ", "bhyve"},  {"ACRNACRNACRN", "acrn"},
  };
  for (const auto& [vendor, name] : table) {
    INFO(vendor);
    CHECK(hypervisor_from_cpuid_vendor(vendor) == name);
  }
  CHECK_FALSE(hypervisor_from_cpuid_vendor("GenuineIntel").has_value());
  CHECK_FALSE(hypervisor_from_cpuid_vendor("").has_value());
}

TEST_CASE("the judge decides each kind of environment") {
  struct Row {
    std::string name;
    IsolationFacts facts;
    std::string observed;
    std::optional<std::string> hypervisor;
    std::optional<std::string> flavor;
    std::string confidence;
    std::vector<std::string> signals;
  };
  std::vector<Row> rows;

  rows.push_back({"bare-metal host",
                  plain_host(),
                  "host",
                  std::nullopt,
                  std::nullopt,
                  "high",
                  {"cpuid:no-hypervisor-bit", "dmi:Dell Inc.", "pidns:initial"}});

  {  // This project's own machine: a Firecracker microVM, not in a container, yet /.dockerenv.
    auto f = with_hypervisor(plain_host(), "KVMKVMKVM");
    f.dmi_state = "absent";
    f.dmi_sys_vendor.reset();
    f.dmi_product_name.reset();
    f.modules_state = "absent";
    f.dockerenv = true;
    f.root_source = "/dev/vda";
    f.cmdline = "console=ttyS0 reboot=k panic=1 nomodule rdinit=/process_api -- --firecracker-init";
    rows.push_back(
        {"firecracker microVM host with /.dockerenv",
         f,
         "host",
         "kvm",
         std::nullopt,
         "medium",
         {"cpuid:KVMKVMKVM", "dmi:absent", "modules:absent", "file:/.dockerenv", "pidns:initial"}});
  }
  {  // A plain QEMU (TCG) VM: capprobe started by the guest's init seconds after boot.
    auto f = with_hypervisor(plain_host(), "TCGTCGTCGTCG");
    f.dmi_sys_vendor = "QEMU";
    f.dmi_product_name = "Standard PC (i440FX + PIIX, 1996)";
    f.uptime_s = 6.2;
    f.self_started_after_boot_s = 3.1;
    f.root_fs_type = "9p";  // a virtme-style shared root is still a plain VM without a container
    rows.push_back({"plain QEMU TCG VM",
                    f,
                    "host",
                    "tcg",
                    std::nullopt,
                    "high",
                    {"cpuid:TCGTCGTCGTCG", "dmi:QEMU", "root:9p"}});
  }
  {  // QEMU TCG with the hypervisor bit but no signature: DMI names QEMU, and no KVM signature.
    auto f = with_hypervisor(plain_host(), "");
    f.dmi_sys_vendor = "QEMU";
    rows.push_back({"QEMU TCG without signature",
                    f,
                    "host",
                    "tcg",
                    std::nullopt,
                    "high",
                    {"cpuid:hypervisor-bit", "dmi:QEMU"}});
  }
  {  // arm64: no CPUID at all, QEMU's DMI cannot tell KVM from TCG.
    auto f = plain_host();
    f.cpuid_hypervisor_bit.reset();
    f.dmi_sys_vendor = "QEMU";
    rows.push_back({"arm64 QEMU guest", f, "host", "qemu", std::nullopt, "high", {"dmi:QEMU"}});
  }
  {
    auto f = plain_host();
    f.cpuid_hypervisor_bit.reset();
    f.dmi_state = "absent";
    f.dmi_sys_vendor.reset();
    f.sys_hypervisor_type = "xen";
    rows.push_back({"xen PV guest",
                    f,
                    "host",
                    "xen",
                    std::nullopt,
                    "high",
                    {"sys_hypervisor:xen", "dmi:absent"}});
  }
  rows.push_back({"unknown hypervisor signature",
                  with_hypervisor(plain_host(), "QNXQVMBSQG"),
                  "host",
                  "unknown",
                  std::nullopt,
                  "high",
                  {"cpuid:QNXQVMBSQG"}});
  {
    auto f = with_hypervisor(plain_host(), "Microsoft Hv");
    f.cpuid_vendor_next = "KVMKVMKVM";
    rows.push_back({"KVM with Hyper-V enlightenments",
                    f,
                    "host",
                    "kvm",
                    std::nullopt,
                    "high",
                    {"cpuid:Microsoft Hv", "cpuid:KVMKVMKVM@0x40000100"}});
  }

  rows.push_back({"runc container on a KVM node",
                  runc_container(with_hypervisor(plain_host(), "KVMKVMKVM")),
                  "shared_kernel",
                  "kvm",
                  std::nullopt,
                  "high",
                  {"cpuid:KVMKVMKVM", "pidns:own", "cgroup:kubepods", "root:overlay"}});
  rows.push_back({"runc container on a VMware node is not CRX",
                  runc_container(with_hypervisor(plain_host(), "VMwareVMware")),
                  "shared_kernel",
                  "vmware",
                  std::nullopt,
                  "high",
                  {"cpuid:VMwareVMware", "pidns:own"}});
  {  // hostPID on a VMware node: the initial PID namespace holds the node's kubelet.
    auto f = runc_container(with_hypervisor(plain_host(), "VMwareVMware"));
    f.pid_ns = pid_link(kInitialPid);
    f.self_started_after_boot_s = 12;  // even a DaemonSet started right after the node's boot
    capprobe::probes::ns::ProcessScan scan;
    scan.node_agents = {"containerd", "kubelet"};
    scan.processes_seen = 180;
    f.agent_scan = scan;
    rows.push_back({"hostPID runc container on a VMware node",
                    f,
                    "shared_kernel",
                    "vmware",
                    std::nullopt,
                    "high",
                    {"pidns:initial", "kernel:fresh", "pidns:node-agents-visible"}});
  }
  {  // A container on a fresh KVM cloud node: freshness alone never names a pod VM.
    auto f = runc_container(with_hypervisor(plain_host(), "KVMKVMKVM"));
    f.dmi_sys_vendor = "Google";
    f.pid1_started_after_boot_s = 21;
    rows.push_back({"runc container on a freshly booted KVM node",
                    f,
                    "shared_kernel",
                    "kvm",
                    std::nullopt,
                    "low",
                    {"kernel:fresh"}});
  }
  {  // docker --pid=host with a private cgroup namespace: only the weak hints remain.
    auto f = with_hypervisor(plain_host(), "KVMKVMKVM");
    f.dockerenv = true;
    f.root_fs_type = "overlay";
    f.root_source = "overlay";
    rows.push_back({"docker --pid=host, cgroupns private",
                    f,
                    "shared_kernel",
                    "kvm",
                    std::nullopt,
                    "medium",
                    {"file:/.dockerenv", "root:overlay", "pidns:initial"}});
  }

  {
    auto f = runc_container(with_hypervisor(plain_host(), "KVMKVMKVM"));
    f.cmdline = "console=hvc0 quiet systemd.unit=kata-containers.target agent.log=debug";
    rows.push_back({"Kata by its command line",
                    f,
                    "vm_guest",
                    "kvm",
                    "kata",
                    "high",
                    {"cmdline:agent.*", "cmdline:systemd.unit=kata-containers.target"}});
  }
  {
    auto f = runc_container(with_hypervisor(plain_host(), "KVMKVMKVM"));
    f.root_source = "kataShared";
    f.root_fs_type = "virtiofs";
    rows.push_back({"Kata by its shared root",
                    f,
                    "vm_guest",
                    "kvm",
                    "kata",
                    "high",
                    {"root:kataShared", "root:virtiofs"}});
  }
  {
    auto f = runc_container(with_hypervisor(plain_host(), "KVMKVMKVM"));
    f.dmi_state = "absent";
    f.cmdline =
        "console=ttyS0 reboot=k panic=1 pci=off systemd.unit=firecracker.target "
        "init=/sbin/overlay-init virtio_mmio.device=4K@0xd0000000:5";
    rows.push_back(
        {"firecracker-containerd guest",
         f,
         "vm_guest",
         "kvm",
         "firecracker",
         "high",
         {"cmdline:systemd.unit=firecracker.target", "cmdline:virtio_mmio.device", "dmi:absent"}});
  }
  {  // A Firecracker pod VM without firecracker-containerd's markers: only the hints.
    auto f = runc_container(with_hypervisor(plain_host(), "KVMKVMKVM"));
    f.dmi_state = "absent";
    f.cmdline = "console=ttyS0 reboot=k panic=1 pci=off virtio_mmio.device=4K@0xd0000000:5";
    f.uptime_s = 9;
    f.pid1_started_after_boot_s = 2.4;
    rows.push_back({"Firecracker microVM pod by hints",
                    f,
                    "vm_guest",
                    "kvm",
                    "firecracker",
                    "low",
                    {"cmdline:virtio_mmio.device", "kernel:fresh", "pidns:own"}});
  }
  {  // vSphere Pod: VMware, own kernel, hostPID answered with the guest's initial namespace.
    auto f = runc_container(with_hypervisor(plain_host(), "VMwareVMware"));
    f.pid_ns = pid_link(kInitialPid);
    f.uptime_s = 48;
    f.self_started_after_boot_s = 6.4;
    capprobe::probes::ns::ProcessScan scan;
    scan.processes_seen = 3;
    f.agent_scan = scan;
    rows.push_back({"vSphere Pod (CRX)",
                    f,
                    "vm_guest",
                    "vmware",
                    "crx",
                    "medium",
                    {"pidns:initial", "kernel:fresh", "pidns:initial-without-node-agents"}});
    auto stale = f;
    stale.self_started_after_boot_s = 4000;  // capprobe exec'd long after the pod started
    rows.push_back({"vSphere Pod (CRX), one hint",
                    stale,
                    "vm_guest",
                    "vmware",
                    "crx",
                    "low",
                    {"pidns:initial-without-node-agents"}});
    auto truncated = stale;
    truncated.agent_scan->truncated = true;  // an incomplete scan proves no absence
    rows.push_back({"VMware container whose scan was truncated",
                    truncated,
                    "shared_kernel",
                    "vmware",
                    std::nullopt,
                    "high",
                    {"pidns:initial"}});
  }
  {
    auto f = runc_container(with_hypervisor(plain_host(), "Microsoft Hv"));
    f.pid1_started_after_boot_s = 4;
    rows.push_back({"Hyper-V isolated Linux pod",
                    f,
                    "vm_guest",
                    "microsoft",
                    "hyperv",
                    "low",
                    {"cpuid:Microsoft Hv", "kernel:fresh"}});
  }
  {
    auto f = runc_container(with_hypervisor(plain_host(), "KVMKVMKVM"));
    f.proc_version = "Linux version 4.4.0 #1 SMP Sun Jan 10 15:06:54 PST 2016";
    f.modules_state = "absent";
    f.root_fs_type = "9p";
    rows.push_back({"gVisor",
                    f,
                    "sandbox",
                    "kvm",
                    "gvisor",
                    "high",
                    {"proc_version:gvisor", "modules:absent"}});
    auto weak = f;
    weak.proc_version = "Linux version 4.4.0 #1 SMP Mon Feb 5 00:00:00 UTC 2024";
    rows.push_back({"gVisor with another build date",
                    weak,
                    "sandbox",
                    "kvm",
                    "gvisor",
                    "medium",
                    {"modules:absent"}});
    auto denied = weak;
    denied.modules_state = "EACCES";  // denied is not absent: no gVisor claim on release alone
    rows.push_back({"a 4.4.0 kernel with /proc/modules denied is not called gVisor",
                    denied,
                    "vm_guest",
                    "kvm",
                    std::nullopt,
                    "low",
                    {"modules:EACCES", "root:9p"}});
  }
  {
    auto f = plain_host();
    f.pid_ns = {};
    f.pid_ns.kind = "pid";
    f.pid_ns.process = "self";
    f.pid_ns.error = capprobe::platform::fake_error("EACCES", "readlink /proc/self/ns/pid");
    rows.push_back({"PID namespace unreadable",
                    f,
                    "host",
                    std::nullopt,
                    std::nullopt,
                    "low",
                    {"pidns:EACCES"}});
  }

  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto a = judge_isolation(row.facts);
      INFO("basis: " << a.evidence.value("basis", ""));
      CHECK(a.observed == row.observed);
      CHECK(a.hypervisor == row.hypervisor);
      CHECK(a.flavor == row.flavor);
      CHECK(a.confidence == row.confidence);
      for (const auto& signal : row.signals) {
        INFO("signal " << signal);
        CHECK(has_signal(a, signal));
      }
      CHECK(a.boot_id == row.facts.boot_id);
      CHECK(a.evidence.contains("basis"));
    }
  }
}

TEST_CASE("container cgroup markers are the runtimes' per-container names, not their services") {
  using capprobe::probes::cgroup_container_markers;
  using V = std::vector<std::string>;
  CHECK(cgroup_container_markers("/kubepods/besteffort/pod1/abc") == V{"kubepods"});
  CHECK(cgroup_container_markers("/kubepods.slice/kubepods-pod1.slice/cri-containerd-3f2a.scope") ==
        V{"kubepods", "containerd"});
  CHECK(cgroup_container_markers("/docker/3f2a9c") == V{"docker"});
  CHECK(cgroup_container_markers("/system.slice/docker-3f2a9c.scope") == V{"docker"});
  CHECK(cgroup_container_markers("/machine.slice/libpod-3f2a.scope/container") == V{"libpod"});
  CHECK(cgroup_container_markers("/kubepods.slice/crio-3f2a.scope") == V{"kubepods", "crio"});
  CHECK(cgroup_container_markers("/lxc.payload.web/init.scope") == V{"lxc"});
  CHECK(cgroup_container_markers("/system.slice/containerd.service").empty());
  CHECK(cgroup_container_markers("/system.slice/docker.service").empty());
  CHECK(cgroup_container_markers("/system.slice/crio.service").empty());
  CHECK(cgroup_container_markers("/user.slice/user-0.slice/session-3.scope").empty());
  CHECK(cgroup_container_markers("/").empty());
}

TEST_CASE("process start times come from field 22 of /proc/<pid>/stat") {
  using capprobe::probes::started_after_boot_s;
  const std::string tail = " S 0 1 1 0 -1 4194560 1 0 0 0 1 2 0 0 20 0 1 0 12345 2293760 123 1 1 1";
  CHECK(started_after_boot_s("1 (systemd)" + tail) == Approx(123.45));
  // comm may hold spaces and parentheses: fields restart after the last ')'.
  CHECK(started_after_boot_s("77 (my (odd) proc)" + tail) == Approx(123.45));
  CHECK_FALSE(started_after_boot_s("1 (systemd) S 0 1").has_value());
  CHECK_FALSE(started_after_boot_s("garbage").has_value());
}

TEST_CASE("collection over the fixture trees finds each environment") {
  struct Row {
    std::string fixture;
    std::string cpuid;
    std::string observed;
    std::optional<std::string> hypervisor;
    std::optional<std::string> flavor;
    std::vector<std::string> signals;
  };
  const std::vector<Row> rows = {
      {"iso-host",
       "",
       "host",
       std::nullopt,
       std::nullopt,
       {"cpuid:no-hypervisor-bit", "dmi:Dell Inc.", "pidns:initial"}},
      {"iso-runc-kvm",
       "KVMKVMKVM",
       "shared_kernel",
       "kvm",
       std::nullopt,
       {"cpuid:KVMKVMKVM", "dmi:OpenStack Foundation", "pidns:own", "cgroup:kubepods",
        "cgroup:containerd", "root:overlay"}},
      {"iso-kata",
       "KVMKVMKVM",
       "vm_guest",
       "kvm",
       "kata",
       {"cmdline:agent.*", "cmdline:systemd.unit=kata-containers.target", "root:kataShared",
        "root:virtiofs", "pidns:own", "kernel:fresh"}},
      {"iso-firecracker",
       "KVMKVMKVM",
       "vm_guest",
       "kvm",
       "firecracker",
       {"dmi:absent", "cmdline:virtio_mmio.device", "cmdline:systemd.unit=firecracker.target",
        "cmdline:init=/sbin/overlay-init", "modules:absent", "pidns:own", "kernel:fresh"}},
      {"iso-gvisor",
       "KVMKVMKVM",
       "sandbox",
       "kvm",
       "gvisor",
       {"proc_version:gvisor", "modules:absent", "dmi:absent", "root:9p"}},
      {"iso-crx",
       "VMwareVMware",
       "vm_guest",
       "vmware",
       "crx",
       {"cpuid:VMwareVMware", "dmi:VMware, Inc.", "pidns:initial", "cgroup:kubepods",
        "kernel:fresh", "pidns:initial-without-node-agents"}},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.fixture) {
      auto os = fixture(row.fixture, row.cpuid);
      const auto a = capprobe::probes::assess_isolation(os);
      INFO("signals: " << nlohmann::json(a.signals).dump() << " basis: " << a.evidence["basis"]);
      CHECK(a.observed == row.observed);
      CHECK(a.hypervisor == row.hypervisor);
      CHECK(a.flavor == row.flavor);
      for (const auto& signal : row.signals) {
        INFO("signal " << signal);
        CHECK(has_signal(a, signal));
      }
      CHECK(a.boot_id.size() == 36);
      CHECK(a.evidence["pid_ns"].is_string());
    }
  }
}

TEST_CASE("collection keeps the facts and reads CPUID byte order right") {
  auto os = fixture("iso-kata", "KVMKVMKVM");
  const auto facts = capprobe::probes::collect_isolation_facts(os);
  CHECK(facts.cpuid_hypervisor_bit == true);
  CHECK(facts.cpuid_vendor == "KVMKVMKVM");
  CHECK(facts.dmi_sys_vendor == "QEMU");
  CHECK(facts.root_source == "kataShared");
  CHECK(facts.root_fs_type == "virtiofs");
  CHECK(facts.pid_ns.link == "pid:[4026532210]");
  CHECK(facts.uptime_s == Approx(12.57));
  CHECK(facts.pid1_started_after_boot_s == Approx(2.1));
  CHECK(facts.boot_id == "7a3c1e5f-9b2d-4c6e-8f1a-3b5d7c9e1f2a");
  CHECK_FALSE(facts.agent_scan.has_value());  // own PID namespace: no scan needed

  // Kata's agent.* values are configuration: only the parameter names go into evidence.
  const auto a = judge_isolation(facts);
  const auto matches = a.evidence["cmdline_matches"];
  CHECK(std::find(matches.begin(), matches.end(), "agent.log") != matches.end());
  CHECK(std::find(matches.begin(), matches.end(), "agent.log=info") == matches.end());
}

TEST_CASE("collection keeps the /proc/self/cgroup lines that carry a runtime's marker") {
  auto os = fixture("iso-runc-kvm", "KVMKVMKVM");
  os.file("/proc/7/cgroup",
          "12:memory:/docker/3f2a\n"
          "1:name=systemd:/system.slice/containerd.service\n"
          "0::/kubepods.slice/cri-containerd-3f2a.scope\n");
  const auto facts = capprobe::probes::collect_isolation_facts(os);
  CHECK(facts.cgroup_paths ==
        std::vector<std::string>{"12:memory:/docker/3f2a",
                                 "0::/kubepods.slice/cri-containerd-3f2a.scope"});
  CHECK(facts.cgroup_markers == std::vector<std::string>{"docker", "kubepods", "containerd"});
}

TEST_CASE("the agent scan runs only for an initial PID namespace with container hints") {
  auto crx = fixture("iso-crx", "VMwareVMware");
  const auto facts = capprobe::probes::collect_isolation_facts(crx);
  REQUIRE(facts.agent_scan.has_value());
  CHECK(facts.agent_scan->node_agents.empty());
  CHECK(facts.agent_scan->processes_seen == 3);
  CHECK(facts.agent_scan->pid1_comm == "init");

  auto host = fixture("iso-host", "");
  CHECK_FALSE(capprobe::probes::collect_isolation_facts(host).agent_scan.has_value());
}

TEST_CASE("unusual errno cases stay distinguishable") {
  SECTION("no CPUID at all (ENOSYS) is not 'no hypervisor'") {
    FakePlatform os;  // no cpuid_leaves: ENOSYS
    capprobe::testing::load_fixture(os, "iso-host");
    const auto facts = capprobe::probes::collect_isolation_facts(os);
    CHECK_FALSE(facts.cpuid_hypervisor_bit.has_value());
    CHECK_FALSE(has_signal(judge_isolation(facts), "cpuid:no-hypervisor-bit"));
  }
  SECTION("DMI denied is not DMI absent") {
    auto os = fixture("iso-runc-kvm", "KVMKVMKVM");
    os.fail("read_file", "/sys/class/dmi/id/sys_vendor", "EACCES");
    const auto a = capprobe::probes::assess_isolation(os);
    CHECK(has_signal(a, "dmi:EACCES"));
    CHECK_FALSE(has_signal(a, "dmi:absent"));
    CHECK(a.evidence["dmi"] == "EACCES");
  }
  SECTION("a denied PID namespace link is recorded, the rest still decides") {
    auto os = fixture("iso-runc-kvm", "KVMKVMKVM");
    os.fail("read_link", "/proc/self/ns/pid", "EACCES");
    const auto a = capprobe::probes::assess_isolation(os);
    CHECK(has_signal(a, "pidns:EACCES"));
    CHECK(a.observed == "shared_kernel");  // the kubepods cgroup still shows the container
    CHECK(a.evidence["pid_ns"].is_null());
    CHECK(a.evidence["pid_ns_error"] == "EACCES");
  }
  SECTION("/proc/modules denied is not absent, so no gVisor claim from it") {
    auto os = fixture("iso-gvisor", "KVMKVMKVM");
    os.file("/proc/modules", "");
    os.fail("read_file", "/proc/modules", "EACCES");
    const auto facts = capprobe::probes::collect_isolation_facts(os);
    CHECK(facts.modules_state == "EACCES");
    // The synthetic version string alone still names gVisor.
    CHECK(judge_isolation(facts).flavor == "gvisor");
  }
  SECTION("an unparsable namespace link is an error, not a namespace") {
    FakePlatform os;
    os.link("/proc/self/ns/pid", "pid:[notanumber]");
    const auto link = capprobe::probes::ns::read_namespace(os, "self", "pid");
    CHECK_FALSE(link.readable());
    REQUIRE(link.error.has_value());
    CHECK(link.error->name == "EUNPARSABLE");
  }
  SECTION("an empty platform is a low-confidence host, never a throw") {
    FakePlatform os;
    const auto a = capprobe::probes::assess_isolation(os);
    CHECK(a.observed == "host");
    CHECK(a.confidence == "low");
    CHECK(a.boot_id.empty());
  }
}

namespace {

capprobe::probes::CapabilityResult run_kernel_probe(FakePlatform& os,
                                                    const capprobe::probes::PodRequests& requests) {
  const auto probe = capprobe::probes::isolation_kernel_linux_probe();
  capprobe::probes::ProbeContext ctx{os, requests, false, ".capprobe-4242-abcdef",
                                     std::chrono::steady_clock::now() + probe.info.timeout};
  return probe.run(ctx);
}

}  // namespace

TEST_CASE("isolation.kernel reports the assessment with the evidence keys of DESIGN.md") {
  auto os = fixture("iso-kata", "KVMKVMKVM");
  const capprobe::probes::PodRequests requests;
  const auto result = run_kernel_probe(os, requests);
  CHECK(result.id == "isolation.kernel");
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "vm_guest");
  CHECK(result.requested == std::nullopt);
  CHECK(result.evidence["hypervisor"] == "kvm");
  CHECK(result.evidence["flavor"] == "kata");
  CHECK(result.evidence["signals"].is_array());
  CHECK(result.evidence["boot_id"] == "7a3c1e5f-9b2d-4c6e-8f1a-3b5d7c9e1f2a");
  CHECK(result.evidence["confidence"] == "high");
  CHECK(result.evidence["root_mount"]["source"] == "kataShared");
  CHECK(result.summary.find("kata") != std::string::npos);
  const auto probe = capprobe::probes::isolation_kernel_linux_probe();
  CHECK(probe.info.cost == capprobe::probes::Cost::light);
  CHECK(probe.info.id == "isolation.kernel");
}

TEST_CASE(
    "isolation.kernel: a VM or sandbox runtime class that delivered a shared kernel is ignored") {
  struct Row {
    std::string fixture;
    std::optional<std::string> runtime_class;
    std::optional<bool> requested;
    Status status;
  };
  const std::vector<Row> rows = {
      {"iso-runc-kvm", std::nullopt, std::nullopt, Status::supported},
      {"iso-runc-kvm", "kata", true, Status::unsupported},
      {"iso-runc-kvm", "kata-qemu", true, Status::unsupported},
      {"iso-runc-kvm", "kata-fc", true, Status::unsupported},
      {"iso-runc-kvm", "firecracker", true, Status::unsupported},
      {"iso-runc-kvm", "gvisor", true, Status::unsupported},
      {"iso-runc-kvm", "runsc-kvm", true, Status::unsupported},
      {"iso-runc-kvm", "vsphere-crx", true, Status::unsupported},
      {"iso-runc-kvm", "runc", false, Status::supported},
      {"iso-runc-kvm", "nvidia", false, Status::supported},
      {"iso-runc-kvm", "katana", false, Status::supported},  // a word, not a prefix, must match
      {"iso-host", "kata", true, Status::unsupported},
      {"iso-kata", "kata", true, Status::supported},
      {"iso-kata", "runc", false, Status::supported},
      {"iso-gvisor", "gvisor", true, Status::supported},
      {"iso-gvisor", "kata", true, Status::supported},  // isolated, if differently than asked
      {"iso-firecracker", "kata-fc", true, Status::supported},
      {"iso-crx", "crx", true, Status::supported},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.fixture << " runtimeClassName "
                                << row.runtime_class.value_or("(unknown)")) {
      auto os = fixture(row.fixture, capprobe::testing::fixture_cpuid(row.fixture));
      capprobe::probes::PodRequests requests;
      requests.runtime_class = row.runtime_class;
      const auto result = run_kernel_probe(os, requests);
      INFO(result.summary);
      CHECK(result.requested == row.requested);
      CHECK(result.status == row.status);
      CHECK(result.evidence["runtime_class"] ==
            (row.runtime_class ? nlohmann::json(*row.runtime_class) : nlohmann::json(nullptr)));
      const bool ignored =
          result.summary.rfind(std::string(capprobe::probes::kIgnoredPrefix), 0) == 0;
      CHECK(ignored == (row.status == Status::unsupported));
      CHECK(result.requested_but_ignored() == (row.status == Status::unsupported));
    }
  }
}

TEST_CASE("isolation.kernel: a pod spec without runtimeClassName asked for no isolation") {
  auto os = fixture("iso-runc-kvm", capprobe::testing::fixture_cpuid("iso-runc-kvm"));
  capprobe::probes::PodRequests requests;
  requests.from_pod_spec = true;
  const auto result = run_kernel_probe(os, requests);
  CHECK(result.requested == false);
  CHECK(result.status == Status::supported);
  CHECK(result.evidence["runtime_class"].is_null());
}

TEST_CASE("isolation.kernel says so when its confidence is low") {
  FakePlatform os;  // nothing readable at all
  const capprobe::probes::PodRequests requests;
  const auto result = run_kernel_probe(os, requests);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "host");
  CHECK(result.evidence["confidence"] == "low");
  CHECK(result.evidence["boot_id"].is_null());
  CHECK(result.summary.find("low confidence") != std::string::npos);
}

TEST_CASE("a /proc of the parent PID namespace does not pass its init for a fresh guest kernel") {
  // `unshare --pid --fork` without --mount-proc: our PID namespace is our own, but /proc is the
  // node's, where we have another pid and /proc/1 is the node's init, started at boot.
  auto os = fixture("iso-kata", "KVMKVMKVM");
  os.pid = 7;  // getpid() in our namespace; this /proc knows us as pid 1 (its self link)
  const auto facts = capprobe::probes::collect_isolation_facts(os);
  CHECK_FALSE(facts.proc_of_own_pid_namespace);
  CHECK_FALSE(facts.pid1_started_after_boot_s.has_value());
  CHECK(facts.self_started_after_boot_s.has_value());
  const auto a = judge_isolation(facts);
  CHECK_FALSE(has_signal(a, "kernel:fresh"));
  CHECK(a.evidence.at("proc_of_own_pid_namespace") == false);
}
