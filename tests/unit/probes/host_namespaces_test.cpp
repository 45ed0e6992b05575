// host.pid, host.network, host.ipc: namespace links, the pure judges row by row, the probes
// over every iso-* fixture (requested or not), and the errno cases.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "platform/fake/fake_platform.hpp"
#include "probes/common/judge.hpp"
#include "probes/host/host_linux.hpp"
#include "probes/probe_list.hpp"
#include "tests/unit/probes/iso_test_support.hpp"

using capprobe::platform::FakePlatform;
using capprobe::probes::CapabilityResult;
using capprobe::probes::HostVerdict;
using capprobe::probes::IsolationContext;
using capprobe::probes::PodRequests;
using capprobe::probes::Status;
namespace ns = capprobe::probes::ns;

namespace {

ns::NamespaceLink link(const std::string& kind, std::uint64_t inode,
                       const std::string& process = "self") {
  ns::NamespaceLink out;
  out.kind = kind;
  out.process = process;
  out.inode = inode;
  out.link = kind + ":[" + std::to_string(inode) + "]";
  return out;
}

ns::NamespaceLink unreadable(const std::string& kind, const std::string& errno_name,
                             const std::string& process = "self") {
  ns::NamespaceLink out;
  out.kind = kind;
  out.process = process;
  out.error = capprobe::platform::fake_error(errno_name, "readlink");
  return out;
}

ns::ProcessScan scan_with(std::vector<std::string> agents, std::string pid1 = "systemd") {
  ns::ProcessScan scan;
  scan.node_agents = std::move(agents);
  scan.pid1_comm = std::move(pid1);
  scan.processes_seen = 20;
  return scan;
}

constexpr std::uint64_t kInitialPid = 0xEFFFFFFC;
constexpr std::uint64_t kInitialIpc = 0xEFFFFFFF;
constexpr std::uint64_t kInitialUts = 0xEFFFFFFE;
const IsolationContext kHost{"host", std::nullopt};
const IsolationContext kContainer{"shared_kernel", std::nullopt};
const IsolationContext kKata{"vm_guest", "kata"};
const IsolationContext kCrx{"vm_guest", "crx"};
const IsolationContext kGvisor{"sandbox", "gvisor"};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

CapabilityResult run(const capprobe::probes::Probe& probe, FakePlatform& os,
                     const PodRequests& requests) {
  capprobe::probes::ProbeContext ctx{os, requests, false, ".capprobe-4242-abcdef",
                                     std::chrono::steady_clock::now() + probe.info.timeout};
  return probe.run(ctx);
}

}  // namespace

TEST_CASE("initial namespace inodes and link parsing") {
  CHECK(ns::initial_inode("ipc") == 0xEFFFFFFFu);
  CHECK(ns::initial_inode("uts") == 0xEFFFFFFEu);
  CHECK(ns::initial_inode("user") == 0xEFFFFFFDu);
  CHECK(ns::initial_inode("pid") == 0xEFFFFFFCu);
  CHECK(ns::initial_inode("cgroup") == 0xEFFFFFFBu);
  CHECK_FALSE(ns::initial_inode("net").has_value());
  CHECK_FALSE(ns::initial_inode("mnt").has_value());

  CHECK(ns::parse_namespace_link("pid:[4026531836]", "pid") == 4026531836u);
  CHECK(ns::parse_namespace_link("pid:[4026531836]\n", "pid") == 4026531836u);
  CHECK(ns::parse_namespace_link("pid:[4026532301]", "pid_for_children") == 4026532301u);
  CHECK_FALSE(ns::parse_namespace_link("net:[4026531836]", "pid").has_value());
  CHECK_FALSE(ns::parse_namespace_link("pid:4026531836", "pid").has_value());
  CHECK_FALSE(ns::parse_namespace_link("pid:[]", "pid").has_value());
  CHECK_FALSE(ns::parse_namespace_link("pid:[12a]", "pid").has_value());

  CHECK(link("pid", kInitialPid).initial() == true);
  CHECK(link("pid", 4026532301).initial() == false);
  CHECK_FALSE(link("net", 4026531840).initial().has_value());
  CHECK_FALSE(unreadable("pid", "EACCES").initial().has_value());
  CHECK(unreadable("pid", "EACCES").json().is_null());
  CHECK(link("pid", kInitialPid).json() == "pid:[4026531836]");
}

