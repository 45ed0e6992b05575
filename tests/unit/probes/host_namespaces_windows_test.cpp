// host.pid, host.ipc, host.network on Windows: the pure judges row by row (HostProcess, the node
// itself, process and Hyper-V isolated containers, the compartment and HOST_IP), the shared
// verdict for a switch that does not exist, and the probes over the shapes of Windows Server
// 2019 and 2022 nodes.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "platform/fake/fake_platform.hpp"
#include "probes/common/judge.hpp"
#include "probes/host/host_windows.hpp"
#include "probes/probe_list.hpp"
#include "tests/unit/probes/win_iso_test_support.hpp"

using capprobe::platform::FakePlatform;
using capprobe::probes::CapabilityResult;
using capprobe::probes::HostVerdict;
using capprobe::probes::PodRequests;
using capprobe::probes::Status;
using capprobe::probes::WindowsHostView;
using capprobe::probes::WindowsIpcFacts;
using capprobe::probes::WindowsNetworkFacts;
using capprobe::testing::WinKind;
using capprobe::testing::WinRelease;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

WindowsHostView view_of(const std::string& environment) {
  WindowsHostView view;
  view.environment = environment;
  view.isolation.observed = environment == "windows_hyperv" ? "vm_guest"
                            : environment == "host"         ? "host"
                                                            : "shared_kernel";
  if (environment == "windows_hyperv") view.isolation.flavor = "hyperv";
  view.processes_seen = 18;
  if (environment == "host" || environment == "windows_hostprocess") {
    view.processes_seen = 112;
    view.node_agents = {"containerd.exe", "kubelet.exe"};
  }
  return view;
}

struct Expect {
  std::string observed;
  bool determined = true;
  bool applicable = true;
};

void check(const HostVerdict& v, const Expect& expect) {
  INFO(v.seen << " | " << v.undetermined_reason << " | " << v.not_applicable_reason);
  CHECK(v.observed == expect.observed);
  CHECK(v.determined == expect.determined);
  CHECK(v.applicable == expect.applicable);
  CHECK_FALSE(v.seen.empty());
  if (!expect.determined) CHECK_FALSE(v.undetermined_reason.empty());
  if (!expect.applicable) CHECK_FALSE(v.not_applicable_reason.empty());
}

CapabilityResult run(const capprobe::probes::Probe& probe, FakePlatform& os,
                     const PodRequests& requests) {
  capprobe::probes::ProbeContext ctx{os, requests, false, ".capprobe-6312-abcdef",
                                     std::chrono::steady_clock::now() + probe.info.timeout};
  return probe.run(ctx);
}

capprobe::probes::Probe windows_probe(const std::string& id) {
  if (id == "host.pid") return capprobe::probes::host_pid_windows_probe();
  if (id == "host.ipc") return capprobe::probes::host_ipc_windows_probe();
  return capprobe::probes::host_network_windows_probe();
}

}  // namespace

TEST_CASE("Windows host.pid judge") {
  using capprobe::probes::judge_windows_host_pid;
  check(judge_windows_host_pid(view_of("host")), {"shared"});
  {
    auto view = view_of("host");  // outside any container, but the snapshot failed
    view.node_agents.clear();
    view.processes_error = capprobe::platform::fake_error("ERROR_ACCESS_DENIED", "Toolhelp");
    check(judge_windows_host_pid(view), {"shared", false});
  }
  check(judge_windows_host_pid(view_of("windows_hostprocess")), {"shared"});
  {
    auto view = view_of("windows_hostprocess");  // no agent in the snapshot: not demonstrated
    view.node_agents.clear();
    check(judge_windows_host_pid(view), {"shared", false});
  }
  {
    auto view = view_of("windows_hostprocess");
    view.node_agents.clear();
    view.processes_error = capprobe::platform::fake_error("ERROR_ACCESS_DENIED", "Toolhelp");
    const auto v = judge_windows_host_pid(view);
    check(v, {"shared", false});
    CHECK(contains(v.undetermined_reason, "ERROR_ACCESS_DENIED"));
  }
  const auto process = judge_windows_host_pid(view_of("windows_process"));
  check(process, {"isolated", true, false});
  CHECK(contains(process.seen, "process-isolated"));
  const auto hyperv = judge_windows_host_pid(view_of("windows_hyperv"));
  check(hyperv, {"isolated", true, false});
  CHECK(contains(hyperv.seen, "Hyper-V"));
}

