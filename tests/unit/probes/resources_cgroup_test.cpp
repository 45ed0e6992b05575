// cgroup discovery and limit reading: the parsers table-driven, discovery and the ancestry walk
// over fixture trees (tests/fixtures/cg-*, see cg-NOTES.md).
#include <catch2/catch.hpp>

#include "platform/fake/fake_platform.hpp"
#include "probes/resources/cgroup.hpp"
#include "probes/resources/cgroup_linux.hpp"
#include "tests/unit/probes/fixtures.hpp"

using namespace capprobe;
using namespace capprobe::probes::cgroup;
using capprobe::platform::FakePlatform;

namespace {

FakePlatform fixture(const std::string& name) {
  FakePlatform fake;
  capprobe::testing::load_fixture(fake, name);
  return fake;
}

const std::string kNested =
    "/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7d1c.slice";
const std::string kNestedLeaf = kNested + "/cri-containerd-4f2a.scope";

}  // namespace

TEST_CASE("parse_proc_cgroup reads v1 and v2 lines", "[cgroup]") {
  const auto lines = parse_proc_cgroup(
      "12:pids:/\n3:cpu,cpuacct:/kubepods/pod1/c1\n1:name=systemd:/x\n0::/a:b\nbroken\n");
  REQUIRE(lines.size() == 4);
  CHECK(lines[1].hierarchy == 3);
  CHECK(lines[1].controllers == std::vector<std::string>{"cpu", "cpuacct"});
  CHECK(lines[1].path == "/kubepods/pod1/c1");
  CHECK(lines[2].controllers == std::vector<std::string>{"name=systemd"});
  CHECK(lines[3].hierarchy == 0);
  CHECK(lines[3].controllers.empty());
  CHECK(lines[3].path == "/a:b");
}

TEST_CASE("resolve_directory maps a cgroup path under a mount's root", "[cgroup]") {
  struct Row {
    const char* mount_point;
    const char* root;
    const char* path;
    std::optional<std::string> expected;
  };
  const Row rows[] = {
      // cgroup namespace: the container sees its own cgroup as "/" at the mount point
      {"/sys/fs/cgroup", "/", "/", "/sys/fs/cgroup"},
      {"/sys/fs/cgroup/memory", "/", "/process_api/544d", "/sys/fs/cgroup/memory/process_api/544d"},
      // a bind of the container's own cgroup (no cgroup namespace)
      {"/sys/fs/cgroup/cpu", "/docker/abc", "/docker/abc", "/sys/fs/cgroup/cpu"},
      {"/sys/fs/cgroup/cpu", "/docker/abc", "/docker/abc/child", "/sys/fs/cgroup/cpu/child"},
      // outside the root: another cgroup's bind, or a namespace that shows "/.."
      {"/sys/fs/cgroup/cpu", "/docker/abc", "/docker/other", std::nullopt},
      {"/sys/fs/cgroup/cpu", "/docker/abc", "/docker/abcdef", std::nullopt},
      {"/sys/fs/cgroup", "/", "/../../kubepods/x", std::nullopt},
      {"/sys/fs/cgroup/", "/", "/a/", "/sys/fs/cgroup/a"},
  };
  for (const auto& row : rows) {
    INFO(row.mount_point << " " << row.root << " " << row.path);
    CHECK(resolve_directory(row.mount_point, row.root, row.path) == row.expected);
  }
}