TEST_CASE("the node-agent scan is bounded and survives vanishing processes") {
  FakePlatform os;
  os.file("/proc/1/comm", "systemd\n");
  for (int pid = 2; pid < 5002; ++pid) os.dir("/proc/" + std::to_string(pid));  // no comm: raced
  os.file("/proc/300/comm", "kubelet\n");
  os.file("/proc/301/comm", "containerd\n");
  os.file("/proc/302/comm", "containerd-shim\n");  // the runtime's shims run only on the node too
  os.file("/proc/303/comm", "nginx\n");            // a workload proves nothing
  os.dir("/proc/self");
  const auto scan = ns::scan_processes(os);
  CHECK(scan.truncated);
  CHECK(scan.processes_seen <= static_cast<int>(ns::kScanLimit));
  CHECK(scan.pid1_comm == "systemd");
  CHECK_FALSE(scan.complete());

  const auto small = ns::scan_processes(os, 10000);
  CHECK_FALSE(small.truncated);
  CHECK(small.node_agents == std::vector<std::string>{"containerd", "containerd-shim", "kubelet"});
  CHECK(small.processes_seen == 5);

  FakePlatform empty;
  const auto none = ns::scan_processes(empty);
  REQUIRE(none.error.has_value());
  CHECK(none.error->name == "ENOENT");
  CHECK_FALSE(none.pid1_comm.has_value());
}

TEST_CASE("host.pid judge") {
  struct Row {
    std::string name;
    capprobe::probes::PidFacts facts;
    std::string observed;
    bool determined;
    std::string mentions;
  };
  const std::vector<Row> rows = {
      {"host: initial namespace",
       {link("pid", kInitialPid), scan_with({"kubelet"}), kHost},
       "shared",
       true,
       "kubelet"},
      {"host without node agents",
       {link("pid", kInitialPid), scan_with({}), kHost},
       "shared",
       true,
       "initial PID namespace"},
      {"pod: own namespace",
       {link("pid", 4026532301), scan_with({}, "pause"), kContainer},
       "isolated",
       true,
       "pid 1 is pause"},
      {"kind node, hostPID: non-initial namespace holding the kubelet",
       {link("pid", 4026532500), scan_with({"containerd", "kubelet"}), kContainer},
       "shared",
       true,
       "containerd, kubelet"},
      {"CRX: the guest's initial namespace",
       {link("pid", kInitialPid), scan_with({}, "init"), kCrx},
       "isolated",
       true,
       "crx VM guest's kernel, not the node's"},
      {"Kata: own namespace in the guest",
       {link("pid", 4026532210), scan_with({}), kKata},
       "isolated",
       true,
       "kata VM guest"},
      {"gVisor: an initial-looking inode of the sentry",
       {link("pid", kInitialPid), scan_with({}), kGvisor},
       "isolated",
       true,
       "gvisor sandbox"},
      {"link denied in a container",
       {unreadable("pid", "EACCES"), scan_with({}), kContainer},
       "isolated",
       false,
       "ptrace-read"},
      {"link denied on a host",
       {unreadable("pid", "EACCES"), scan_with({}), kHost},
       "shared",
       false,
       "EACCES"},
      {"no /proc at all",
       {unreadable("pid", "ENOENT"), scan_with({}), kContainer},
       "isolated",
       false,
       "not mounted"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto v = capprobe::probes::judge_host_pid(row.facts);
      INFO(v.seen << " | " << v.undetermined_reason);
      CHECK(v.observed == row.observed);
      CHECK(v.determined == row.determined);
      CHECK(contains(v.seen + " " + v.undetermined_reason, row.mentions));
    }
  }
}

