// net.host_port: the trial (our listener on the containerPort, one connect to HOST_IP:hostPort)
// and every verdict.
#include <catch2/catch.hpp>

#include "probes/common/judge.hpp"
#include "probes/net/host_port.hpp"
#include "probes/probe_list.hpp"
#include "tests/unit/probes/fs_test_support.hpp"

using capprobe::platform::FakePlatform;
using capprobe::platform::PortTrialOutcome;
using capprobe::platform::Result;
using capprobe::probes::HostPortRequest;
using capprobe::probes::PodRequests;
using capprobe::probes::Status;
using capprobe::testing::context_for;

namespace {

PodRequests asking(std::vector<HostPortRequest> ports) {
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.container_name = "web";
  requests.host_ports = std::move(ports);
  return requests;
}

capprobe::probes::CapabilityResult run(FakePlatform& os, const PodRequests& requests,
                                       bool windows = false) {
  auto ctx = context_for(os, requests, std::chrono::seconds(8));
  return (windows ? capprobe::probes::net_host_port_windows_probe()
                  : capprobe::probes::net_host_port_linux_probe())
      .run(ctx);
}

}  // namespace

TEST_CASE("net.host_port without a hostPort is untested") {
  FakePlatform os;
  const auto none = run(os, PodRequests{});
  CHECK(none.status == Status::untested);
  CHECK(none.observed == "not_requested");
  CHECK(none.requested == std::nullopt);
  const auto asked_none = run(os, asking({}));
  CHECK(asked_none.requested == false);
  CHECK(os.port_trials_run.empty());
}

TEST_CASE("net.host_port: the node forwards its port to our listener") {
  FakePlatform os;
  os.environment["HOST_IP"] = "192.168.5.10";
  os.port_trials = [](int, const std::string&, int) {
    return Result<PortTrialOutcome>(PortTrialOutcome{std::nullopt, true});
  };
  for (const bool windows : {false, true}) {
    os.port_trials_run.clear();
    const auto result = run(os, asking({{8080, 18080, "TCP", ""}}), windows);
    INFO(result.summary);
    CHECK(result.status == Status::supported);
    CHECK(result.observed == "reached");
    REQUIRE(os.port_trials_run.size() == 1);
    CHECK(os.port_trials_run[0] == std::tuple<int, std::string, int>{8080, "192.168.5.10", 18080});
    CHECK(result.evidence["ports"][0]["state"] == "reached");
  }
}

TEST_CASE("net.host_port: a hostPort the node does not forward is requested but ignored") {
  FakePlatform os;
  os.environment["HOST_IP"] = "192.168.5.10";
  SECTION("refused") {
    const auto result = run(os, asking({{8080, 18080, "TCP", ""}}));
    CHECK(result.requested_but_ignored());
    CHECK(result.observed == "not_forwarded");
    CHECK(result.evidence["ports"][0]["connect_error"] == "ECONNREFUSED");
  }
  SECTION("someone else's listener answered") {
    os.port_trials = [](int, const std::string&, int) {
      return Result<PortTrialOutcome>(PortTrialOutcome{std::nullopt, false});
    };
    const auto result = run(os, asking({{8080, 18080, "TCP", ""}}));
    CHECK(result.requested_but_ignored());
    CHECK(result.observed == "other_listener");
  }
}

TEST_CASE("net.host_port: untested when it cannot be tried") {
  FakePlatform os;
  SECTION("no HOST_IP") {
    const auto result = run(os, asking({{8080, 18080, "TCP", ""}}));
    CHECK(result.status == Status::untested);
    CHECK(result.observed == "no_host_ip");
    CHECK(result.requested == true);
    CHECK(os.port_trials_run.empty());
  }
  SECTION("UDP only") {
    os.environment["HOST_IP"] = "192.168.5.10";
    const auto result = run(os, asking({{53, 1053, "UDP", ""}}));
    CHECK(result.observed == "not_tried");
    CHECK(os.port_trials_run.empty());
  }
  SECTION("the containerPort is the workload's") {
    os.environment["HOST_IP"] = "192.168.5.10";
    os.port_trials = [](int, const std::string&, int) {
      return Result<PortTrialOutcome>(capprobe::platform::fake_error("EADDRINUSE", "bind"));
    };
    const auto result = run(os, asking({{8080, 18080, "TCP", ""}}));
    CHECK(result.status == Status::untested);
    CHECK(result.observed == "port_in_use");
  }
  SECTION("ports[].hostIP is where it is tried") {
    os.port_trials = [](int, const std::string&, int) {
      return Result<PortTrialOutcome>(PortTrialOutcome{std::nullopt, true});
    };
    const auto result = run(os, asking({{8080, 18080, "TCP", "10.0.0.7"}}));
    CHECK(result.observed == "reached");
    CHECK(std::get<1>(os.port_trials_run.at(0)) == "10.0.0.7");
  }
}