TEST_CASE("discovery tells v1, v2, hybrid and none apart on captured-style trees", "[cgroup]") {
  struct Row {
    const char* fixture;
    const char* layout;
    std::map<std::string, std::pair<Version, std::string>> controllers;
  };
  const Row rows[] = {
      // captured: runc 1.1.5 with a cgroup namespace on the development machine
      {"cg-v1-runc-cgroupns",
       "v1",
       {{"cpu", {Version::v1, "/sys/fs/cgroup/cpu"}},
        {"memory", {Version::v1, "/sys/fs/cgroup/memory"}},
        {"cpuset", {Version::v1, "/sys/fs/cgroup/cpuset"}}}},
      {"cg-v1-docker-cgroupns",
       "v1",
       {{"cpu", {Version::v1, "/sys/fs/cgroup/cpu,cpuacct"}},
        {"memory", {Version::v1, "/sys/fs/cgroup/memory"}},
        {"cpuset", {Version::v1, "/sys/fs/cgroup/cpuset"}}}},
      {"cg-v2-pod-cgroupns",
       "v2",
       {{"cpu", {Version::v2, "/sys/fs/cgroup"}},
        {"memory", {Version::v2, "/sys/fs/cgroup"}},
        {"cpuset", {Version::v2, "/sys/fs/cgroup"}}}},
      {"cg-v2-nested",
       "v2",
       {{"cpu", {Version::v2, kNestedLeaf}},
        {"memory", {Version::v2, kNestedLeaf}},
        {"cpuset", {Version::v2, kNestedLeaf}}}},
      // like the development machine: v1 controllers, a cgroup2 mount with only hugetlb
      {"cg-hybrid",
       "hybrid",
       {{"cpu", {Version::v1, "/sys/fs/cgroup/cpu"}},
        {"memory",
         {Version::v1, "/sys/fs/cgroup/memory/process_api/544dd229845be9667ddfa524cab3b2ee"}},
        {"cpuset", {Version::v1, "/sys/fs/cgroup/cpuset"}}}},
      {"cg-none", "none", {}},
  };
  for (const auto& row : rows) {
    INFO(row.fixture);
    auto fake = fixture(row.fixture);
    const auto discovery = discover(fake);
    CHECK(discovery.layout == row.layout);
    CHECK(discovery.controllers.size() == row.controllers.size());
    for (const auto& [name, expected] : row.controllers) {
      INFO(name);
      const auto* location = discovery.find(name);
      REQUIRE(location != nullptr);
      CHECK(location->version == expected.first);
      CHECK(location->directory == expected.second);
    }
    CHECK(discovery.problems.empty());
  }
}

TEST_CASE("the hybrid cgroup2 mount holds none of cpu, memory, cpuset", "[cgroup]") {
  auto fake = fixture("cg-hybrid");
  const auto discovery = discover(fake);
  CHECK(discovery.unified_mount == std::optional<std::string>("/sys/fs/cgroup/unified"));
  CHECK(discovery.v2_controllers == std::vector<std::string>{"hugetlb"});
  CHECK(discovery.to_json()["layout"] == "hybrid");
}

TEST_CASE("a v2 controller is there only if the root's cgroup.controllers lists it", "[cgroup]") {
  auto fake = fixture("cg-v2-pod-cgroupns");
  fake.file("/sys/fs/cgroup/cgroup.controllers", "cpu io pids\n");
  const auto discovery = discover(fake);
  CHECK(discovery.find("cpu") != nullptr);
  CHECK(discovery.find("memory") == nullptr);
  CHECK(discovery.find("cpuset") == nullptr);
}

TEST_CASE("an unreadable cgroup.controllers is reported, not taken as no controllers", "[cgroup]") {
  auto fake = fixture("cg-v2-pod-cgroupns");
  fake.fail("read_file", "/sys/fs/cgroup/cgroup.controllers", "EACCES");
  const auto discovery = discover(fake);
  CHECK(discovery.find("memory") != nullptr);
  REQUIRE(discovery.problems.size() == 1);
  CHECK(discovery.problems[0].find("EACCES") != std::string::npos);
}

TEST_CASE("a cgroup path outside the mount's root is reported", "[cgroup]") {
  DiscoveryInput input;
  input.membership = parse_proc_cgroup("4:memory:/kubepods/podA/c1\n1:cpu:/\n");
  input.mounts = probes::parse_mountinfo(
      "35 31 0:32 /docker/other /sys/fs/cgroup/memory ro,relatime - cgroup cgroup rw,memory\n"
      "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n");
  const auto discovery = discover(input);
  const auto* memory = discovery.find("memory");
  REQUIRE(memory != nullptr);
  CHECK_FALSE(memory->directory.has_value());
  CHECK(ancestry(*memory).empty());
  REQUIRE(discovery.problems.size() == 1);
  CHECK(discovery.problems[0].find("outside the root /docker/other") != std::string::npos);
  CHECK(discovery.find("cpu")->directory == std::optional<std::string>("/sys/fs/cgroup/cpu"));
}