TEST_CASE("host.ipc judge") {
  capprobe::probes::SysvCounts sysv{2, 0, 1};
  struct Row {
    std::string name;
    capprobe::probes::IpcFacts facts;
    std::string observed;
    bool determined;
    std::string mentions;
  };
  const std::vector<Row> rows = {
      {"initial IPC namespace",
       {link("ipc", kInitialIpc), link("pid", kInitialPid), std::nullopt, scan_with({}), sysv,
        kHost},
       "shared",
       true,
       "3 SysV IPC objects"},
      {"own IPC namespace, node's pid 1 differs",
       {link("ipc", 4026532303),
        link("pid", kInitialPid),
        link("ipc", kInitialIpc, "1"),
        scan_with({}),
        {0, 0, 0},
        kContainer},
       "isolated",
       true,
       "ipc:[4026532303]"},
      {"nested node: same IPC namespace as the node's pid 1",
       {link("ipc", 4026532600), link("pid", 4026532500), link("ipc", 4026532600, "1"),
        scan_with({"kubelet"}), sysv, kContainer},
       "shared",
       true,
       "nested node"},
      {"CRX: guest's initial IPC namespace",
       {link("ipc", kInitialIpc), link("pid", kInitialPid), std::nullopt, scan_with({}), sysv,
        kCrx},
       "isolated",
       true,
       "not the node's"},
      {"SysV IPC not compiled in",
       {link("ipc", 4026532303),
        link("pid", 4026532301),
        std::nullopt,
        scan_with({}),
        {},
        kContainer},
       "isolated",
       true,
       "not readable"},
      {"denied",
       {unreadable("ipc", "EACCES"), link("pid", 4026532301), std::nullopt, scan_with({}), sysv,
        kContainer},
       "isolated",
       false,
       "EACCES"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto v = capprobe::probes::judge_host_ipc(row.facts);
      INFO(v.seen << " | " << v.undetermined_reason);
      CHECK(v.observed == row.observed);
      CHECK(v.determined == row.determined);
      CHECK(contains(v.seen + " " + v.undetermined_reason, row.mentions));
    }
  }
}