TEST_CASE("Windows host.ipc judge") {
  using capprobe::probes::judge_windows_host_ipc;
  const auto facts = [](const std::string& environment) {
    WindowsIpcFacts f;
    f.view = view_of(environment);
    f.pipes_seen = 14;
    return f;
  };
  check(judge_windows_host_ipc(facts("host")), {"shared"});
  {
    auto f = facts("host");  // no pipe listing, but the processes show the node
    f.pipes_error = capprobe::platform::fake_error("ERROR_BAD_NET_NAME", "FindFirstFileW");
    check(judge_windows_host_ipc(f), {"shared"});
    f.view.node_agents.clear();  // and neither listing at all
    f.view.processes_error = capprobe::platform::fake_error("ERROR_ACCESS_DENIED", "Toolhelp");
    check(judge_windows_host_ipc(f), {"shared", false});
  }
  {
    auto f = facts("windows_hostprocess");  // the node's pipes at their host paths
    f.node_pipes = {"containerd-containerd"};
    f.view.node_agents.clear();
    const auto v = judge_windows_host_ipc(f);
    check(v, {"shared"});
    CHECK(contains(v.seen, "containerd-containerd"));
  }
  {
    auto f = facts("windows_hostprocess");  // Wine cannot list pipes: the agents show it
    f.pipes_error = capprobe::platform::fake_error("ERROR_BAD_NET_NAME", "FindFirstFileW");
    check(judge_windows_host_ipc(f), {"shared"});
  }
  {
    auto f = facts("windows_hostprocess");  // neither pipes nor agents
    f.view.node_agents.clear();
    check(judge_windows_host_ipc(f), {"shared", false});
  }
  check(judge_windows_host_ipc(facts("windows_process")), {"isolated", true, false});
  check(judge_windows_host_ipc(facts("windows_hyperv")), {"isolated", true, false});
}

TEST_CASE("Windows host.network judge") {
  using capprobe::probes::judge_windows_host_network;
  const auto facts = [](const std::string& environment, std::optional<std::uint32_t> compartment,
                        std::optional<std::string> host_ip, std::string address) {
    WindowsNetworkFacts f;
    f.view = view_of(environment);
    f.compartment = compartment;
    if (!compartment)
      f.compartment_error = capprobe::platform::FakeWindows::unset("GetCurrentThreadCompartmentId");
    f.host_ip = std::move(host_ip);
    f.addresses = {{"vEthernet (Ethernet)", std::move(address), false}};
    return f;
  };
  // A utility VM's primary compartment is the VM's, whatever it is numbered.
  check(judge_windows_host_network(facts("windows_hyperv", 1u, std::nullopt, "10.240.0.61")),
        {"isolated"});
  // HOST_IP among our addresses: the node's network (HostProcess, or WindowsHostNetwork).
  check(judge_windows_host_network(facts("windows_process", 1u, "10.240.0.4", "10.240.0.4")),
        {"shared"});
  check(judge_windows_host_network(facts("windows_process", 2u, "10.240.0.4", "10.240.0.57")),
        {"isolated"});
  // HOST_IP decides over the compartment number, both ways.
  check(judge_windows_host_network(facts("windows_hostprocess", 1u, "10.240.0.4", "10.0.0.9")),
        {"isolated"});
  check(judge_windows_host_network(facts("windows_process", 3u, std::nullopt, "10.240.0.57")),
        {"isolated"});
  check(judge_windows_host_network(facts("windows_hostprocess", 1u, std::nullopt, "10.240.0.4")),
        {"shared"});
  check(judge_windows_host_network(
            facts("windows_hostprocess", std::nullopt, std::nullopt, "10.240.0.4")),
        {"shared"});
  check(judge_windows_host_network(facts("host", 1u, std::nullopt, "10.240.0.4")), {"shared"});
  // Outside any container but nothing to show it: not demonstrated.
  check(judge_windows_host_network(facts("host", std::nullopt, std::nullopt, "10.240.0.4")),
        {"shared", false});
  // Compartment 1 from inside a container: a namespaced compartment looks the same.
  check(judge_windows_host_network(facts("windows_process", 1u, std::nullopt, "10.240.0.57")),
        {"shared", false});
  {
    const auto v = judge_windows_host_network(
        facts("windows_process", std::nullopt, std::nullopt, "10.240.0.57"));
    check(v, {"isolated", false});
    CHECK(contains(v.undetermined_reason, "Wine"));
    CHECK(contains(v.undetermined_reason, "HOST_IP is not set"));
  }
  {
    auto f = facts("windows_process", std::nullopt, "10.240.0.4", "10.240.0.57");
    f.addresses.clear();
    f.addresses_error = "ERROR_NOT_ENOUGH_MEMORY";
    const auto v = judge_windows_host_network(f);
    check(v, {"isolated", false});
    CHECK(contains(v.undetermined_reason, "ERROR_NOT_ENOUGH_MEMORY"));
  }
}