TEST_CASE("a cgroup namespace over unremounted v1 mounts leaves the cgroup unlocated", "[cgroup]") {
  // `unshare -C` on the development machine: the namespace root is /process_api/<id>, so the
  // memory mount's root shows as "/../.." and the path as "/".
  auto fake = fixture("cg-hybrid");
  fake.file("/proc/self/cgroup", "4:memory:/\n3:cpuset:/\n1:cpu:/\n0::/\n");
  fake.file("/proc/self/mountinfo",
            "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
            "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
            "35 31 0:32 /../.. /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
            "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n");
  const auto discovery = discover(fake);
  const auto memory = read_memory_config(fake, discovery);
  CHECK(memory.hierarchy == "cgroup_v1");
  CHECK_FALSE(memory.limit_bytes);
  REQUIRE(memory.unlocated);
  CHECK(memory.unlocated->find("outside the root /../..") != std::string::npos);
  CHECK(memory.reads.empty());
  const auto cpu = read_cpu_config(fake, discovery);
  CHECK_FALSE(cpu.unlocated);
  CHECK(cpu.hierarchy == "cgroup_v1");
}

TEST_CASE("of two mounts of one hierarchy the one whose root holds the path wins", "[cgroup]") {
  DiscoveryInput input;
  input.membership = parse_proc_cgroup("3:cpu,cpuacct:/docker/abc\n");
  input.mounts = probes::parse_mountinfo(
      "40 31 0:30 /docker/other /mnt/other rw - cgroup cgroup rw,cpu,cpuacct\n"
      "41 31 0:30 /docker/abc /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n");
  const auto discovery = discover(input);
  CHECK(discovery.find("cpu")->directory ==
        std::optional<std::string>("/sys/fs/cgroup/cpu,cpuacct"));
  CHECK(discovery.problems.empty());
}

