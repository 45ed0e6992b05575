// Pod spec parsing and Kubernetes quantities, table-driven.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>

#include <nlohmann/json.hpp>

#include "agent/pod_spec.hpp"
#include "agent/probe_round.hpp"
#include "agent/quantity.hpp"
#include "platform/fake/fake_platform.hpp"

using capprobe::agent::parse_pod_spec;
using capprobe::agent::parse_quantity;
using capprobe::probes::PodRequests;

namespace {

PodRequests parsed(const std::string& json, std::string_view container = {}) {
  const auto result = parse_pod_spec(json, container);
  INFO(json);
  INFO(result.error);
  REQUIRE(result.requests.has_value());
  return *result.requests;
}

std::string error_of(const std::string& json, std::string_view container = {}) {
  const auto result = parse_pod_spec(json, container);
  INFO(json);
  REQUIRE_FALSE(result.requests.has_value());
  REQUIRE_FALSE(result.error.empty());
  CHECK(result.error.find('\n') == std::string::npos);
  return result.error;
}

// A Pod whose first container has `container_extra` and whose spec has `spec_extra`.
std::string pod(const std::string& spec_extra, const std::string& container_extra = "") {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns"},"spec":{)" +
         spec_extra + (spec_extra.empty() ? "" : ",") + R"("containers":[{"name":"main")" +
         (container_extra.empty() ? "" : "," + container_extra) + "}]}}";
}

}  // namespace

TEST_CASE("quantities parse like the API server's", "[pod_spec][quantity]") {
  struct Case {
    const char* text;
    double value;
    std::optional<std::uint64_t> units_ceil;
  };
  const Case cases[] = {
      {"500m", 0.5, 1},
      {"1", 1, 1},
      {"0.5", 0.5, 1},
      {"2.5", 2.5, 3},
      {".5", 0.5, 1},
      {"5.", 5, 5},
      {"+2", 2, 2},
      {"100m", 0.1, 1},
      {"1500m", 1.5, 2},
      {"128Mi", 134217728, 134217728},
      {"1Gi", 1073741824, 1073741824},
      {"1.5Gi", 1610612736, 1610612736},
      {"0.1Gi", 107374182.4, 107374183},
      {"128M", 128e6, 128000000},
      {"1e9", 1e9, 1000000000},
      {"1E3", 1000, 1000},
      {"1e+3", 1000, 1000},
      {"25e-1", 2.5, 3},
      {"134217728", 134217728, 134217728},
      {"512Ki", 524288, 524288},
      {"1k", 1000, 1000},
      {"2E", 2e18, 2000000000000000000ull},
      {"1Ei", 1152921504606846976.0, 1152921504606846976ull},
      {"15Ei", 15 * 1152921504606846976.0, 17293822569102704640ull},
      {"16Ei", 16 * 1152921504606846976.0, std::nullopt},
      {"100n", 1e-7, 1},
      {"3u", 3e-6, 1},
      {"0", 0, 0},
      {"0Mi", 0, 0},
      {"-0", 0, 0},
      {"000.000", 0, 0},
      {"0010", 10, 10},
      {"18446744073709551615", 18446744073709551615.0, 18446744073709551615ull},
      {"18446744073709551616", 18446744073709551616.0, std::nullopt},
      {"-1", -1, std::nullopt},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const auto result = parse_quantity(c.text);
    REQUIRE(result.quantity.has_value());
    CHECK(result.quantity->to_double() == Approx(c.value).epsilon(1e-12));
    CHECK(result.quantity->to_units_ceil() == c.units_ceil);
  }
}

// Found by fuzz_quantity (README, "Fuzzing"): the whole bytes of a binary-suffixed decimal came
// from a 64-bit numerator multiplied by 2^exp2 before the decimal division, which overflowed
// for values far below 2^64, and a pod spec's memory limit was then "too large".
TEST_CASE("quantities round up exactly where the 64-bit numerator would overflow",
          "[pod_spec][quantity]") {
  struct Case {
    const char* text;
    std::optional<std::uint64_t> units_ceil;
  };
  const Case cases[] = {
      {"183.6744Pi", 206798989849374858ull},  // 1836744 * 2^50 / 10^4, rounded up
      {"7.999Ei", 9222219115350168962ull},   {"0.000000000000000000123456Ei", 1},
      {"100000000000000000001e-20", 2},  // 1.00000000000000000001
      {"1.00000000000000000001", 2},         {"15.99999999Ei", 18446744062180336570ull},
      {"16.00000001Ei", std::nullopt},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const auto result = parse_quantity(c.text);
    REQUIRE(result.quantity.has_value());
    CHECK(result.quantity->to_units_ceil() == c.units_ceil);
  }
  const auto parsed = parse_pod_spec(pod("", R"("resources":{"limits":{"memory":"183.6744Pi"}})"));
  REQUIRE(parsed.requests);
  CHECK(parsed.requests->memory_limit_bytes == 206798989849374858ull);
}

TEST_CASE("quantities with more significant digits than any resource has are refused",
          "[pod_spec][quantity]") {
  const std::string digits(65, '7');
  CHECK_FALSE(parse_quantity(digits).quantity);
  CHECK(parse_quantity(digits).error.find("more than 64 significant digits") != std::string::npos);
  CHECK(parse_quantity(std::string(64, '7') + "e-60").quantity);
  std::string tiny = "0.";
  tiny.append(1000, '0').append("1");  // one significant digit
  CHECK(parse_quantity(tiny).quantity);
}

// Found by fuzz_pod_spec (README, "Fuzzing"): nlohmann throws out_of_range, not parse_error,
// for a number beyond a double, which escaped parse_pod_spec and ended `capprobe probe
// --pod-spec` with "internal error".
TEST_CASE("a pod spec with a number beyond a double is not valid JSON, said as such") {
  const auto parsed = parse_pod_spec(R"({"containers":[{"name":"a"}],"hostPID":666e4000})");
  CHECK_FALSE(parsed.requests);
  CHECK_THAT(parsed.error,
             Catch::StartsWith("not valid JSON (number overflow parsing '666e4000')"));
}