TEST_CASE("host.network judge") {
  using capprobe::platform::InterfaceAddress;
  const auto base = [](IsolationContext isolation) {
    capprobe::probes::NetworkFacts f;
    f.net_ns = link("net", 4026532304);
    f.uts_ns = link("uts", 4026532302);
    f.pid_ns = link("pid", 4026532301);
    f.scan = scan_with({}, "pause");
    f.interfaces = {"eth0", "lo"};
    f.addresses = {InterfaceAddress{"lo", "127.0.0.1", false},
                   InterfaceAddress{"eth0", "10.244.1.17", false}};
    f.isolation = std::move(isolation);
    return f;
  };
  struct Row {
    std::string name;
    capprobe::probes::NetworkFacts facts;
    std::string observed;
    bool conclusive;
    std::string mentions;
  };
  std::vector<Row> rows;
  {
    auto f = base(kHost);
    f.pid_ns = link("pid", kInitialPid);
    f.net_ns = link("net", 4026531840);
    f.pid1_net_ns = link("net", 4026531840, "1");
    rows.push_back({"same namespace as the node's pid 1", f, "shared", true, "node's pid 1"});
    f.net_ns = link("net", 4026532999);  // unshare --net on the host
    f.interfaces = {"lo"};
    rows.push_back({"differs from the node's pid 1", f, "isolated", true, "differs"});
  }
  {
    auto f = base(kContainer);
    f.host_ip = "10.0.0.12";
    rows.push_back({"HOST_IP elsewhere", f, "isolated", true, "not among"});
    f.addresses.push_back(InterfaceAddress{"ens5", "10.0.0.12", false});
    rows.push_back({"HOST_IP among our addresses", f, "shared", true, "is one of"});
  }
  {
    auto f = base(kContainer);
    f.interfaces = {"cali1a2b3c", "cni0", "eth0", "flannel.1", "lo"};
    rows.push_back({"node interfaces visible", f, "shared", true, "cali1a2b3c, cni0, flannel.1"});
    f.isolation = kGvisor;  // gVisor's hostNetwork passes the node's interfaces through
    rows.push_back({"sandbox with the node's interfaces", f, "shared", true, "cni0"});
  }
  {
    auto f = base(kContainer);
    f.interfaces = {"lo", "tunl0", "sit0"};
    f.addresses = {InterfaceAddress{"lo", "127.0.0.1", false}};
    rows.push_back({"only loopback and fallback devices", f, "isolated", true, "only loopback"});
  }
  {
    auto f = base(kContainer);
    f.uts_ns = link("uts", kInitialUts);
    rows.push_back({"node's UTS namespace", f, "shared", true, "UTS"});
    f.isolation = kGvisor;
    rows.push_back({"sandbox: UTS says nothing", f, "isolated", false, "presumably"});
  }
  rows.push_back(
      {"pod with just eth0: a best guess", base(kContainer), "isolated", false, "set HOST_IP"});
  {
    // A runc container given the host's network namespace on a kernel that fixes init_net's
    // inode (0xEFFFFFF9): the number alone proves it, though pid 1's link is unreadable.
    auto f = base(kContainer);
    f.net_ns = link("net", 0xEFFFFFF9u);
    f.interfaces = {"eth0", "lo"};
    rows.push_back({"the initial network namespace's fixed inode", f, "shared", true,
                    "initial network namespace"});
  }
  {
    auto f = base(kHost);
    f.pid_ns = link("pid", kInitialPid);
    f.pid1_net_ns = unreadable("net", "EACCES", "1");  // not root: pid 1's link is denied
    f.interfaces = {"eth0", "ifb0", "lo"};
    rows.push_back({"host, pid 1 unreadable", f, "shared", true, "not in a container"});
  }
  {
    auto f = base(kKata);
    f.host_ip = "10.244.1.17";  // Kata mirrors the pod's address, not the node's namespace
    rows.push_back({"Kata guest", f, "isolated", true, "kata VM guest"});
  }

  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto v = capprobe::probes::judge_host_network(row.facts);
      INFO(v.seen);
      CHECK(v.observed == row.observed);
      CHECK(v.conclusive == row.conclusive);
      CHECK(v.determined);
      CHECK(contains(v.seen, row.mentions));
    }
  }

  SECTION("our own link denied: untested, the rest still guesses") {
    auto f = base(kContainer);
    f.net_ns = unreadable("net", "EACCES");
    f.interfaces = {"lo"};
    const auto v = capprobe::probes::judge_host_network(f);
    CHECK_FALSE(v.determined);
    CHECK(v.observed == "isolated");
    CHECK(contains(v.undetermined_reason, "/proc/self/ns/net"));
  }
}

TEST_CASE("node interfaces and fallback devices are named, pod interfaces are not") {
  for (const auto* name : {"cni0", "flannel.1", "cali9a8b7c", "cilium_host", "docker0",
                           "veth1a2b3c", "vxlan.calico", "kube-ipvs0", "lxc12ab", "eni3f2a"})
    CHECK(capprobe::probes::is_node_interface(name));
  for (const auto* name : {"lo", "eth0", "net1", "ens5", "tunl0", "ifb0"})
    CHECK_FALSE(capprobe::probes::is_node_interface(name));
  CHECK(capprobe::probes::is_fallback_interface("tunl0"));
  CHECK(capprobe::probes::is_fallback_interface("sit0"));
  CHECK_FALSE(capprobe::probes::is_fallback_interface("eth0"));
}

