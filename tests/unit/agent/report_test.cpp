// The report envelope (JSON round trip, ids, timestamps) and its subject over the fake platform.
#include <catch2/catch.hpp>

#include <set>

#include "agent/report.hpp"
#include "agent/subject.hpp"
#include "platform/fake/fake_platform.hpp"

using namespace capprobe;

namespace {

agent::Report sample_report() {
  agent::Report report;
  report.report_id = "8d5f2f0a-1111-4222-8333-444455556666";
  report.agent_version = "0.1.0";
  report.agent_mode = "oneshot";
  report.subject.node = "worker-3";
  report.subject.pod = "capprobe/capprobe-x7k2p";
  report.subject.container = "probe";
  report.subject.runtime_class = std::nullopt;
  report.subject.os = "linux";
  report.subject.arch = "amd64";
  report.subject.os_version = "Debian GNU/Linux 12";
  report.subject.kernel = "6.1.0-18-amd64";
  report.subject.environment = "vm_guest";
  report.pod_spec.source = "file";
  report.pod_spec.detail =
      "pod.json; container unknown: the pod has 2 containers (app, probe) and neither "
      "--container nor CAPPROBE_CONTAINER names one";
  report.started_at = "2026-11-24T10:00:00Z";
  report.duration_ms = 1240;
  probes::CapabilityResult pid;
  pid.id = "host.pid";
  pid.status = probes::Status::unsupported;
  pid.observed = "isolated";
  pid.requested = true;
  pid.summary = "REQUESTED BUT IGNORED: hostPID was requested but is not in effect";
  pid.evidence = {{"namespace", "pid:[4026532301]"}, {"kubelet_visible", false}};
  pid.duration_ms = 2;
  probes::CapabilityResult symlink;
  symlink.id = "fs.symlink";
  symlink.status = probes::Status::partial;
  symlink.observed = "partial";
  symlink.evidence = {{"locations", nlohmann::json::array({{{"path", "/tmp"}}})}};
  report.results = {pid, symlink};
  return report;
}

}  // namespace

TEST_CASE("a report survives to_json and report_from_json unchanged", "[report]") {
  const auto report = sample_report();
  const auto json = agent::to_json(report);
  CHECK(json["schema"] == "capprobe.report/v1");
  CHECK(json["agent"] == nlohmann::json({{"version", "0.1.0"}, {"mode", "oneshot"}}));
  CHECK(json["subject"]["runtime_class"].is_null());
  CHECK(json["results"][0]["requested"] == true);
  CHECK(json["results"][1]["requested"].is_null());
  CHECK(json["pod_spec"] ==
        nlohmann::json({{"source", "file"}, {"detail", report.pod_spec.detail}}));

  // Through text, as the collector receives it.
  const auto back = agent::report_from_json(nlohmann::json::parse(json.dump()));
  CHECK(agent::to_json(back) == json);
  CHECK(back.subject.pod == report.subject.pod);
  CHECK(back.pod_spec.source == "file");
  CHECK(back.pod_spec.detail == report.pod_spec.detail);
  CHECK_FALSE(back.subject.runtime_class.has_value());
  REQUIRE(back.results.size() == 2);
  CHECK(back.results[0].requested_but_ignored());
  CHECK(back.results[1].status == probes::Status::partial);
  CHECK(back.results[0].evidence["namespace"] == "pid:[4026532301]");
}

TEST_CASE("a report without a pod spec says so, one from before pod_spec existed reads as none",
          "[report]") {
  agent::Report bare = sample_report();
  bare.pod_spec = {};
  CHECK(agent::to_json(bare)["pod_spec"] ==
        nlohmann::json({{"source", "none"}, {"detail", "no --pod-spec given"}}));
  auto old = agent::to_json(sample_report());
  old.erase("pod_spec");
  const auto back = agent::report_from_json(old);
  CHECK(back.pod_spec.source == "none");
}

TEST_CASE("malformed reports are refused", "[report]") {
  const auto good = agent::to_json(sample_report());
  auto wrong_schema = good;
  wrong_schema["schema"] = "capprobe.report/v0";
  CHECK_THROWS(agent::report_from_json(wrong_schema));
  for (const char* key : {"report_id", "agent", "subject", "started_at", "results"}) {
    INFO(key);
    auto missing = good;
    missing.erase(key);
    CHECK_THROWS(agent::report_from_json(missing));
  }
  auto bad_status = good;
  bad_status["results"][0]["status"] = "fine";
  CHECK_THROWS(agent::report_from_json(bad_status));
}