TEST_CASE("malformed quantities are refused with the reason", "[pod_spec][quantity]") {
  struct Case {
    const char* text;
    const char* reason;
  };
  const Case cases[] = {
      {"", "empty"},
      {"abc", "does not start with a number"},
      {"Mi", "does not start with a number"},
      {"--1", "does not start with a number"},
      {" 1", "does not start with a number"},
      {"1 ", "unknown suffix ' '"},
      {"1Q", "unknown suffix 'Q'"},
      {"1mi", "unknown suffix 'mi'"},
      {"1KI", "unknown suffix 'KI'"},
      {"1.2.3", "unknown suffix '.3'"},
      {"1e", "unknown suffix 'e'"},
      {"1e-x", "unknown suffix 'e-x'"},
      {"1e9999", "unknown suffix 'e9999'"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const auto result = parse_quantity(c.text);
    CHECK_FALSE(result.quantity.has_value());
    std::string quoted = "'";
    quoted.append(c.text).append("'");
    CHECK_THAT(result.error, Catch::Contains(c.reason) && Catch::Contains(quoted));
  }
}

TEST_CASE("a minimal pod takes the Kubernetes defaults", "[pod_spec]") {
  const auto requests = parsed(pod(""));
  CHECK(requests.from_pod_spec);
  CHECK(requests.host_network == false);
  CHECK(requests.host_pid == false);
  CHECK(requests.host_ipc == false);
  CHECK(requests.read_only_root == false);
  CHECK(requests.privileged == false);
  CHECK_FALSE(requests.cpu_limit_cpus.has_value());
  CHECK_FALSE(requests.cpu_request_cpus.has_value());
  CHECK_FALSE(requests.memory_limit_bytes.has_value());
  CHECK_FALSE(requests.run_as_user.has_value());  // the image decides: unknown
  CHECK_FALSE(requests.run_as_group.has_value());
  CHECK_FALSE(requests.runtime_class.has_value());
  CHECK_FALSE(requests.run_as_user_name.has_value());
  REQUIRE(requests.host_paths.has_value());
  CHECK(requests.host_paths->empty());
  REQUIRE(requests.supplemental_groups.has_value());
  CHECK(requests.supplemental_groups->empty());
  CHECK(requests.capabilities_add == std::vector<std::string>{});
  CHECK(requests.capabilities_drop == std::vector<std::string>{});
  CHECK(requests.pod_name == "p");
  CHECK(requests.pod_namespace == "ns");
  CHECK(requests.container_name == "main");
  CHECK_FALSE(requests.container_unknown.has_value());
  CHECK(requests.read_only_mounts == std::vector<std::string>{});
}

TEST_CASE("pod-level switches and the container's security context", "[pod_spec]") {
  const auto requests = parsed(
      pod(R"("hostNetwork":true,"hostPID":true,"hostIPC":false,"runtimeClassName":"kata",)"
          R"("securityContext":{"runAsUser":1000,"runAsGroup":3000,"fsGroup":2000,)"
          R"("supplementalGroups":[4000,2000],"windowsOptions":{"runAsUserName":"PodUser"}})",
          R"("securityContext":{"runAsUser":1001,"readOnlyRootFilesystem":true,"privileged":true,)"
          R"("capabilities":{"add":["NET_ADMIN","CAP_SYS_TIME","sys_ptrace"],"drop":["ALL"]},)"
          R"("windowsOptions":{"runAsUserName":"ContainerUser"}})"));
  CHECK(requests.host_network == true);
  CHECK(requests.host_pid == true);
  CHECK(requests.host_ipc == false);
  CHECK(requests.runtime_class == "kata");
  CHECK(requests.run_as_user == 1001);   // the container overrides the pod
  CHECK(requests.run_as_group == 3000);  // the pod's, as the container sets none
  CHECK(requests.supplemental_groups == std::vector<std::int64_t>{4000, 2000});  // fsGroup once
  CHECK(requests.read_only_root == true);
  CHECK(requests.privileged == true);
  CHECK(requests.capabilities_add ==
        std::vector<std::string>{"NET_ADMIN", "SYS_TIME", "SYS_PTRACE"});
  CHECK(requests.capabilities_drop == std::vector<std::string>{"ALL"});
  CHECK(requests.run_as_user_name == "ContainerUser");
}

TEST_CASE("confinement: the container's profiles over the pod's, and the AppArmor annotation",
          "[pod_spec]") {
  SECTION("nothing asked") {
    const auto requests = parsed(pod(""));
    CHECK_FALSE(requests.seccomp_profile.has_value());
    CHECK_FALSE(requests.apparmor_profile.has_value());
    CHECK_FALSE(requests.selinux_type.has_value());
    CHECK_FALSE(requests.allow_privilege_escalation.has_value());
  }
  SECTION("the pod's profiles apply where the container sets none") {
    const auto requests =
        parsed(pod(R"("securityContext":{"seccompProfile":{"type":"RuntimeDefault"},)"
                   R"("appArmorProfile":{"type":"Localhost","localhostProfile":"k8s-nginx"},)"
                   R"("seLinuxOptions":{"level":"s0:c123,c456","type":"container_t"}})"));
    CHECK(requests.seccomp_profile == "RuntimeDefault");
    CHECK(requests.apparmor_profile == "Localhost");
    CHECK(requests.apparmor_localhost == "k8s-nginx");
    CHECK(requests.selinux_type == "container_t");
  }
  SECTION("the container's whole profile object wins") {
    const auto requests = parsed(
        pod(R"("securityContext":{"seccompProfile":{"type":"RuntimeDefault"},)"
            R"("appArmorProfile":{"type":"Localhost","localhostProfile":"k8s-nginx"}})",
            R"("securityContext":{"seccompProfile":{"type":"Unconfined"},)"
            R"("appArmorProfile":{"type":"RuntimeDefault"},"allowPrivilegeEscalation":false,)"
            R"("seLinuxOptions":{"level":"s0:c1"}})"));
    CHECK(requests.seccomp_profile == "Unconfined");
    CHECK(requests.apparmor_profile == "RuntimeDefault");
    CHECK_FALSE(requests.apparmor_localhost.has_value());
    CHECK_FALSE(requests.selinux_type.has_value());  // options without a type ask for no type
    CHECK(requests.allow_privilege_escalation == false);
  }
  SECTION("the beta annotation of older clusters, for this container only") {
    const std::string annotated =
        R"({"kind":"Pod","metadata":{"name":"p","annotations":{)"
        R"("container.apparmor.security.beta.kubernetes.io/main":"localhost/k8s-deny-write",)"
        R"("container.apparmor.security.beta.kubernetes.io/side":"unconfined"}},)"
        R"("spec":{"containers":[{"name":"main"},{"name":"side"}]}})";
    const auto main = parsed(annotated, "main");
    CHECK(main.apparmor_profile == "Localhost");
    CHECK(main.apparmor_localhost == "k8s-deny-write");
    CHECK(parsed(annotated, "side").apparmor_profile == "Unconfined");
  }
  SECTION("the field wins over the annotation") {
    const auto requests =
        parsed(R"({"kind":"Pod","metadata":{"name":"p","annotations":{)"
               R"("container.apparmor.security.beta.kubernetes.io/main":"runtime/default"}},)"
               R"("spec":{"containers":[{"name":"main",)"
               R"("securityContext":{"appArmorProfile":{"type":"Unconfined"}}}]}})");
    CHECK(requests.apparmor_profile == "Unconfined");
  }
}

TEST_CASE("fsGroup joins the supplementary groups, the pod's Windows user applies", "[pod_spec]") {
  const auto requests = parsed(
      pod(R"("securityContext":{"fsGroup":2000,"windowsOptions":{"runAsUserName":"PodUser"}})"));
  CHECK(requests.supplemental_groups == std::vector<std::int64_t>{2000});
  CHECK(requests.run_as_user_name == "PodUser");
}

TEST_CASE("resources: limits and requests in every quantity form", "[pod_spec]") {
  struct Case {
    std::string resources;
    std::optional<double> cpu_limit;
    std::optional<double> cpu_request;
    std::optional<std::uint64_t> memory;
  };
  const Case cases[] = {
      {R"({"limits":{"cpu":"500m","memory":"128Mi"}})", 0.5, 0.5, 134217728},
      {R"({"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"250m"}})", 1, 0.25, 1073741824},
      {R"({"limits":{"cpu":"0.5","memory":"128M"}})", 0.5, 0.5, 128000000},
      {R"({"limits":{"cpu":"2.5","memory":"1e9"}})", 2.5, 2.5, 1000000000},
      {R"({"limits":{"cpu":2,"memory":134217728}})", 2, 2, 134217728},
      {R"({"limits":{"memory":"512Ki"}})", std::nullopt, std::nullopt, 524288},
      {R"({"requests":{"cpu":"100m"}})", std::nullopt, 0.1, std::nullopt},
      {R"({})", std::nullopt, std::nullopt, std::nullopt},
      // Zero is no limit to Kubernetes, and a zero request means nothing to the limit probes.
      {R"({"limits":{"cpu":"0","memory":"0"}})", std::nullopt, std::nullopt, std::nullopt},
      {R"({"limits":{"cpu":"0m","memory":"0Mi"},"requests":{"cpu":"0"}})", std::nullopt,
       std::nullopt, std::nullopt},
      {R"({"limits":{"cpu":0,"memory":0}})", std::nullopt, std::nullopt, std::nullopt},
      {R"({"limits":{"cpu":"0"},"requests":{"cpu":"250m"}})", std::nullopt, 0.25, std::nullopt},
      {R"({"limits":{"cpu":"1"},"requests":{"cpu":"0"}})", 1, std::nullopt, std::nullopt},
      {R"({"requests":{"cpu":"0.0"}})", std::nullopt, std::nullopt, std::nullopt},
  };
  for (const auto& c : cases) {
    INFO(c.resources);
    const auto requests = parsed(pod("", R"("resources":)" + c.resources));
    CHECK(requests.cpu_limit_cpus == c.cpu_limit);
    CHECK(requests.cpu_request_cpus == c.cpu_request);
    CHECK(requests.memory_limit_bytes == c.memory);
  }
}