TEST_CASE("host.* probes over the fixture trees") {
  using capprobe::platform::InterfaceAddress;
  struct Row {
    std::string fixture;
    std::string probe;
    std::optional<bool> requested;
    std::string observed;
    Status status;
    std::string namespace_link;
  };
  const std::vector<Row> rows = {
      {"iso-host", "host.pid", std::nullopt, "shared", Status::supported, "pid:[4026531836]"},
      {"iso-host", "host.network", std::nullopt, "shared", Status::supported, "net:[4026531840]"},
      {"iso-host", "host.ipc", std::nullopt, "shared", Status::supported, "ipc:[4026531839]"},
      {"iso-host", "host.pid", false, "shared", Status::supported, "pid:[4026531836]"},
      {"iso-runc-kvm", "host.pid", true, "isolated", Status::unsupported, "pid:[4026532301]"},
      {"iso-runc-kvm", "host.pid", false, "isolated", Status::untested, "pid:[4026532301]"},
      {"iso-runc-kvm", "host.network", true, "isolated", Status::unsupported, "net:[4026532304]"},
      {"iso-runc-kvm", "host.ipc", std::nullopt, "isolated", Status::untested, "ipc:[4026532303]"},
      {"iso-kata", "host.network", true, "isolated", Status::unsupported, "net:[4026532008]"},
      {"iso-kata", "host.pid", true, "isolated", Status::unsupported, "pid:[4026532210]"},
      {"iso-firecracker", "host.ipc", true, "isolated", Status::unsupported, "ipc:[4026532119]"},
      {"iso-gvisor", "host.pid", true, "isolated", Status::unsupported, "pid:[4026531836]"},
      {"iso-gvisor", "host.ipc", true, "isolated", Status::unsupported, "ipc:[4026531839]"},
      // gVisor: capprobe is pid 1 of the sandbox, so "pid 1's namespace" would be our own.
      {"iso-gvisor", "host.network", true, "isolated", Status::unsupported, "net:[4026531993]"},
      {"iso-crx", "host.pid", true, "isolated", Status::unsupported, "pid:[4026531836]"},
      {"iso-crx", "host.ipc", true, "isolated", Status::unsupported, "ipc:[4026531839]"},
      {"iso-crx", "host.network", true, "isolated", Status::unsupported, "net:[4026531992]"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.fixture << " " << row.probe << " requested "
                                << (row.requested ? (*row.requested ? "true" : "false") : "null")) {
      FakePlatform os;
      capprobe::testing::load_iso_fixture(os, row.fixture);
      os.addresses = {InterfaceAddress{"lo", "127.0.0.1", false},
                      InterfaceAddress{"eth0", "10.244.1.17", false}};
      os.environment["HOST_IP"] = "10.0.0.12";  // the node's address, as the downward API gives
      PodRequests requests;
      if (row.probe == "host.pid") requests.host_pid = row.requested;
      if (row.probe == "host.network") requests.host_network = row.requested;
      if (row.probe == "host.ipc") requests.host_ipc = row.requested;
      const auto probe = row.probe == "host.pid" ? capprobe::probes::host_pid_linux_probe()
                         : row.probe == "host.network"
                             ? capprobe::probes::host_network_linux_probe()
                             : capprobe::probes::host_ipc_linux_probe();
      const auto result = run(probe, os, requests);
      INFO(result.summary);
      CHECK(result.id == row.probe);
      CHECK(result.requested == row.requested);
      CHECK(result.observed == row.observed);
      CHECK(result.status == row.status);
      CHECK(result.evidence["namespace"] == row.namespace_link);
      CHECK(result.requested_but_ignored() == (row.status == Status::unsupported));
      if (row.status == Status::unsupported) {
        CHECK(result.summary.rfind(std::string(capprobe::probes::kIgnoredPrefix), 0) == 0);
      }
      CHECK(probe.info.cost == capprobe::probes::Cost::light);
    }
  }
}