TEST_CASE("a v1 controller without a mount is a problem, not a v2 controller", "[cgroup]") {
  DiscoveryInput input;
  input.membership = parse_proc_cgroup("4:memory:/x\n0::/\n");
  input.mounts = probes::parse_mountinfo("41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  input.v2_controllers_text = "cpu memory\n";
  const auto discovery = discover(input);
  CHECK(discovery.find("memory") == nullptr);
  CHECK(discovery.find("cpu") != nullptr);
  REQUIRE(discovery.problems.size() == 1);
  CHECK(discovery.problems[0] == "memory: v1 hierarchy 4 is not mounted in this mount namespace");
}

TEST_CASE("ancestry walks from the cgroup up to the mount point", "[cgroup]") {
  Location location;
  location.mount_point = "/sys/fs/cgroup";
  location.directory = "/sys/fs/cgroup/a/b";
  CHECK(ancestry(location) ==
        std::vector<std::string>{"/sys/fs/cgroup/a/b", "/sys/fs/cgroup/a", "/sys/fs/cgroup"});
  location.directory = "/sys/fs/cgroup";
  CHECK(ancestry(location) == std::vector<std::string>{"/sys/fs/cgroup"});
}

TEST_CASE("byte limits: numbers, max, and v1's page-rounded LONG_MAX", "[cgroup]") {
  struct Row {
    const char* text;
    LimitKind kind;
    std::uint64_t bytes;
  };
  const Row rows[] = {
      {"134217728\n", LimitKind::limited, 134217728},
      {"max\n", LimitKind::unlimited, 0},
      {"9223372036854771712\n", LimitKind::unlimited, 0},
      {"4611686018427387904", LimitKind::unlimited, 0},  // 2^62
      {"4611686018427387903", LimitKind::limited, 4611686018427387903ull},
      {"-1", LimitKind::unlimited, 0},
      {"0", LimitKind::limited, 0},
      {"lots", LimitKind::malformed, 0},
      {"", LimitKind::malformed, 0},
  };
  for (const auto& row : rows) {
    INFO(row.text);
    const auto parsed = parse_byte_limit(row.text);
    CHECK(parsed.kind == row.kind);
    CHECK(parsed.bytes == row.bytes);
  }
}

TEST_CASE("cpu.max and the v1 quota files", "[cgroup]") {
  struct Row {
    std::optional<CpuQuota> parsed;
    bool valid;
    std::optional<double> cpus;
  };
  const Row rows[] = {
      {parse_cpu_max("50000 100000\n"), true, 0.5},
      {parse_cpu_max("max 100000\n"), true, std::nullopt},
      {parse_cpu_max("150000 50000"), true, 3.0},
      {parse_cpu_max("max"), true, std::nullopt},
      {parse_cpu_max("50000 0"), false, std::nullopt},
      {parse_cpu_max("x 100000"), false, std::nullopt},
      {parse_cfs_quota("50000\n", "100000\n"), true, 0.5},
      {parse_cfs_quota("-1\n", "100000\n"), true, std::nullopt},
      {parse_cfs_quota("-5", "100000"), false, std::nullopt},
      {parse_cfs_quota("50000", ""), false, std::nullopt},
  };
  int index = 0;
  for (const auto& row : rows) {
    INFO("row " << index++);
    CHECK(row.parsed.has_value() == row.valid);
    if (row.parsed) CHECK(row.parsed->cpus() == row.cpus);
  }
}

TEST_CASE("cpu.stat of v2 and v1 normalise to microseconds", "[cgroup]") {
  const auto v2 = parse_cpu_stat(
      "usage_usec 5000000\nnr_periods 300\nnr_throttled 12\nthrottled_usec 600000\n");
  CHECK(v2.usage_usec == std::optional<std::uint64_t>(5000000));
  CHECK(v2.nr_throttled == std::optional<std::uint64_t>(12));
  CHECK(v2.throttled_usec == std::optional<std::uint64_t>(600000));
  const auto v1 = parse_cpu_stat("nr_periods 120\nnr_throttled 30\nthrottled_time 1500000000\n");
  CHECK(v1.nr_periods == std::optional<std::uint64_t>(120));
  CHECK(v1.throttled_usec == std::optional<std::uint64_t>(1500000));
  CHECK_FALSE(v1.usage_usec.has_value());
}

TEST_CASE("shares and weights: both conversion formulas and their inverses", "[cgroup]") {
  struct Row {
    std::uint64_t shares, linear, nonlinear;
  };
  // 1024 shares (1 CPU, also the v1 default) -> 39 with the old formula, 100 with the new.
  const Row rows[] = {{2, 1, 1},       {102, 4, 17},    {512, 20, 59},
                      {1024, 39, 100}, {2048, 79, 174}, {262144, 10000, 10000}};
  for (const auto& row : rows) {
    INFO("shares " << row.shares);
    CHECK(weight_linear(row.shares) == row.linear);
    CHECK(weight_nonlinear(row.shares) == row.nonlinear);
    // The inverse recovers a request range that holds the original shares.
    const auto linear = request_from_weight_linear(row.linear);
    const auto nonlinear = request_from_weight_nonlinear(row.nonlinear);
    REQUIRE(linear);
    REQUIRE(nonlinear);
    const double cpus = static_cast<double>(row.shares) / 1024.0;
    CHECK(linear->low_cpus <= cpus);
    CHECK(linear->high_cpus > cpus);
    CHECK(nonlinear->low_cpus <= cpus);
    CHECK(nonlinear->high_cpus > cpus);
  }
  // Weight 20 from a 0.5 CPU request reads as 0.5 with the old formula and ~0.1 with the new.
  CHECK(request_from_weight_linear(20)->cpus() == Approx(0.5).epsilon(0.05));
  CHECK(request_from_weight_nonlinear(20)->cpus() < 0.2);
  // Which formula a runtime used shows in which decoding holds the pod's request.
  CHECK(request_from_weight_linear(20)->holds(0.5));
  CHECK_FALSE(request_from_weight_nonlinear(20)->holds(0.5));
  CHECK(request_from_weight_nonlinear(59)->holds(0.5));
  CHECK(request_from_shares(102)->holds(0.1));  // 100m -> 102 shares
  CHECK_FALSE(request_from_shares(102)->holds(0.2));
  CHECK_FALSE(request_from_weight_linear(0));
  CHECK_FALSE(request_from_weight_nonlinear(10001));
  CHECK(request_from_shares(512)->low_cpus == Approx(0.5));
  CHECK(request_from_shares(2)->low_cpus == 0.0);
  CHECK_FALSE(request_from_shares(1));
}

TEST_CASE("CPU limits: the tightest quota over the visible ancestors", "[cgroup]") {
  struct Row {
    const char* fixture;
    const char* hierarchy;
    std::optional<double> limit;
    std::optional<std::string> limiting;
    std::optional<std::uint64_t> shares, weight;
  };
  const Row rows[] = {
      {"cg-v1-runc-cgroupns", "cgroup_v1", 0.5, "/sys/fs/cgroup/cpu", 512, std::nullopt},
      {"cg-v1-docker-cgroupns", "cgroup_v1", 0.5, "/sys/fs/cgroup/cpu,cpuacct", 512, std::nullopt},
      {"cg-v2-pod-cgroupns", "cgroup_v2", 0.5, "/sys/fs/cgroup", std::nullopt, 20},
      {"cg-v2-nested", "cgroup_v2", 1.0, kNested, std::nullopt, 100},
      {"cg-hybrid", "cgroup_v1", std::nullopt, std::nullopt, 1024, std::nullopt},
      {"cg-none", "none", std::nullopt, std::nullopt, std::nullopt, std::nullopt},
  };
  for (const auto& row : rows) {
    INFO(row.fixture);
    auto fake = fixture(row.fixture);
    const auto config = read_cpu_config(fake, discover(fake));
    CHECK(config.hierarchy == row.hierarchy);
    CHECK(config.limit_cpus == row.limit);
    CHECK(config.limiting_directory == row.limiting);
    CHECK(config.shares == row.shares);
    CHECK(config.weight == row.weight);
    CHECK(config.hidden.empty());
  }
}

TEST_CASE("EACCES on a limit file is 'cannot see', ENOENT is 'no limit here'", "[cgroup]") {
  auto fake = fixture("cg-v2-nested");
  fake.fail("read_file", kNested + "/cpu.max", "EACCES");
  const auto config = read_cpu_config(fake, discover(fake));
  // The pod's 1-CPU limit is hidden; the container's own 2 CPUs is all that can be seen.
  CHECK(config.limit_cpus == 2.0);
  REQUIRE(config.hidden.size() == 1);
  CHECK(config.hidden[0] == kNested + "/cpu.max: EACCES");
  // The root cgroup has no cpu.max: recorded as ENOENT, and not as hidden.
  bool root_absent = false, pod_denied = false;
  for (const auto& read : config.reads) {
    if (read["path"] == "/sys/fs/cgroup/cpu.max") root_absent = read["error"] == "ENOENT";
    if (read["path"] == kNested + "/cpu.max") pod_denied = read["error"] == "EACCES";
  }
  CHECK(root_absent);
  CHECK(pod_denied);
}

TEST_CASE("memory limits: tightest level, usage there, OOM counters and gates", "[cgroup]") {
  struct Row {
    const char* fixture;
    const char* hierarchy;
    std::optional<std::uint64_t> limit;
    std::optional<std::uint64_t> usage;
    std::optional<std::uint64_t> oom_kill;
    bool oom_group;
    std::optional<std::string> swap;
  };
  const Row rows[] = {
      {"cg-v1-runc-cgroupns", "cgroup_v1", 128ull << 20, 1613824, 0, false, "9223372036854771712"},
      {"cg-v1-docker-cgroupns", "cgroup_v1", 128ull << 20, 8ull << 20, 0, false, "134217728"},
      {"cg-v2-pod-cgroupns", "cgroup_v2", 256ull << 20, 20ull << 20, 0, true, "0"},
      {"cg-v2-nested", "cgroup_v2", 512ull << 20, 50ull << 20, 1, false, "max"},
      {"cg-hybrid", "cgroup_v1", std::nullopt, 3031040, 0, false, "9223372036854771712"},
      {"cg-none", "none", std::nullopt, std::nullopt, std::nullopt, false, std::nullopt},
  };
  for (const auto& row : rows) {
    INFO(row.fixture);
    auto fake = fixture(row.fixture);
    const auto config = read_memory_config(fake, discover(fake));
    CHECK(config.hierarchy == row.hierarchy);
    CHECK(config.limit_bytes == row.limit);
    CHECK(config.usage_bytes == row.usage);
    CHECK(config.oom_kill == row.oom_kill);
    CHECK(config.oom_group == row.oom_group);
    CHECK(config.swap_limit == row.swap);
    CHECK(config.hidden.empty());
    if (row.oom_kill) CHECK(read_oom_kill(fake, config) == row.oom_kill);
  }
}

TEST_CASE("v2 memory.high: the tightest over the ancestors", "[cgroup]") {
  auto fake = fixture("cg-v2-nested");
  fake.file(kNested + "/memory.high", "402653184\n");
  fake.file(kNestedLeaf + "/memory.high", "max\n");
  const auto config = read_memory_config(fake, discover(fake));
  CHECK(config.high_bytes == std::optional<std::uint64_t>(384ull << 20));
  CHECK(config.limit_bytes == std::optional<std::uint64_t>(512ull << 20));
}

TEST_CASE("v1 hierarchical_memory_limit reveals a limit above the visible cgroups", "[cgroup]") {
  auto fake = fixture("cg-v1-docker-cgroupns");
  fake.file("/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  fake.file("/sys/fs/cgroup/memory/memory.stat", "rss 1\nhierarchical_memory_limit 67108864\n");
  const auto config = read_memory_config(fake, discover(fake));
  CHECK(config.limit_bytes == std::optional<std::uint64_t>(64ull << 20));
  REQUIRE(config.limiting);
  CHECK(config.limiting->find("hierarchical_memory_limit") != std::string::npos);
  CHECK(config.usage_path ==
        std::optional<std::string>("/sys/fs/cgroup/memory/memory.usage_in_bytes"));
}

TEST_CASE("v1 oom_kill_disable is read", "[cgroup]") {
  auto fake = fixture("cg-v1-docker-cgroupns");
  fake.file("/sys/fs/cgroup/memory/memory.oom_control",
            "oom_kill_disable 1\nunder_oom 0\noom_kill 4\n");
  const auto config = read_memory_config(fake, discover(fake));
  CHECK(config.oom_kill_disabled);
  CHECK(config.oom_kill == std::optional<std::uint64_t>(4));
}

TEST_CASE("an unreadable OOM policy is recorded, an absent one is not", "[cgroup]") {
  auto v2 = fixture("cg-v2-nested");
  CHECK_FALSE(read_memory_config(v2, discover(v2)).oom_policy_unseen);  // root level: ENOENT
  v2.fail("read_file", kNested + "/memory.oom.group", "EACCES");
  const auto hidden = read_memory_config(v2, discover(v2));
  CHECK(hidden.oom_policy_unseen == kNested + "/memory.oom.group: EACCES");

  auto v1 = fixture("cg-v1-docker-cgroupns");
  CHECK_FALSE(read_memory_config(v1, discover(v1)).oom_policy_unseen);
  v1.fail("read_file", "/sys/fs/cgroup/memory/memory.oom_control", "EACCES");
  const auto v1_hidden = read_memory_config(v1, discover(v1));
  CHECK(v1_hidden.oom_policy_unseen == "/sys/fs/cgroup/memory/memory.oom_control: EACCES");
  CHECK_FALSE(v1_hidden.oom_kill_disabled);
}

TEST_CASE("cpuset: v1 cpuset.cpus/mems, v2 the effective files", "[cgroup]") {
  auto v1 = fixture("cg-v1-docker-cgroupns");
  const auto from_v1 = read_cpuset_config(v1, discover(v1));
  CHECK(from_v1.hierarchy == "cgroup_v1");
  CHECK(from_v1.cpus == std::optional<std::vector<int>>(std::vector<int>{0, 1, 2, 3}));
  CHECK(from_v1.mems == std::optional<std::vector<int>>(std::vector<int>{0}));
  auto v2 = fixture("cg-v2-nested");
  v2.fail("read_file", kNestedLeaf + "/cpuset.mems.effective", "EACCES");
  const auto from_v2 = read_cpuset_config(v2, discover(v2));
  CHECK(from_v2.cpus == std::optional<std::vector<int>>(std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  CHECK_FALSE(from_v2.mems);
  CHECK(from_v2.hidden.size() == 1);
}