TEST_CASE("hostPath volumes are joined with the container's mounts", "[pod_spec]") {
  const auto requests = parsed(pod(
      R"("volumes":[{"name":"logs","hostPath":{"path":"/var/log/pods"}},)"
      R"({"name":"sock","hostPath":{"path":"/run/containerd/containerd.sock","type":"Socket"}},)"
      R"({"name":"unused","hostPath":{"path":"/etc"}},{"name":"scratch","emptyDir":{}}])",
      R"("volumeMounts":[{"name":"logs","mountPath":"/host/logs","readOnly":true},)"
      R"({"name":"sock","mountPath":"/run/containerd.sock"},)"
      R"({"name":"logs","mountPath":"/again"},{"name":"scratch","mountPath":"/scratch"}])"));
  REQUIRE(requests.host_paths.has_value());
  const auto& paths = *requests.host_paths;
  REQUIRE(paths.size() == 4);
  CHECK(paths[0].volume == "logs");
  CHECK(paths[0].host_path == "/var/log/pods");
  CHECK(paths[0].mount_path == "/host/logs");
  CHECK(paths[0].read_only);
  CHECK(paths[1].mount_path == "/again");
  CHECK_FALSE(paths[1].read_only);
  CHECK(paths[2].volume == "sock");
  CHECK(paths[2].mount_path == "/run/containerd.sock");
  CHECK(paths[3].volume == "unused");
  CHECK(paths[3].host_path == "/etc");
  CHECK(paths[3].mount_path.empty());
  // Only the read-only mounts, of whatever volume type, are on the no-write list.
  CHECK(requests.read_only_mounts == std::vector<std::string>{"/host/logs"});
}

TEST_CASE("the pod spec is found in every kind of document", "[pod_spec]") {
  const std::string spec = R"({"hostPID":true,"containers":[{"name":"c1"}]})";
  struct Case {
    std::string document;
    std::optional<std::string> name;
    std::optional<std::string> name_space;
  };
  const auto workload = [&](const char* kind) {
    return std::string(R"({"kind":")") + kind +
           R"(","metadata":{"name":"w","namespace":"ops"},"spec":{"template":{"metadata":)"
           R"({"labels":{"a":"b"}},"spec":)" +
           spec + "}}}";
  };
  const Case cases[] = {
      {R"({"kind":"Pod","metadata":{"name":"p","namespace":"ns"},"spec":)" + spec + "}", "p", "ns"},
      {workload("Deployment"), std::nullopt, "ops"},
      {workload("DaemonSet"), std::nullopt, "ops"},
      {workload("StatefulSet"), std::nullopt, "ops"},
      {workload("ReplicaSet"), std::nullopt, "ops"},
      {workload("Job"), std::nullopt, "ops"},
      {R"({"kind":"CronJob","metadata":{"namespace":"ops"},"spec":{"jobTemplate":{"spec":)"
       R"({"template":{"spec":)" +
           spec + "}}}}}",
       std::nullopt, "ops"},
      {R"({"kind":"PodTemplate","metadata":{"name":"t","namespace":"ops"},"template":)"
       R"({"metadata":{"name":"tp"},"spec":)" +
           spec + "}}",
       "tp", "ops"},
      {spec, std::nullopt, std::nullopt},
      {R"({"metadata":{"name":"p"},"spec":)" + spec + "}", "p", std::nullopt},
  };
  for (const auto& c : cases) {
    const auto requests = parsed(c.document);
    CHECK(requests.host_pid == true);
    CHECK(requests.container_name == "c1");
    CHECK(requests.pod_name == c.name);
    CHECK(requests.pod_namespace == c.name_space);
  }
}

TEST_CASE("a name picks the container, sidecars included", "[pod_spec]") {
  const std::string document =
      R"({"kind":"Pod","spec":{"initContainers":[{"name":"sidecar","restartPolicy":"Always",)"
      R"("securityContext":{"runAsUser":7}},{"name":"setup","securityContext":{"runAsUser":9}}],)"
      R"("containers":[{"name":"app","securityContext":)"
      R"({"runAsUser":1}},{"name":"probe","securityContext":{"runAsUser":2}}]}})";
  CHECK(parsed(document, "app").run_as_user == 1);
  CHECK(parsed(document, "probe").run_as_user == 2);
  CHECK(parsed(document, "probe").container_name == "probe");
  CHECK_FALSE(parsed(document, "probe").container_unknown.has_value());
  CHECK(parsed(document, "sidecar").run_as_user == 7);
  CHECK(parsed(document, "setup").run_as_user == 9);
  CHECK_THAT(error_of(document, "nope"), Catch::Contains("no container named 'nope'") &&
                                             Catch::Contains("one of: app, probe, sidecar, setup"));
  CHECK(parse_pod_spec(document, "probe").container_note == "container probe, as named");
}

TEST_CASE("a name that matches no container is an error, even with one container", "[pod_spec]") {
  // The name comes from --container or CAPPROBE_CONTAINER, which mean it: a typo must not
  // silently judge another container.
  CHECK_THAT(error_of(pod(""), "stiff-factor-qmnvcw"),
             Catch::Contains("no container named 'stiff-factor-qmnvcw'") &&
                 Catch::Contains("one of: main") && Catch::Contains("--container"));
}

TEST_CASE("one candidate needs no name, native sidecars are candidates, init containers not",
          "[pod_spec]") {
  const auto only = parse_pod_spec(pod("", R"("securityContext":{"runAsUser":5})"));
  REQUIRE(only.requests.has_value());
  CHECK(only.requests->container_name == "main");
  CHECK(only.requests->run_as_user == 5);
  CHECK_FALSE(only.requests->container_unknown.has_value());
  CHECK(only.container_note == "container main, the pod's only one");

  // A plain init container has finished before the containers start: it is not this process.
  const auto with_init =
      parsed(R"({"kind":"Pod","spec":{"initContainers":[{"name":"setup"}],)"
             R"("containers":[{"name":"main","resources":{"limits":{"cpu":"1"}}}]}})");
  CHECK(with_init.container_name == "main");
  CHECK(with_init.cpu_limit_cpus == 1.0);

  // A native sidecar runs beside the container: either may be this process.
  const auto with_sidecar = parse_pod_spec(
      R"({"kind":"Pod","spec":{"initContainers":[{"name":"capprobe","restartPolicy":"Always"}],)"
      R"("containers":[{"name":"main","resources":{"limits":{"cpu":"1"}}}]}})");
  REQUIRE(with_sidecar.requests.has_value());
  CHECK_FALSE(with_sidecar.requests->container_name.has_value());
  CHECK_FALSE(with_sidecar.requests->cpu_limit_cpus.has_value());
  CHECK(with_sidecar.requests->container_unknown ==
        "the pod has 2 containers (main, capprobe) and neither --container nor "
        "CAPPROBE_CONTAINER names one");
}

TEST_CASE("several containers and no name: the container's requests are unknown, the pod's hold",
          "[pod_spec]") {
  const std::string document =
      R"({"kind":"Pod","metadata":{"name":"p","namespace":"ns"},"spec":{)"
      R"("hostPID":true,"runtimeClassName":"kata",)"
      R"("securityContext":{"runAsUser":1000,"runAsGroup":3000,"supplementalGroups":[5],)"
      R"("fsGroup":7,"seccompProfile":{"type":"RuntimeDefault"},)"
      R"("windowsOptions":{"runAsUserName":"PodUser"}},)"
      R"("volumes":[{"name":"logs","hostPath":{"path":"/var/log/pods"}},{"name":"cfg",)"
      R"("configMap":{"name":"c"}},{"name":"data","emptyDir":{}}],)"
      R"("containers":[{"name":"app","securityContext":{"readOnlyRootFilesystem":true,)"
      R"("allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}},)"
      R"("resources":{"limits":{"cpu":"1","memory":"1Gi"}},)"
      R"("volumeMounts":[{"name":"logs","mountPath":"/host/logs","readOnly":true},)"
      R"({"name":"cfg","mountPath":"/cfg","readOnly":true}]},)"
      R"({"name":"probe","securityContext":{"privileged":true},)"
      R"("volumeMounts":[{"name":"data","mountPath":"/data","readOnly":true},)"
      R"({"name":"cfg","mountPath":"/cfg","readOnly":true},{"name":"logs","mountPath":"/rw"}]}]}})";
  const auto parse = parse_pod_spec(document);
  INFO(parse.error);
  REQUIRE(parse.requests.has_value());
  const auto& requests = *parse.requests;
  CHECK(requests.from_pod_spec);
  CHECK(requests.container_unknown ==
        "the pod has 2 containers (app, probe) and neither --container nor CAPPROBE_CONTAINER "
        "names one");
  CHECK(parse.container_note == "container unknown: " + *requests.container_unknown);
  CHECK_FALSE(requests.container_name.has_value());

  // The container's own fields, and those it may override: unknown.
  CHECK_FALSE(requests.read_only_root.has_value());
  CHECK_FALSE(requests.privileged.has_value());
  CHECK_FALSE(requests.capabilities_add.has_value());
  CHECK_FALSE(requests.capabilities_drop.has_value());
  CHECK_FALSE(requests.allow_privilege_escalation.has_value());
  CHECK_FALSE(requests.run_as_user.has_value());
  CHECK_FALSE(requests.run_as_group.has_value());
  CHECK_FALSE(requests.run_as_user_name.has_value());
  CHECK_FALSE(requests.seccomp_profile.has_value());
  CHECK_FALSE(requests.apparmor_profile.has_value());
  CHECK_FALSE(requests.selinux_type.has_value());
  CHECK_FALSE(requests.cpu_limit_cpus.has_value());
  CHECK_FALSE(requests.cpu_request_cpus.has_value());
  CHECK_FALSE(requests.memory_limit_bytes.has_value());

  // The pod's own fields still apply.
  CHECK(requests.host_pid == true);
  CHECK(requests.host_network == false);
  CHECK(requests.host_ipc == false);
  CHECK(requests.runtime_class == "kata");
  CHECK(requests.supplemental_groups == std::vector<std::int64_t>{5, 7});
  CHECK(requests.pod_name == "p");
  CHECK(requests.pod_namespace == "ns");
  // The pod's hostPath volumes, without a mount: which of them this container mounts is unknown.
  REQUIRE(requests.host_paths.has_value());
  REQUIRE(requests.host_paths->size() == 1);
  CHECK(requests.host_paths->front().host_path == "/var/log/pods");
  CHECK(requests.host_paths->front().mount_path.empty());
  // The no-write list is for safety: every container's read-only mounts.
  CHECK(requests.read_only_mounts == std::vector<std::string>{"/host/logs", "/cfg", "/data"});

  // Named, the same document gives that container's requests.
  const auto probe = parsed(document, "probe");
  CHECK(probe.privileged == true);
  CHECK(probe.read_only_root == false);
  CHECK(probe.run_as_user == 1000);
  CHECK(probe.read_only_mounts == std::vector<std::string>{"/data", "/cfg"});
  const auto app = parsed(document, "app");
  CHECK(app.read_only_root == true);
  CHECK(app.cpu_limit_cpus == 1.0);
  CHECK(app.read_only_mounts == std::vector<std::string>{"/host/logs", "/cfg"});
}

