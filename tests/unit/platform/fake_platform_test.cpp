// The fake platform's own behaviour, which every probe test leans on: path and link resolution,
// fault injection, directory listing, tree removal and fixture loading.
#include "platform/fake/fake_platform.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>

using namespace capprobe::platform;
using namespace std::chrono_literals;

TEST_CASE("fake: links are followed anywhere in a path", "[fake]") {
  FakePlatform fake;
  fake.file("/real/dir/x", "content");
  fake.link("/a/abs", "/real/dir");
  fake.link("/real/rel", "dir");
  fake.link("/chain", "/a/abs");
  fake.link("/real/dir/up", "../rel/x");
  const FakePlatform& os = fake;

  CHECK(os.read_file("/a/abs/x").value() == "content");
  CHECK(os.read_file("/real/rel/x").value() == "content");
  CHECK(os.read_file("/chain/x").value() == "content");
  CHECK(os.read_file("/a/abs/up").value() == "content");
  CHECK(os.read_file("/real//dir/./x").value() == "content");
  CHECK(os.stat("/chain").value().kind == FileKind::directory);
  CHECK(os.lstat("/chain").value().kind == FileKind::symlink);
  CHECK(os.lstat("/a/abs/x").value().kind == FileKind::regular);  // the parent is followed
  CHECK(os.read_link("/chain").value() == "/a/abs");
  CHECK(os.read_link("/a/abs/up").value() == "../rel/x");
  CHECK(os.read_link("/real/dir/x").error().name == "EINVAL");

  fake.link("/loop1", "/loop2").link("/loop2", "/loop1");
  CHECK(os.read_file("/loop1/x").error().name == "ELOOP");
  fake.link("/dangling", "/nowhere");
  CHECK(os.read_file("/dangling").error().name == "ENOENT");
  CHECK(os.lstat("/dangling").value().kind == FileKind::symlink);
  fake.link("/empty", "");
  CHECK(os.read_file("/empty").error().name == "ENOENT");
}

TEST_CASE("fake: faults fail the named operation on the named path only", "[fake]") {
  FakePlatform fake;
  fake.file("/etc/x", "1").file("/etc/y", "2");
  fake.fail("read_file", "/etc//x", "EACCES");
  const FakePlatform& os = fake;

  const auto denied = os.read_file("/etc/x");
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.error().is_denied());
  CHECK(denied.error().code == 13);
  CHECK_THAT(denied.error().context, Catch::Contains("/etc/x"));
  CHECK(os.read_file("/etc/x").error().name == "EACCES");  // it stays in force
  CHECK(os.read_file("/etc/y").value() == "2");
  CHECK(os.stat("/etc/x").ok());

  fake.fail("make_symlink", "/tmp/l", "EPERM").fail("connect_unix", "/run/s.sock", "EACCES");
  CHECK(fake.make_symlink("t", "/tmp/l").error().name == "EPERM");
  CHECK_FALSE(fake.exists("/tmp/l"));
  CHECK(fake.connect_unix("/run/s.sock", 100ms).error().name == "EACCES");
  fake.fail("read_through", "/etc/y", "EIO");
  CHECK(os.read_through("/etc/y", 10).error().name == "EIO");
  CHECK(fake_error("EWHATEVER", "x").code == -1);  // unknown names stay names
}

TEST_CASE("fake: list_dir lists direct children, sorted", "[fake]") {
  FakePlatform fake;
  fake.file("/d/b", "").file("/d/a", "").file("/d/sub/deep", "").file("/dx", "");
  fake.link("/l", "/d");
  const FakePlatform& os = fake;
  CHECK(os.list_dir("/d").value() == std::vector<std::string>{"a", "b", "sub"});
  CHECK(os.list_dir("/l").value() == std::vector<std::string>{"a", "b", "sub"});
  CHECK(os.list_dir("/d/a").error().name == "ENOTDIR");
  CHECK(os.list_dir("/none").error().name == "ENOENT");
  const auto top = os.list_dir("/").value();
  CHECK(std::find(top.begin(), top.end(), "tmp") != top.end());
  CHECK(std::find(top.begin(), top.end(), "dx") != top.end());
}

TEST_CASE("fake: remove and remove_tree", "[fake]") {
  FakePlatform fake;
  fake.file("/keep/x", "precious");
  const auto before = fake.entry_count();
  fake.file("/t/b/f", "").file("/t/bc", "").link("/t/b/l", "/keep");

  CHECK(fake.remove("/t/b").error().name == "ENOTEMPTY");
  REQUIRE(fake.remove_tree("/t/b").ok());
  CHECK_FALSE(fake.exists("/t/b/f"));
  CHECK_FALSE(fake.exists("/t/b/l"));
  CHECK(fake.exists("/t/bc"));  // a sibling sharing the prefix stays
  CHECK(fake.read_file("/keep/x", 100).value() == "precious");  // the link went, not its target
  REQUIRE(fake.remove_tree("/t").ok());
  CHECK(fake.entry_count() == before);
  CHECK(fake.remove_tree("/t").error().name == "ENOENT");
  CHECK(fake.remove("/t").error().name == "ENOENT");
}