TEST_CASE("report ids are random version-4 UUIDs, times are RFC 3339 UTC", "[report]") {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    const auto id = agent::new_report_id();
    CHECK_THAT(
        id, Catch::Matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
    ids.insert(id);
  }
  CHECK(ids.size() == 100);
  const auto when = std::chrono::system_clock::time_point{} + std::chrono::seconds(1795514400);
  CHECK(agent::rfc3339_utc(when) == "2026-11-24T10:00:00Z");
}

TEST_CASE("subject words: architecture and environment", "[report][subject]") {
  const std::pair<const char*, const char*> arches[] = {
      {"x86_64", "amd64"}, {"aarch64", "arm64"}, {"armv7l", "arm"},
      {"i686", "386"},     {"s390x", "s390x"},   {"riscv64", "riscv64"},
  };
  for (const auto& [machine, arch] : arches) CHECK(agent::arch_name(machine) == arch);
  const std::pair<const char*, const char*> environments[] = {
      {"host", "host"},         {"shared_kernel", "container"},
      {"vm_guest", "vm_guest"}, {"sandbox", "sandbox"},
      {"", "unknown"},
  };
  for (const auto& [observed, environment] : environments)
    CHECK(agent::environment_name(observed) == environment);
}

TEST_CASE("PRETTY_NAME comes out of os-release unquoted", "[report][subject]") {
  CHECK(agent::os_release_pretty_name("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux "
                                      "12 (bookworm)\"\nID=debian\n") ==
        "Debian GNU/Linux 12 (bookworm)");
  CHECK(agent::os_release_pretty_name("PRETTY_NAME='Single quoted'\n") == "Single quoted");
  CHECK(agent::os_release_pretty_name("PRETTY_NAME=Bare\n") == "Bare");
  CHECK(agent::os_release_pretty_name("PRETTY_NAME=\"With \\\"escapes\\\"\"") ==
        "With \"escapes\"");
  CHECK(agent::os_release_pretty_name("NAME=Alpine\n").empty());
}

TEST_CASE("the subject: downward-API environment first, then the pod spec, then uname",
          "[report][subject]") {
  platform::FakePlatform os;
  os.kernel = platform::KernelInfo{"Linux", "debian-vm", "6.1.0-18-amd64", "#1 SMP", "aarch64"};
  os.file("/usr/lib/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");
  probes::PodRequests requests;
  requests.pod_name = "from-spec";
  requests.pod_namespace = "spec-ns";
  requests.container_name = "spec-container";
  requests.runtime_class = "kata";

  auto subject = agent::describe_subject(os, requests, "vm_guest");
  CHECK(subject.node == "debian-vm");
  CHECK(subject.pod == "spec-ns/from-spec");
  CHECK(subject.container == "spec-container");
  CHECK(subject.runtime_class == "kata");
  CHECK(subject.os == "linux");
  CHECK(subject.arch == "arm64");
  CHECK(subject.kernel == "6.1.0-18-amd64");
  CHECK(subject.os_version == "Debian GNU/Linux 12 (bookworm)");  // the fallback file
  CHECK(subject.environment == "vm_guest");

  // CONTAINER_NAME is a name other tools set for their own reasons: never the subject's.
  os.environment = {{"NODE_NAME", "worker-3"},
                    {"POD_NAMESPACE", "capprobe"},
                    {"POD_NAME", "capprobe-x7k2p"},
                    {"CONTAINER_NAME", "unrelated"}};
  os.file("/etc/os-release", "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\n");
  subject = agent::describe_subject(os, requests, "shared_kernel");
  CHECK(subject.node == "worker-3");
  CHECK(subject.pod == "capprobe/capprobe-x7k2p");
  CHECK(subject.container == "spec-container");
  CHECK(subject.os_version == "Ubuntu 22.04.4 LTS");
  CHECK(subject.environment == "container");

  // Only one of POD_NAMESPACE/POD_NAME: not a pod name; nothing known at all: null.
  os.environment = {{"POD_NAME", "lonely"}};
  CHECK(agent::describe_subject(os, requests, "host").pod == "spec-ns/from-spec");
  CHECK_FALSE(agent::describe_subject(os, probes::PodRequests{}, "host").pod.has_value());
  os.environment = {{"CONTAINER_NAME", "unrelated"}};
  CHECK_FALSE(agent::describe_subject(os, probes::PodRequests{}, "host").container.has_value());
  CHECK_FALSE(agent::describe_subject(os, probes::PodRequests{}, "host").runtime_class.has_value());
}

TEST_CASE("the subject's environment comes from the isolation assessment", "[report][subject]") {
  platform::FakePlatform os;
  os.kernel = platform::KernelInfo{"Linux", "n", "6.1.0", "#1", "x86_64"};
  const auto subject = agent::describe_subject(os, probes::PodRequests{});
  const std::set<std::string> words{"host", "container", "vm_guest", "sandbox", "unknown"};
  CHECK(words.count(subject.environment) == 1);
}