TEST_CASE("what is wrong with a pod spec is said with its JSON path", "[pod_spec]") {
  struct Case {
    std::string document;
    std::vector<std::string> mentions;
  };
  const Case cases[] = {
      {"{not json", {"not valid JSON"}},
      {"kind: Pod\nspec: {}", {"not valid JSON", "kubectl"}},
      {"", {"not valid JSON"}},
      {"[1,2]", {"not a Kubernetes object"}},
      {R"({"kind":"List","items":[]})", {"list"}},
      {R"({"kind":"ConfigMap","data":{}})", {"no pod spec found in a ConfigMap"}},
      {R"({"kind":"Pod","metadata":{}})", {"no pod spec found"}},
      {R"({"kind":"Pod","spec":{"containers":[]}})", {"spec.containers is missing or empty"}},
      {R"({"kind":"Pod","spec":{"containers":"x"}})", {"spec.containers: expected a list"}},
      {pod(R"("hostPID":"yes")"), {"spec.hostPID: expected true or false, got a string"}},
      {pod("", R"("securityContext":{"runAsUser":"1000"})"),
       {"spec.containers[0].securityContext.runAsUser: expected an integer"}},
      {pod("", R"("securityContext":{"runAsUser":1.5})"), {"runAsUser: expected an integer"}},
      {pod("", R"("resources":{"limits":{"memory":"12Q"}})"),
       {"spec.containers[0].resources.limits.memory", "unknown suffix 'Q'"}},
      {pod("", R"("resources":{"limits":{"cpu":"-1"}})"), {"limits.cpu", "negative"}},
      {pod("", R"("resources":{"limits":{"cpu":true}})"), {"limits.cpu: expected a quantity"}},
      {pod("", R"("resources":{"limits":{"memory":"100Ei"}})"), {"too large"}},
      {pod(R"("volumes":[{"name":"v","hostPath":{}}])"),
       {"spec.volumes[0].hostPath.path is missing"}},
      {pod("", R"("securityContext":{"capabilities":{"add":[1]}})"),
       {"capabilities.add[0]: expected a string"}},
      {R"({"kind":"Deployment","spec":{"template":{"spec":{"containers":[{"name":"a",)"
       R"("securityContext":{"privileged":1}}]}}}})",
       {"spec.template.spec.containers[0].securityContext.privileged: expected true or false"}},
  };
  for (const auto& c : cases) {
    const auto error = error_of(c.document);
    for (const auto& mention : c.mentions) CHECK_THAT(error, Catch::Contains(mention));
  }
}