TEST_CASE("fake: exercise calls create what probes ask for, through linked parents", "[fake]") {
  FakePlatform fake;
  fake.link("/vol", "/data").dir("/data");
  const auto dir = fake.make_private_dir("/vol", ".capprobe-1-x-");
  REQUIRE(dir.ok());
  CHECK(dir.value().rfind("/data/.capprobe-1-x-", 0) == 0);
  const auto second = fake.make_private_dir("/vol", ".capprobe-1-x-");
  CHECK(second.value() != dir.value());
  REQUIRE(fake.remove(second.value()).ok());
  CHECK(fake.link_info(dir.value()).value().mode == 0700);

  REQUIRE(fake.create_file_exclusive("/vol/f", "1").ok());
  CHECK(fake.create_file_exclusive("/vol/f", "2").error().name == "EEXIST");
  CHECK(fake.read_through("/data/f", 10).value() == "1");

  CHECK(fake.make_private_dir("/vol/f", "x").error().name == "ENOTDIR");
  REQUIRE(fake.make_dir("/vol/sub").ok());
  CHECK(fake.list_through("/data").value() ==
        std::vector<std::string>{dir.value().substr(6), "f", "sub"});
  CHECK(fake.make_dir("/vol/sub").error().name == "EEXIST");
  CHECK(fake.make_dir("/vol/no/such").error().name == "ENOENT");
  CHECK(fake.make_dir("/vol/f/under_a_file").error().name == "ENOTDIR");

  REQUIRE(fake.make_symlink("f", "/vol/rel").ok());
  CHECK(fake.read_through("/data/rel", 10).value() == "1");
  CHECK(fake.link_target("/vol/rel").value() == "f");
  CHECK(fake.make_symlink("f", "/vol/rel").error().name == "EEXIST");

  REQUIRE(fake.remove("/vol/rel").ok());
  CHECK_FALSE(fake.exists("/data/rel"));
  REQUIRE(fake.remove_tree("/vol/sub").ok());
  CHECK_FALSE(fake.exists("/data/sub"));
  CHECK(fake.exists("/vol"));  // removing under a link leaves the link
}

TEST_CASE("fake: load_tree reads a fixture directory, .symlink files become links", "[fake]") {
  namespace fsys = std::filesystem;
  const auto root = fsys::temp_directory_path() /
                    ("capprobe-fake-fixture-" + std::to_string(std::random_device{}()));
  fsys::create_directories(root / "proc/self/ns");
  fsys::create_directories(root / "sys/empty");
  std::ofstream(root / "proc/self/status") << "Name:\tcapprobe\n";
  std::ofstream(root / "proc/self/ns/pid.symlink") << "pid:[4026531836]\n";

  FakePlatform fake;
  fake.load_tree(root.string(), "/host");
  fsys::remove_all(root);
  const FakePlatform& os = fake;
  CHECK(os.read_file("/host/proc/self/status").value() == "Name:\tcapprobe\n");
  CHECK(os.read_link("/host/proc/self/ns/pid").value() == "pid:[4026531836]");
  CHECK(os.lstat("/host/proc/self/ns/pid").value().kind == FileKind::symlink);
  CHECK_FALSE(fake.exists("/host/proc/self/ns/pid.symlink"));
  CHECK(os.stat("/host/sys/empty").value().kind == FileKind::directory);
  CHECK(os.list_dir("/host/proc/self/ns").value() == std::vector<std::string>{"pid"});
}

TEST_CASE("fake: scripted answers and their absence", "[fake]") {
  FakePlatform fake;
  FakePlatform& os = fake;
  CHECK(os.kernel_info().error().name == "ENOSYS");
  CHECK(os.cpuid(0, 0).error().name == "ENOSYS");
  fake.cpuid_leaves[0] = CpuidRegisters{1, 2, 3, 4};
  CHECK(os.cpuid(0, 0).value().ecx == 3);
  CHECK(os.cpuid(7, 0).value().eax == 0);  // an unknown leaf reads as zeros, like the CPU

  fake.fs("/", FsInfo{true, 0x794c7630, 10, 0}).fs("/data", FsInfo{false, 0xEF53, 20, 5});
  fake.dir("/data/x").dir("/datax");
  CHECK(os.fs_info("/data/x").value().fs_magic == 0xEF53);  // the longest covering prefix
  CHECK(os.fs_info("/datax").value().read_only);
  CHECK(os.fs_info("/missing").error().name == "ENOENT");

  fake.special("/run/live.sock", FileKind::socket).special("/run/stale.sock", FileKind::socket);
  fake.connect_errors["/run/live.sock"] = "";
  CHECK(os.connect_unix("/run/live.sock", 100ms).ok());
  CHECK(os.connect_unix("/run/stale.sock", 100ms).error().name == "ECONNREFUSED");
  CHECK(os.connect_unix("/run/none.sock", 100ms).error().name == "ENOENT");

  fake.environment["NODE_NAME"] = "worker-1";
  CHECK(os.env("NODE_NAME") == std::optional<std::string>("worker-1"));
  CHECK_FALSE(os.env("POD_NAME").has_value());
  CHECK(os.process_alive(os.self_pid()));
  CHECK_FALSE(os.process_alive(1));

  CHECK(os.burn_cpu(2, 100ms).error().name == "ENOSYS");
  fake.burn = [](int threads, std::chrono::milliseconds duration) -> Result<BurnSample> {
    return BurnSample{threads, duration, duration * threads};
  };
  CHECK(os.burn_cpu(2, 100ms).value().cpu == 200ms);

  MemoryTrialPlan plan;
  plan.stop_at_bytes = 123;
  CHECK(os.run_memory_trial(plan).error().name == "ENOSYS");
  REQUIRE(fake.memory_trials_run.size() == 1);
  CHECK(fake.memory_trials_run[0].stop_at_bytes == 123);
}