TEST_CASE("host.* evidence carries the corroborating facts") {
  FakePlatform os;
  capprobe::testing::load_iso_fixture(os, "iso-host");
  os.addresses = {{"lo", "127.0.0.1", false}, {"eno1", "10.0.0.5", false}};
  const PodRequests requests;

  const auto pid = run(capprobe::probes::host_pid_linux_probe(), os, requests);
  CHECK(pid.evidence["pid1_comm"] == "systemd");
  CHECK(pid.evidence["kubelet_visible"] == true);
  CHECK(pid.evidence["node_agents_visible"] ==
        nlohmann::json{"containerd", "containerd-shim", "kubelet"});

  const auto net = run(capprobe::probes::host_network_linux_probe(), os, requests);
  CHECK(net.evidence["pid1_namespace"] == "net:[4026531840]");
  CHECK(net.evidence["node_interfaces"] == nlohmann::json{"cni0", "flannel.1", "veth1a2b3c4d"});
  CHECK(net.evidence["host_ip"].is_null());

  const auto ipc = run(capprobe::probes::host_ipc_linux_probe(), os, requests);
  CHECK(ipc.evidence["sysv_objects"]["shm"] == 1);
  CHECK(ipc.evidence["sysv_objects"]["msg"] == 0);
  CHECK(ipc.evidence["sysv_objects"]["sem"] == 1);
  CHECK(contains(ipc.summary, "2 SysV IPC objects"));
}

TEST_CASE("host.* errno cases") {
  SECTION("EACCES on our own namespace link: untested, naming the need, never 'ignored'") {
    FakePlatform os;
    capprobe::testing::load_iso_fixture(os, "iso-runc-kvm");
    os.fail("read_link", "/proc/self/ns/pid", "EACCES");
    PodRequests requests;
    requests.host_pid = true;
    const auto result = run(capprobe::probes::host_pid_linux_probe(), os, requests);
    CHECK(result.status == Status::untested);
    CHECK(result.observed == "isolated");
    CHECK(result.evidence["namespace"].is_null());
    CHECK(result.evidence["namespace_error"] == "EACCES");
    CHECK(contains(result.summary, "ptrace-read"));
    CHECK_FALSE(result.requested_but_ignored());
  }
  SECTION("EACCES on pid 1's link: the other corroborations decide") {
    FakePlatform os;
    capprobe::testing::load_iso_fixture(os, "iso-host");
    os.fail("read_link", "/proc/1/ns/net", "EACCES");
    const auto result = run(capprobe::probes::host_network_linux_probe(), os, PodRequests{});
    CHECK(result.observed == "shared");
    CHECK(result.evidence["pid1_namespace_error"] == "EACCES");
    CHECK(contains(result.summary, "cni0"));
  }
  SECTION("getifaddrs failing is recorded; /proc/self/net/dev still names interfaces") {
    FakePlatform os;
    capprobe::testing::load_iso_fixture(os, "iso-runc-kvm");
    os.fail("interface_addresses", "/", "EMFILE");
    const auto result = run(capprobe::probes::host_network_linux_probe(), os, PodRequests{});
    CHECK(result.evidence["addresses_error"] == "EMFILE");
    CHECK(result.evidence["interfaces"] == nlohmann::json{"eth0", "lo"});
  }
  SECTION("an unshare --net sandbox shows only lo: isolated, and hostNetwork is ignored") {
    FakePlatform os;
    capprobe::testing::load_iso_fixture(os, "iso-runc-kvm");
    os.file("/proc/7/net/dev",
            "Inter-|   Receive |  Transmit\n face |bytes packets|bytes\n"
            "    lo:       0       0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
    os.addresses = {{"lo", "127.0.0.1", false}};
    PodRequests requests;
    requests.host_network = true;
    const auto result = run(capprobe::probes::host_network_linux_probe(), os, requests);
    CHECK(result.observed == "isolated");
    CHECK(result.status == Status::unsupported);
    CHECK(contains(result.summary, "only loopback"));
  }
  SECTION("a best guess does not claim 'requested but ignored'") {
    FakePlatform os;
    capprobe::testing::load_iso_fixture(os, "iso-runc-kvm");
    os.addresses = {{"lo", "127.0.0.1", false}, {"eth0", "10.0.0.12", false}};
    PodRequests requests;
    requests.host_network = true;
    const auto result = run(capprobe::probes::host_network_linux_probe(), os, requests);
    CHECK(result.observed == "isolated");
    CHECK(result.status == Status::untested);
    CHECK(result.evidence["conclusive"] == false);
    CHECK_FALSE(result.requested_but_ignored());
  }
}