TEST_CASE("a Pod read back from the API tells its container by the containerID in our cgroup",
          "[pod_spec]") {
  const std::string app_id(64, 'a');
  const std::string probe_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  const std::string document =
      R"({"kind":"Pod","spec":{"containers":[{"name":"app"},{"name":"probe",)"
      R"("securityContext":{"runAsUser":7}}]},"status":{"containerStatuses":[)"
      R"({"name":"app","containerID":"containerd://)" +
      app_id + R"("},{"name":"probe","containerID":"containerd://)" + probe_id + R"("}]}})";
  const std::string cgroup_v1 =
      "12:memory:/kubepods/burstable/pod1234/" + probe_id + "\n11:cpu,cpuacct:/kubepods/x\n";

  const auto found = parse_pod_spec(document, "", cgroup_v1);
  REQUIRE(found.requests.has_value());
  CHECK(found.requests->container_name == "probe");
  CHECK(found.requests->run_as_user == 7);
  CHECK_FALSE(found.requests->container_unknown.has_value());
  CHECK(found.container_note ==
        "container probe, by its containerID in this process's cgroup or mounts");

  // A name wins over what the cgroup says.
  CHECK(parsed(document, "app").container_name == "app");

  // cgroup v2 in its own namespace shows nothing ("0::/"): unknown, and the reason says so.
  const auto hidden = parse_pod_spec(document, "", "0::/\n");
  REQUIRE(hidden.requests.has_value());
  CHECK_FALSE(hidden.requests->container_name.has_value());
  CHECK(hidden.requests->container_unknown ==
        "the pod has 2 containers (app, probe) and neither --container nor CAPPROBE_CONTAINER "
        "names one, nor does the pod's status tell which by containerID");

  // Both IDs in sight, or IDs too short to trust: no answer.
  const auto both = parse_pod_spec(document, "", app_id + "\n" + probe_id);
  REQUIRE(both.requests.has_value());
  CHECK(both.requests->container_unknown == hidden.requests->container_unknown);
  const std::string short_ids =
      R"({"kind":"Pod","spec":{"containers":[{"name":"app"},{"name":"probe"}]},)"
      R"("status":{"containerStatuses":[{"name":"probe","containerID":"docker://abc"}]}})";
  const auto short_parse = parse_pod_spec(short_ids, "", "1:name=systemd:/docker/abc\n");
  REQUIRE(short_parse.requests.has_value());
  CHECK(short_parse.requests->container_unknown ==
        "the pod has 2 containers (app, probe) and neither --container nor CAPPROBE_CONTAINER "
        "names one");
}

// --- Windows: spec.os.name, windowsOptions, and the fields the API server refuses ---

namespace {

using capprobe::agent::os_refused_fields;
using capprobe::agent::OsRefusedField;
using capprobe::agent::PodSpecParse;
using capprobe::agent::SpecPlace;

// tests/fixtures/podspec-win/<name>: Windows pod specs in the shapes the docs give (win-NOTES.md).
std::string windows_fixture(const std::string& name) {
  std::string path = CAPPROBE_FIXTURES;
  path += "/podspec-win/";
  path += name;
  std::ifstream in(path);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

PodSpecParse parse_ok(const std::string& json, std::string_view container = {},
                      std::string_view machine_os = {}) {
  auto parse = parse_pod_spec(json, container, {}, machine_os);
  INFO(json);
  INFO(parse.error);
  REQUIRE(parse.requests.has_value());
  return parse;
}

std::string all_warnings(const PodSpecParse& parse) {
  std::string all;
  for (const auto& warning : parse.warnings) all += warning + "\n";
  return all;
}

// A value the API server refuses for each key of the table; a key without one fails the test, so
// a row added to the table gets a test here too.
const std::map<std::string_view, std::string_view> kRefusedValues = {
    {"hostPID", "true"},
    {"hostIPC", "true"},
    {"hostUsers", "false"},
    {"shareProcessNamespace", "false"},
    {"appArmorProfile", R"({"type":"RuntimeDefault"})"},
    {"seLinuxOptions", R"({"type":"container_t"})"},
    {"seccompProfile", R"({"type":"RuntimeDefault"})"},
    {"fsGroup", "2000"},
    {"fsGroupChangePolicy", R"("OnRootMismatch")"},
    {"sysctls", R"([{"name":"net.core.somaxconn","value":"1024"}])"},
    {"runAsUser", "1000"},
    {"runAsGroup", "3000"},
    {"supplementalGroups", "[4000]"},
    {"supplementalGroupsPolicy", R"("Strict")"},
    {"seLinuxChangePolicy", R"("Recursive")"},
    {"capabilities", R"({"drop":["ALL"]})"},
    {"readOnlyRootFilesystem", "true"},
    {"privileged", "false"},
    {"allowPrivilegeEscalation", "false"},
    {"procMount", R"("Default")"},
    {"windowsOptions", R"({"runAsUserName":"ContainerUser"})"},
};

// A pod of one container "main" with `field` set to `value` where the table says it sits.
std::string pod_setting(const OsRefusedField& field, std::string_view value,
                        std::string_view os_name) {
  // Appended piecewise: GCC 12 at -O2 reports a false -Wstringop-overflow for "literal" +
  // std::string(...) here.
  std::string setting = "\"";
  setting.append(field.key).append("\":").append(value);
  std::string os;
  if (!os_name.empty()) os.append(R"("os":{"name":")").append(os_name).append("\"}");
  switch (field.place) {
    case SpecPlace::pod:
      return pod(os + (os.empty() ? "" : ",") + setting);
    case SpecPlace::pod_security_context:
      return pod(os + (os.empty() ? "" : ",") + R"("securityContext":{)" + setting + "}");
    case SpecPlace::container_security_context:
      return pod(os, R"("securityContext":{)" + setting + "}");
  }
  return "";
}

std::string place_path(const OsRefusedField& field) {
  switch (field.place) {
    case SpecPlace::pod:
      return "spec." + std::string(field.key);
    case SpecPlace::pod_security_context:
      return "spec.securityContext." + std::string(field.key);
    case SpecPlace::container_security_context:
      return "spec.containers[0].securityContext." + std::string(field.key);
  }
  return "";
}

}  // namespace

TEST_CASE("spec.os.name is read as written, a spec without it has none", "[pod_spec][windows]") {
  CHECK(parsed(pod(R"("os":{"name":"windows"})")).os_name == "windows");
  CHECK(parsed(pod(R"("os":{"name":"linux"})")).os_name == "linux");
  const auto plain = parse_ok(pod(""));
  CHECK_FALSE(plain.requests->os_name.has_value());
  CHECK(plain.requests->host_process == false);
  CHECK(plain.requests->refused.empty());
  CHECK(plain.warnings.empty());

  // The API server refuses an os without a name, or a name it does not know: said, not fatal.
  const auto nameless = parse_ok(pod(R"("os":{})"));
  CHECK_FALSE(nameless.requests->os_name.has_value());
  CHECK_THAT(all_warnings(nameless), Catch::Contains("spec.os has no name"));
  const auto capital = parse_ok(pod(R"("os":{"name":"Windows"},"hostPID":true)"));
  CHECK(capital.requests->os_name == "Windows");
  CHECK_THAT(all_warnings(capital), Catch::Contains("spec.os.name 'Windows' is neither linux nor "
                                                    "windows, which the API server refuses"));
  CHECK(capital.requests->host_pid == true);  // no OS's table applies to an unknown name
  CHECK(capital.requests->refused.empty());

  CHECK_THAT(error_of(pod(R"("os":{"name":7})")),
             Catch::Contains("spec.os.name: expected a string"));
  CHECK_THAT(error_of(pod(R"("os":"windows")")), Catch::Contains("spec.os: expected an object"));
}