TEST_CASE("a switch that does not exist is not_applicable, and says so when it was asked") {
  HostVerdict v;
  v.observed = "isolated";
  v.applicable = false;
  v.not_applicable_reason = "Windows pods cannot share the node's processes";
  v.seen = "this container has its own process table";
  for (const std::optional<bool> requested :
       {std::optional<bool>(true), std::optional<bool>(false), std::optional<bool>()}) {
    CapabilityResult result;
    result.requested = requested;
    capprobe::probes::apply_host_verdict(result, v, "hostPID");
    CHECK(result.status == Status::not_applicable);
    CHECK(result.observed == "isolated");
    CHECK_FALSE(result.requested_but_ignored());
    CHECK(contains(result.summary, "own process table"));
    CHECK(contains(result.summary, "hostPID was requested, but ") == (requested == true));
  }
}

TEST_CASE("host.* on Windows over the shapes of real nodes") {
  struct Row {
    WinRelease release;
    WinKind kind;
    std::string probe;
    std::optional<bool> requested;
    std::string observed;
    Status status;
    nlohmann::json namespace_value;
  };
  const nlohmann::json none = nullptr;
  const std::vector<Row> rows = {
      {WinRelease::ws2019, WinKind::process, "host.pid", true, "isolated", Status::not_applicable,
       none},
      {WinRelease::ws2022, WinKind::process, "host.ipc", std::nullopt, "isolated",
       Status::not_applicable, none},
      {WinRelease::ws2022, WinKind::hyperv, "host.pid", false, "isolated", Status::not_applicable,
       none},
      {WinRelease::ws2019, WinKind::hyperv, "host.ipc", true, "isolated", Status::not_applicable,
       none},
      {WinRelease::ws2022, WinKind::hostprocess, "host.pid", false, "shared", Status::supported,
       none},
      {WinRelease::ws2022, WinKind::hostprocess, "host.ipc", false, "shared", Status::supported,
       none},
      {WinRelease::ws2019, WinKind::hostprocess, "host.network", true, "shared", Status::supported,
       "compartment:1"},
      {WinRelease::ws2022, WinKind::node, "host.pid", std::nullopt, "shared", Status::supported,
       none},
      {WinRelease::ws2022, WinKind::node, "host.network", std::nullopt, "shared", Status::supported,
       "compartment:1"},
      // hostNetwork asked of a process-isolated pod that got its own compartment: the finding.
      {WinRelease::ws2019, WinKind::process, "host.network", true, "isolated", Status::unsupported,
       "compartment:2"},
      {WinRelease::ws2022, WinKind::process, "host.network", false, "isolated", Status::untested,
       "compartment:2"},
      {WinRelease::ws2022, WinKind::hyperv, "host.network", true, "isolated", Status::unsupported,
       "compartment:1"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(static_cast<int>(row.release)
                    << "/" << static_cast<int>(row.kind) << " " << row.probe) {
      FakePlatform os;
      capprobe::testing::script_windows(os, row.release, row.kind);
      PodRequests requests;
      if (row.probe == "host.pid") requests.host_pid = row.requested;
      if (row.probe == "host.network") requests.host_network = row.requested;
      if (row.probe == "host.ipc") requests.host_ipc = row.requested;
      const auto probe = windows_probe(row.probe);
      const auto result = run(probe, os, requests);
      INFO(result.summary);
      CHECK(result.id == row.probe);
      CHECK(result.requested == row.requested);
      CHECK(result.observed == row.observed);
      CHECK(result.status == row.status);
      CHECK(result.evidence.contains("namespace"));
      CHECK(result.evidence["namespace"] == row.namespace_value);
      CHECK(result.requested_but_ignored() == (row.status == Status::unsupported));
      if (row.status == Status::unsupported)
        CHECK(result.summary.rfind(std::string(capprobe::probes::kIgnoredPrefix), 0) == 0);
      if (row.status == Status::not_applicable && row.requested == true)
        CHECK(contains(result.summary, "was requested, but Windows pods cannot"));
      CHECK(probe.info.platforms == std::vector<std::string>{"linux", "windows"});
    }
  }
}

TEST_CASE("host.* on Windows: the evidence carries the view of the node") {
  const PodRequests requests;
  FakePlatform hpc;
  capprobe::testing::script_windows(hpc, WinRelease::ws2022, WinKind::hostprocess);
  const auto pid = run(capprobe::probes::host_pid_windows_probe(), hpc, requests);
  CHECK(pid.evidence["environment"] == "windows_hostprocess");
  CHECK(pid.evidence["kubelet_visible"] == true);
  CHECK(pid.evidence["processes_seen"] == 14);
  CHECK(pid.evidence["node_agents_visible"].size() == 5);
  CHECK(contains(pid.summary, "kubelet.exe"));
  const auto ipc = run(capprobe::probes::host_ipc_windows_probe(), hpc, requests);
  CHECK(ipc.evidence["node_pipes_visible"] == nlohmann::json{"containerd-containerd"});
  CHECK(ipc.evidence["pipes_seen"] == 5);
  const auto net = run(capprobe::probes::host_network_windows_probe(), hpc, requests);
  CHECK(net.evidence["compartment"] == 1);
  CHECK(net.evidence["host_ip"] == "10.240.0.4");
  CHECK(net.evidence["host_ip_found"] == true);

  FakePlatform process;
  capprobe::testing::script_windows(process, WinRelease::ws2019, WinKind::process);
  const auto own = run(capprobe::probes::host_pid_windows_probe(), process, requests);
  CHECK(own.evidence["kubelet_visible"] == false);
  CHECK(own.evidence["environment"] == "windows_process");
  CHECK(contains(own.summary, "10 processes visible, none of the node's agents"));
  const auto ipc_own = run(capprobe::probes::host_ipc_windows_probe(), process, requests);
  CHECK(ipc_own.evidence["pipes_error"] == "ERROR_CALL_NOT_IMPLEMENTED");
  CHECK(ipc_own.evidence["pipes_seen"].is_null());
}

TEST_CASE("host.network on Windows under Wine: no compartment, no HOST_IP -> untested") {
  FakePlatform os;
  capprobe::testing::script_windows(os, WinRelease::ws2022, WinKind::process);
  os.windows.compartment = capprobe::platform::FakeWindows::unset("GetCurrentThreadCompartmentId");
  os.environment.erase("HOST_IP");
  PodRequests requests;
  requests.host_network = true;
  const auto result = run(capprobe::probes::host_network_windows_probe(), os, requests);
  INFO(result.summary);
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "isolated");
  CHECK(result.evidence["namespace"].is_null());
  CHECK(result.evidence["compartment_error"] == "ERROR_CALL_NOT_IMPLEMENTED");
  CHECK(contains(result.summary, "GetCurrentThreadCompartmentId"));
  CHECK_FALSE(result.requested_but_ignored());
}