TEST_CASE("a HostProcess DaemonSet: every container is HostProcess, named or not",
          "[pod_spec][windows]") {
  // kubernetes.io "Create a Windows HostProcess Pod" and AKS "Use Windows HostProcess
  // containers": windowsOptions.hostProcess at pod level, hostNetwork true, a host account.
  const auto document = windows_fixture("hostprocess-daemonset.json");
  const auto named = parse_ok(document, "capprobe");
  const auto& requests = *named.requests;
  CHECK(requests.os_name == "windows");
  CHECK(requests.host_process == true);
  CHECK(requests.host_network == true);
  CHECK(requests.run_as_user_name == "NT AUTHORITY\\SYSTEM");
  CHECK(requests.cpu_limit_cpus == 1.0);
  CHECK(requests.memory_limit_bytes == 512ull << 20);
  CHECK(requests.refused.empty());
  CHECK(named.warnings.empty());
  CHECK(parsed(document, "csi-proxy").run_as_user_name == "NT AUTHORITY\\Local service");

  // Two containers and no name: the container's fields are unknown, but the API server makes
  // them agree on hostProcess, so the pod's answer holds for this one too.
  const auto unnamed = parse_ok(document);
  CHECK(unnamed.requests->container_unknown.has_value());
  CHECK_FALSE(unnamed.requests->run_as_user_name.has_value());
  CHECK(unnamed.requests->host_process == true);
}

TEST_CASE("process- and Hyper-V-isolated Windows pods: not HostProcess, the container's user wins",
          "[pod_spec][windows]") {
  // kubernetes.io "Configure RunAsUserName for Windows pods and containers".
  const auto process = parse_ok(windows_fixture("process-isolated-pod.json"));
  CHECK(process.requests->os_name == "windows");
  CHECK(process.requests->host_process == false);
  CHECK(process.requests->host_network == false);
  CHECK(process.requests->run_as_user_name == "ContainerAdministrator");
  CHECK(process.requests->cpu_limit_cpus == 0.5);
  // A Windows pod that sets no refused field keeps the defaults: hostPID false is a fact here.
  CHECK(process.requests->host_pid == false);
  CHECK(process.requests->read_only_root == false);
  CHECK(process.requests->privileged == false);
  CHECK(process.warnings.empty());

  // kubernetes test/e2e/windows/hyperv.go: a RuntimeClass whose handler is
  // runhcs-wcow-hypervisor.
  const auto hyperv = parse_ok(windows_fixture("hyperv-isolated-pod.json"));
  CHECK(hyperv.requests->runtime_class == "runhcs-wcow-hypervisor");
  CHECK(hyperv.requests->host_process == false);
  CHECK(hyperv.requests->memory_limit_bytes == 1ull << 30);
  CHECK(hyperv.warnings.empty());
}

TEST_CASE("hostProcess: the container's over the pod's, a mix the API server refuses is unknown",
          "[pod_spec][windows]") {
  const auto two = [](const std::string& pod_options, const std::string& a, const std::string& b) {
    return R"({"kind":"Pod","spec":{"os":{"name":"windows"},"hostNetwork":true,)"
           R"("securityContext":{"windowsOptions":{)" +
           pod_options + R"(}},"containers":[{"name":"a","securityContext":{"windowsOptions":{)" +
           a + R"(}}},{"name":"b","securityContext":{"windowsOptions":{)" + b + "}}}]}}";
  };
  struct Case {
    std::string document;
    std::optional<bool> host_process;
    std::string warning;
  };
  const Case cases[] = {
      {two(R"("hostProcess":true)", "", ""), true, ""},
      {two("", R"("hostProcess":true)", R"("hostProcess":true)"), true, ""},
      {two(R"("hostProcess":true)", R"("hostProcess":true)", ""), true, ""},
      {two(R"("hostProcess":false)", "", ""), false, ""},
      {two("", R"("hostProcess":false)", ""), false, ""},
      {two("", R"("hostProcess":true)", ""), std::nullopt,
       "windowsOptions.hostProcess makes a HostProcess but not b, which the API server refuses"},
      {two(R"("hostProcess":true)", "", R"("hostProcess":false)"), std::nullopt,
       "a container's windowsOptions.hostProcess contradicts the pod's "
       "(spec.securityContext.windowsOptions.hostProcess)"},
  };
  for (const auto& c : cases) {
    for (const char* name : {"a", "b", ""}) {
      const auto parse = parse_ok(c.document, name);
      INFO(c.document << " as container '" << name << "'");
      CHECK(parse.requests->host_process == c.host_process);
      if (c.warning.empty())
        CHECK(parse.warnings.empty());
      else
        CHECK_THAT(all_warnings(parse),
                   Catch::Contains(c.warning) && Catch::Contains("whether this container is "
                                                                 "HostProcess is unknown"));
    }
  }
  CHECK_THAT(error_of(pod("", R"("securityContext":{"windowsOptions":{"hostProcess":"yes"}})")),
             Catch::Contains("spec.containers[0].securityContext.windowsOptions.hostProcess: "
                             "expected true or false"));
}

TEST_CASE("a HostProcess pod without hostNetwork is said to be one the API server refuses",
          "[pod_spec][windows]") {
  const auto parse = parse_ok(pod(R"("os":{"name":"windows"},"securityContext":{"windowsOptions":)"
                                  R"({"hostProcess":true}})"));
  CHECK(parse.requests->host_process == true);
  CHECK(parse.requests->host_network == false);  // as written: nothing makes it true
  CHECK_THAT(all_warnings(parse), Catch::Contains("without hostNetwork: true, which the API "
                                                  "server refuses"));
}

TEST_CASE("each field the API server refuses for the pod's OS is left unknown, and said",
          "[pod_spec][windows]") {
  for (const auto& field : os_refused_fields()) {
    const auto value = kRefusedValues.find(field.key);
    INFO(field.os << " " << field.key);
    REQUIRE(value != kRefusedValues.end());
    const auto path = place_path(field);

    const auto refused = parse_ok(pod_setting(field, value->second, field.os));
    REQUIRE(refused.requests->refused.size() == 1);
    CHECK(refused.requests->refused[0].path == path);
    CHECK(refused.requests->refused[0].capability == field.capability);
    REQUIRE(refused.warnings.size() == 1);
    CHECK(refused.warnings[0] == "spec.os.name is " + std::string(field.os) +
                                     " and the API server refuses a " + std::string(field.os) +
                                     " pod that sets " + path +
                                     ", so what they ask is unknown here");

    // The same field without spec.os.name is a request like any other (what kubelet does with
    // it on the node is the probes' to find out).
    const auto accepted = parse_ok(pod_setting(field, value->second, ""));
    CHECK(accepted.requests->refused.empty());
    CHECK(accepted.warnings.empty());
  }
}

TEST_CASE("a Windows pod spec that sets every refused field: what each feeds is unknown",
          "[pod_spec][windows]") {
  const auto document = windows_fixture("refused-fields.json");
  const auto parse = parse_ok(document);
  const auto& requests = *parse.requests;
  CHECK(requests.os_name == "windows");
  CHECK_FALSE(requests.host_pid.has_value());
  CHECK_FALSE(requests.host_ipc.has_value());
  CHECK_FALSE(requests.run_as_user.has_value());
  CHECK_FALSE(requests.run_as_group.has_value());
  CHECK_FALSE(requests.supplemental_groups.has_value());
  CHECK_FALSE(requests.read_only_root.has_value());
  CHECK_FALSE(requests.privileged.has_value());
  CHECK_FALSE(requests.capabilities_add.has_value());
  CHECK_FALSE(requests.capabilities_drop.has_value());
  CHECK_FALSE(requests.allow_privilege_escalation.has_value());
  CHECK_FALSE(requests.seccomp_profile.has_value());
  CHECK_FALSE(requests.apparmor_profile.has_value());
  CHECK_FALSE(requests.apparmor_localhost.has_value());
  CHECK_FALSE(requests.selinux_type.has_value());
  // What a Windows pod may ask still holds.
  CHECK(requests.host_network == false);
  CHECK(requests.host_process == false);
  CHECK(requests.run_as_user_name == "ContainerUser");
  CHECK(requests.cpu_limit_cpus == 0.5);
  CHECK(requests.memory_limit_bytes == 256ull << 20);
  // Every row of the Windows table is there, each once.
  std::size_t windows_rows = 0;
  for (const auto& field : os_refused_fields()) {
    if (field.os != "windows") continue;
    ++windows_rows;
    const auto path = place_path(field);
    INFO(path);
    CHECK(std::count_if(requests.refused.begin(), requests.refused.end(),
                        [&](const auto& refused) { return refused.path == path; }) == 1);
  }
  CHECK(requests.refused.size() == windows_rows);
  REQUIRE(parse.warnings.size() == 1);
  CHECK_THAT(parse.warnings[0],
             Catch::StartsWith("spec.os.name is windows and the API server refuses a windows pod "
                               "that sets spec.hostPID, spec.hostIPC, ") &&
                 Catch::EndsWith(" and spec.containers[0].securityContext.runAsGroup, so what "
                                 "they ask is unknown here"));

  // The same spec without spec.os.name asks for all of it.
  auto linux_twin = nlohmann::json::parse(document);
  linux_twin["spec"].erase("os");
  const auto asked = parse_ok(linux_twin.dump());
  CHECK(asked.requests->host_pid == true);
  CHECK(asked.requests->host_ipc == true);
  CHECK(asked.requests->run_as_user == 1001);
  CHECK(asked.requests->read_only_root == true);
  CHECK(asked.requests->privileged == true);
  CHECK(asked.requests->seccomp_profile == "Localhost");
  CHECK(asked.requests->selinux_type == "container_t");
  CHECK(asked.requests->supplemental_groups == std::vector<std::int64_t>{4000, 2000});
  CHECK(asked.requests->refused.empty());
  CHECK(asked.warnings.empty());
}

TEST_CASE("refused in any container: the pod could not run, so it is unknown for every one",
          "[pod_spec][windows]") {
  const std::string document =
      R"({"kind":"Pod","spec":{"os":{"name":"windows"},"containers":[{"name":"app",)"
      R"("securityContext":{"privileged":true}},{"name":"probe"}],)"
      R"("ephemeralContainers":[{"name":"debug","securityContext":{"runAsUser":0}}]}})";
  const auto probe = parse_ok(document, "probe");
  CHECK_FALSE(probe.requests->privileged.has_value());
  CHECK_FALSE(probe.requests->run_as_user.has_value());
  REQUIRE(probe.requests->refused.size() == 2);
  CHECK(probe.requests->refused[0].path == "spec.containers[0].securityContext.privileged");
  CHECK(probe.requests->refused[1].path == "spec.ephemeralContainers[0].securityContext.runAsUser");
  // Fields of a workload's template carry the template's path.
  const auto deployment =
      parse_ok(R"({"kind":"Deployment","spec":{"template":{"spec":{"os":{"name":"windows"},)"
               R"("hostPID":true,"containers":[{"name":"c"}]}}}})");
  REQUIRE(deployment.requests->refused.size() == 1);
  CHECK(deployment.requests->refused[0].path == "spec.template.spec.hostPID");
  CHECK(deployment.requests->refused[0].capability == "host.pid");
}

TEST_CASE("a plain false hostPID or an empty sysctls list is no refused field",
          "[pod_spec][windows]") {
  const auto parse = parse_ok(pod(R"("os":{"name":"windows"},"hostPID":false,"hostIPC":false,)"
                                  R"("securityContext":{"sysctls":[]})"));
  CHECK(parse.requests->host_pid == false);
  CHECK(parse.requests->host_ipc == false);
  CHECK(parse.requests->refused.empty());
  CHECK(parse.warnings.empty());
}

TEST_CASE("a linux pod's windowsOptions are refused: its Windows user and hostProcess unknown",
          "[pod_spec][windows]") {
  const auto parse = parse_ok(pod(
      R"("os":{"name":"linux"},"securityContext":{"runAsUser":1000})",
      R"("securityContext":{"windowsOptions":{"runAsUserName":"ContainerUser","hostProcess":false}})"));
  CHECK(parse.requests->run_as_user == 1000);  // a Linux field in a linux pod: asked
  CHECK_FALSE(parse.requests->run_as_user_name.has_value());
  CHECK_FALSE(parse.requests->host_process.has_value());
  REQUIRE(parse.requests->refused.size() == 1);
  CHECK(parse.requests->refused[0].path == "spec.containers[0].securityContext.windowsOptions");
  CHECK(parse.requests->refused[0].capability == "security.identity");
  CHECK_THAT(all_warnings(parse), Catch::Contains("refuses a linux pod that sets "
                                                  "spec.containers[0].securityContext."
                                                  "windowsOptions"));
}

TEST_CASE("a pod spec for the other OS than this machine's is said, not refused",
          "[pod_spec][windows]") {
  const auto windows_pod = pod(R"("os":{"name":"windows"})");
  const auto on_linux = parse_ok(windows_pod, {}, "linux");
  REQUIRE(on_linux.warnings.size() == 1);
  CHECK(on_linux.warnings[0] ==
        "the pod spec is for a windows pod (spec.os.name) but this machine runs linux");
  CHECK(on_linux.requests->host_pid == false);  // the requests are read all the same
  CHECK(parse_ok(windows_pod, {}, "windows").warnings.empty());
  CHECK(parse_ok(windows_pod).warnings.empty());  // this machine's OS not known
  const auto on_windows = parse_ok(pod(R"("os":{"name":"linux"})"), {}, "windows");
  CHECK_THAT(all_warnings(on_windows),
             Catch::Contains("for a linux pod (spec.os.name) but this machine runs windows"));
  CHECK(parse_ok(pod(""), {}, "windows").warnings.empty());  // no spec.os.name: no claim
}

TEST_CASE("the report's pod_spec.detail carries the warnings", "[pod_spec][windows]") {
  capprobe::platform::FakePlatform os;
  os.kernel = capprobe::platform::KernelInfo{"Linux", "worker-3", "6.1.0", "#1 SMP", "x86_64"};
  const auto load = capprobe::agent::parse_pod_requests(
      pod(R"("os":{"name":"windows"},"hostPID":true)"), "pod.json", std::nullopt, os);
  REQUIRE(load.requests.has_value());
  CHECK(load.pod_spec.detail ==
        "pod.json; container main, the pod's only one; warning: spec.os.name is windows and the "
        "API server refuses a windows pod that sets spec.hostPID, so what they ask is unknown "
        "here; warning: the pod spec is for a windows pod (spec.os.name) but this machine runs "
        "linux");
  CHECK_FALSE(load.requests->host_pid.has_value());
}

namespace {

std::string pod_fixture(const std::string& name) {
  std::ifstream in(std::string(CAPPROBE_FIXTURES) + "/pods/" + name);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

// tests/fixtures/pods/: Pods in the shape the API server answers the own-pod GET with: what the
// manifest asked, plus what the server and its controllers add (the projected kube-api-access
// volume and its mount, the DaemonSet controller's tolerations and node affinity, defaults,
// managedFields, ownerReferences, status). None of the additions may read as a request.
TEST_CASE("a Pod from the API: the server's additions are not read as requests",
          "[pod_spec][api]") {
  const auto parse =
      parse_pod_spec(pod_fixture("agent-linux-from-api.json"), "capprobe", "", "linux");
  INFO(parse.error);
  REQUIRE(parse.requests);
  const auto& r = *parse.requests;
  CHECK(parse.warnings.empty());
  CHECK(parse.container_note == "container capprobe, as named");
  CHECK(r.pod_name == "capprobe-agent-linux-x7k2p");
  CHECK(r.pod_namespace == "capprobe");
  // The projected token volume is no hostPath, and managedFields' "f:hostNetwork"/"f:hostPID"
  // keys (fields the manager touched, here left false) are no asks.
  REQUIRE(r.host_paths);
  CHECK(r.host_paths->empty());
  CHECK(r.host_network == false);
  CHECK(r.host_pid == false);
  CHECK(r.host_ipc == false);
  CHECK_FALSE(r.runtime_class);
  // The tolerations (operator Exists and the controller's NoExecute/NoSchedule ones) ask nothing
  // a probe checks; the manifest's own asks come through.
  CHECK(r.read_only_root == true);
  CHECK(r.privileged == false);
  CHECK(r.allow_privilege_escalation == false);
  CHECK(r.capabilities_drop == std::vector<std::string>{"ALL"});
  CHECK(r.capabilities_add == std::vector<std::string>{});
  CHECK(r.run_as_user == 65532);
  CHECK(r.run_as_group == 65532);
  CHECK(r.supplemental_groups == std::vector<std::int64_t>{});
  CHECK(r.seccomp_profile == "RuntimeDefault");
  CHECK(r.cpu_limit_cpus == Approx(0.1));
  CHECK(r.cpu_request_cpus == Approx(0.01));
  CHECK(r.memory_limit_bytes == 64u << 20);
  CHECK_FALSE(r.os_name);
  CHECK(r.host_process == false);
  CHECK(r.refused.empty());
  // The token's read-only mount is one more place no probe writes to: safety, not a request.
  CHECK(r.read_only_mounts ==
        std::vector<std::string>{"/etc/capprobe/token",
                                 "/var/run/secrets/kubernetes.io/serviceaccount"});
}

TEST_CASE("a sidecar Pod from the API: the status's containerID tells which container this is",
          "[pod_spec][api]") {
  const auto text = pod_fixture("sidecar-from-api.json");
  // cgroup v1 under containerd: the container's ID is in its cgroup path.
  const std::string self =
      "12:memory:/kubepods/burstable/podc3a1e7f2-6b0d-4e9a-8f15-2d4b7c0e9a61/"
      "2b7e0d4a9c1f6e3b8a5d2c9f4e1b7a0d3c6f9e2b5a8d1c4f7e0b3a6d9c2f5e8b\n";
  const auto parse = parse_pod_spec(text, "", self, "linux");
  INFO(parse.error);
  REQUIRE(parse.requests);
  const auto& r = *parse.requests;
  CHECK(parse.container_note ==
        "container capprobe, by its containerID in this process's cgroup or mounts");
  CHECK(r.container_name == "capprobe");
  CHECK(r.memory_limit_bytes == 64u << 20);  // capprobe's, not web's 256Mi
  CHECK(r.run_as_user == 65532);
  // The one hostPath is /var/log/pods, read-only; the projected volume is not one.
  REQUIRE(r.host_paths);
  REQUIRE(r.host_paths->size() == 1);
  CHECK(r.host_paths->at(0).host_path == "/var/log/pods");
  CHECK(r.host_paths->at(0).mount_path == "/var/log/pods");
  CHECK(r.host_paths->at(0).read_only);
  CHECK(r.host_network == false);

  // Without the ID in sight, the container is unknown and the pod's fields still hold.
  const auto unknown = parse_pod_spec(text, "", "0::/\n", "linux");
  REQUIRE(unknown.requests);
  CHECK(unknown.requests->container_unknown);
  CHECK_FALSE(unknown.requests->memory_limit_bytes);
  CHECK(unknown.requests->host_paths->size() == 1);
}

TEST_CASE("subPath mounts, emptyDir volumes, DNS, hostPorts and the service account",
          "[pod_spec]") {
  const auto requests = parsed(pod(
      R"("volumes":[{"name":"data","emptyDir":{}},)"
      R"({"name":"cache","emptyDir":{"medium":"Memory","sizeLimit":"64Mi"}},)"
      R"({"name":"unmounted","emptyDir":{"sizeLimit":"1Gi"}}],)"
      R"("dnsPolicy":"None","dnsConfig":{"nameservers":["1.2.3.4"],"searches":["a.example"],)"
      R"("options":[{"name":"ndots","value":"2"},{"name":"edns0"}]},)"
      R"("automountServiceAccountToken":false)",
      R"("volumeMounts":[{"name":"data","mountPath":"/data"},)"
      R"({"name":"data","mountPath":"/logs","subPath":"logs"},)"
      R"json({"name":"data","mountPath":"/per-pod","subPathExpr":"$(POD_NAME)","readOnly":true},)json"
      R"({"name":"cache","mountPath":"/cache"},)"
      R"({"name":"kube-api-access-x","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],)"
      R"("ports":[{"containerPort":8080,"hostPort":18080},{"containerPort":9090},)"
      R"({"containerPort":53,"hostPort":1053,"protocol":"UDP","hostIP":"10.0.0.7"}])"));
  REQUIRE(requests.sub_paths.has_value());
  REQUIRE(requests.sub_paths->size() == 2);
  CHECK(requests.sub_paths->at(0).mount_path == "/logs");
  CHECK(requests.sub_paths->at(0).sub_path == "logs");
  CHECK_FALSE(requests.sub_paths->at(0).expression);
  CHECK(requests.sub_paths->at(1).expression);
  CHECK(requests.sub_paths->at(1).read_only);
  REQUIRE(requests.volume_mounts.has_value());
  CHECK(requests.volume_mounts->size() == 5);
  REQUIRE(requests.empty_dirs.has_value());
  // data mounted three times, cache once, unmounted with no mount path.
  REQUIRE(requests.empty_dirs->size() == 5);
  const auto& cache = requests.empty_dirs->at(3);
  CHECK(cache.mount_path == "/cache");
  CHECK(cache.medium == "Memory");
  CHECK(cache.size_limit_bytes == 64ull << 20);
  CHECK(requests.empty_dirs->at(1).sub_path);
  CHECK(requests.empty_dirs->at(4).mount_path.empty());
  CHECK(requests.empty_dirs->at(4).size_limit_bytes == 1ull << 30);
  CHECK(requests.dns_policy == "None");
  REQUIRE(requests.dns_config.has_value());
  CHECK(requests.dns_config->nameservers == std::vector<std::string>{"1.2.3.4"});
  CHECK(requests.dns_config->searches == std::vector<std::string>{"a.example"});
  REQUIRE(requests.dns_config->options.size() == 2);
  CHECK(requests.dns_config->options[0].value == "2");
  CHECK_FALSE(requests.dns_config->options[1].value);
  REQUIRE(requests.host_ports.has_value());
  REQUIRE(requests.host_ports->size() == 2);
  CHECK(requests.host_ports->at(0).container_port == 8080);
  CHECK(requests.host_ports->at(0).host_port == 18080);
  CHECK(requests.host_ports->at(0).protocol == "TCP");
  CHECK(requests.host_ports->at(1).protocol == "UDP");
  CHECK(requests.host_ports->at(1).host_ip == "10.0.0.7");
  CHECK(requests.automount_service_account_token == false);
  CHECK(requests.mounts_service_account == true);

  const auto plain = parsed(pod(""));
  REQUIRE(plain.sub_paths.has_value());
  CHECK(plain.sub_paths->empty());
  CHECK(plain.host_ports->empty());
  CHECK_FALSE(plain.dns_policy.has_value());
  CHECK_FALSE(plain.dns_config.has_value());
  CHECK(plain.mounts_service_account == false);
  CHECK_FALSE(plain.automount_service_account_token.has_value());
  CHECK_THAT(error_of(pod("", R"("ports":[{"containerPort":8080,"hostPort":70000}])")),
             Catch::Contains("1-65535"));
}
