// The shared parsers and verdict rules every probe leans on: probes/common/text.hpp,
// mountinfo.hpp and judge.hpp, table-driven over the edge cases the kernel really produces.
#include <catch2/catch.hpp>

#include <future>
#include <thread>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "platform/fake/fake_platform.hpp"
#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/mountinfo.hpp"
#include "probes/common/text.hpp"
#include "probes/common/worker.hpp"

using namespace capprobe::probes;
using Strings = std::vector<std::string>;

// --- text.hpp ----------------------------------------------------------------------------

TEST_CASE("join, ends_with and capitalized") {
  CHECK(text::join({}) == "");
  CHECK(text::join({"a"}) == "a");
  CHECK(text::join({"a", "", "c"}) == "a, , c");
  CHECK(text::join({"a", "b"}, "+") == "a+b");
  CHECK(text::ends_with("x.sock", ".sock"));
  CHECK(text::ends_with(".sock", ".sock"));
  CHECK_FALSE(text::ends_with("sock", ".sock"));
  CHECK(text::ends_with("anything", ""));
  CHECK(text::capitalized("runs as root") == "Runs as root");
  CHECK(text::capitalized("/ is writable") == "/ is writable");
  CHECK(text::capitalized("REQUESTED") == "REQUESTED");
  CHECK(text::capitalized("").empty());
}

TEST_CASE("trim, split, split_whitespace, lines, starts_with") {
  CHECK(text::trim(" \t a b \r\n") == "a b");
  CHECK(text::trim("   ").empty());
  CHECK(text::trim("").empty());

  CHECK(text::split("a,,b", ',') == Strings{"a", "", "b"});
  CHECK(text::split("", ',') == Strings{""});
  CHECK(text::split(",", ',') == Strings{"", ""});
  CHECK(text::split("abc", ',') == Strings{"abc"});

  CHECK(text::split_whitespace("  a \t b\n\nc  ") == Strings{"a", "b", "c"});
  CHECK(text::split_whitespace(" \t\n").empty());

  CHECK(text::lines("a\nb\n") == Strings{"a", "b"});
  CHECK(text::lines("a\n\nb") == Strings{"a", "", "b"});
  CHECK(text::lines("").empty());
  CHECK(text::lines("\n") == Strings{""});  // one empty line
  CHECK(text::lines("only") == Strings{"only"});

  CHECK(text::starts_with("CapEff:", "Cap"));
  CHECK(text::starts_with("x", ""));
  CHECK_FALSE(text::starts_with("Ca", "Cap"));
}

TEST_CASE("parse_int and parse_uint accept whole numbers only") {
  struct Case {
    const char* text;
    std::optional<std::int64_t> value;
  };
  const std::vector<Case> ints = {
      {"42", 42},
      {" -7 \n", -7},
      {"0", 0},
      {"9223372036854775807", std::numeric_limits<std::int64_t>::max()},
      {"-9223372036854775808", std::numeric_limits<std::int64_t>::min()},
      {"9223372036854775808", std::nullopt},  // overflow is no number, not a wrapped one
      {"+5", std::nullopt},
      {"", std::nullopt},
      {"  ", std::nullopt},
      {"12a", std::nullopt},
      {"1 2", std::nullopt},
      {"0x10", std::nullopt},
      {"1.5", std::nullopt},
  };
  for (const auto& c : ints) {
    INFO('"' << c.text << '"');
    CHECK(text::parse_int(c.text) == c.value);
  }
  CHECK(text::parse_uint("18446744073709551615") == std::numeric_limits<std::uint64_t>::max());
  CHECK(text::parse_uint("18446744073709551616") == std::nullopt);
  CHECK(text::parse_uint("-1") == std::nullopt);
  CHECK(text::parse_uint(" 128\n") == 128u);
  CHECK(text::parse_uint("") == std::nullopt);
}

TEST_CASE("parse_hex reads capability masks with or without 0x") {
  struct Case {
    const char* text;
    std::optional<std::uint64_t> value;
  };
  const std::vector<Case> cases = {
      {"ff", 0xff},
      {"0xFF", 0xff},
      {"0Xa", 0xa},
      {"000001fffeffffff", 0x1fffeffffffull},
      {" a80425fb\n", 0xa80425fbull},
      {"ffffffffffffffff", ~0ull},
      {"10000000000000000", std::nullopt},  // 65 bits
      {"0x", std::nullopt},
      {"", std::nullopt},
      {"g", std::nullopt},
      {"-1", std::nullopt},
      {"ff ff", std::nullopt},
  };
  for (const auto& c : cases) {
    INFO('"' << c.text << '"');
    CHECK(text::parse_hex(c.text) == c.value);
  }
}

TEST_CASE("parse_double takes finite decimal numbers, whatever the locale") {
  struct Case {
    const char* text;
    std::optional<double> value;
  };
  const std::vector<Case> cases = {
      {"0.5", 0.5},
      {" 2 \n", 2.0},
      {"1e3", 1000.0},
      {"-0.25", -0.25},
      {"nan", std::nullopt},
      {"inf", std::nullopt},
      {"1e999", std::nullopt},
      {"1,5", std::nullopt},
      {"0x1p3", std::nullopt},
      {"", std::nullopt},
      {"max", std::nullopt},
      {"1.5s", std::nullopt},
  };
  for (const auto& c : cases) {
    INFO('"' << c.text << '"');
    CHECK(text::parse_double(c.text) == c.value);
  }
}

TEST_CASE("parse_cpu_list edge cases") {
  using Cpus = std::vector<int>;
  struct Case {
    const char* text;
    std::optional<Cpus> cpus;
  };
  const std::vector<Case> cases = {
      {"", Cpus{}},
      {"\n", Cpus{}},
      {"0", Cpus{0}},
      {"0-3", Cpus{0, 1, 2, 3}},
      {"0-3,8,10-11\n", Cpus{0, 1, 2, 3, 8, 10, 11}},
      {"3,1,2", Cpus{1, 2, 3}},             // sorted
      {"1,1", Cpus{1}},                     // de-duplicated
      {"0-3,2-5", Cpus{0, 1, 2, 3, 4, 5}},  // overlapping ranges merge
      {"5-5", Cpus{5}},
      {" 0 - 1 , 4 ", Cpus{0, 1, 4}},
      {"2147483647", Cpus{std::numeric_limits<int>::max()}},
      {"3-1", std::nullopt},
      {"-1", std::nullopt},
      {"1-", std::nullopt},
      {"1,,2", std::nullopt},
      {"0-3,", std::nullopt},
      {",", std::nullopt},
      {"a", std::nullopt},
      {"0-a", std::nullopt},
      {"1-2-3", std::nullopt},
      {"4294967296", std::nullopt},  // does not fit an int: must not wrap to CPU 0
      {"4294967296-4294967297", std::nullopt},
      {"0-70000", std::nullopt},  // a range this long is garbage, not a machine
  };
  for (const auto& c : cases) {
    INFO('"' << c.text << '"');
    CHECK(text::parse_cpu_list(c.text) == c.cpus);
  }
}

TEST_CASE("format_cpu_list compresses runs and round-trips parse_cpu_list") {
  CHECK(text::format_cpu_list({0, 1, 2, 3, 8, 10, 11}) == "0-3,8,10-11");
  CHECK(text::format_cpu_list({}).empty());
  CHECK(text::format_cpu_list({5}) == "5");
  CHECK(text::format_cpu_list({1, 3}) == "1,3");
  CHECK(text::format_cpu_list({0, 1}) == "0-1");
  for (const char* list : {"0", "0-63", "0,2,4-7,9", "1-2,100-101"})
    CHECK(text::format_cpu_list(*text::parse_cpu_list(list)) == list);
}

TEST_CASE("key_values reads 'Key:<tab>value' and 'key value' lines") {
  const auto status = text::key_values(
      "Name:\tcat\nUid:\t0\t0\t0\t0\nGroups:\t \nno separator here\nName:\tlast:wins\n", ':');
  CHECK(status.at("Uid") == "0\t0\t0\t0");
  CHECK(status.at("Groups").empty());
  CHECK(status.at("Name") == "last:wins");  // split at the first separator; a repeat wins
  CHECK(status.count("no separator here") == 0);

  const auto stat = text::key_values("usage_usec 1234\nuser_usec 1000\nnr_periods 0\n", ' ');
  CHECK(stat.size() == 3);
  CHECK(stat.at("usage_usec") == "1234");
  CHECK(text::key_values("", ':').empty());
}

// --- mountinfo.hpp -----------------------------------------------------------------------

TEST_CASE("parse_mountinfo reads every field of proc(5)'s example line") {
  const auto mounts = parse_mountinfo(
      "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n");
  REQUIRE(mounts.size() == 1);
  const auto& m = mounts[0];
  CHECK(m.id == 36);
  CHECK(m.parent_id == 35);
  CHECK(m.device == "98:0");
  CHECK(m.root == "/mnt1");
  CHECK(m.mount_point == "/mnt2");
  CHECK(m.mount_options == Strings{"rw", "noatime"});
  CHECK(m.optional_fields == Strings{"master:1"});
  CHECK(m.fs_type == "ext3");
  CHECK(m.source == "/dev/root");
  CHECK(m.super_options == Strings{"rw", "errors=continue"});
  CHECK_FALSE(m.read_only());
  CHECK(m.has_option("noatime"));
  CHECK(m.has_option("errors=continue"));
  CHECK_FALSE(m.has_option("ro"));
}

TEST_CASE("parse_mountinfo: optional fields, none or several") {
  const auto mounts = parse_mountinfo(
      "22 1 0:21 / /sys ro,nosuid,nodev - sysfs sysfs rw\n"
      "1521 1490 0:93 / /proc rw shared:5 master:2 propagate_from:1 unbindable - proc proc rw\n");
  REQUIRE(mounts.size() == 2);
  CHECK(mounts[0].optional_fields.empty());
  CHECK(mounts[0].read_only());
  CHECK(mounts[1].optional_fields ==
        Strings{"shared:5", "master:2", "propagate_from:1", "unbindable"});
  CHECK(mounts[1].fs_type == "proc");
}

TEST_CASE("parse_mountinfo decodes octal escapes in paths and sources") {
  const auto mounts = parse_mountinfo(
      "40 30 8:1 /a\\040b /mnt/my\\040dir rw - ext4 /dev/disk\\040one rw\n"
      "41 30 8:1 / /mnt/tab\\011and\\012newline\\134slash rw - ext4 /dev/sda1 rw\n"
      "42 30 8:1 / /mnt/not\\9ab\\04 rw - ext4 /dev/sda1 rw\n");
  REQUIRE(mounts.size() == 3);
  CHECK(mounts[0].root == "/a b");
  CHECK(mounts[0].mount_point == "/mnt/my dir");
  CHECK(mounts[0].source == "/dev/disk one");
  CHECK(mounts[1].mount_point == "/mnt/tab\tand\nnewline\\slash");
  CHECK(mounts[2].mount_point == "/mnt/not\\9ab\\04");  // not an escape: kept as written
}

TEST_CASE("parse_mountinfo keeps an empty source apart from the super options") {
  // `mount -t tmpfs "" /mnt`: the kernel prints the empty source between two spaces.
  const auto mounts =
      parse_mountinfo("45 30 0:40 / /mnt rw,relatime shared:20 - tmpfs  rw,size=1024k\n");
  REQUIRE(mounts.size() == 1);
  CHECK(mounts[0].fs_type == "tmpfs");
  CHECK(mounts[0].source.empty());
  CHECK(mounts[0].super_options == Strings{"rw", "size=1024k"});
}

TEST_CASE("parse_mountinfo skips malformed lines and keeps the good ones") {
  const auto mounts = parse_mountinfo(
      "\n"
      "36 35 98:0 /mnt1 /mnt2 rw - ext3\n"             // no source
      "36 35 98:0 /mnt1 /mnt2 rw ext3 /dev/root rw\n"  // no separator
      "x 35 98:0 / /a rw - ext4 /dev/sda rw\n"         // id not a number
      "36 35 98:0 / rw - ext4 /dev/sda rw\n"           // too few fields before the separator
      "37 35 98:0 / /good rw - ext4 /dev/sda rw\r\n"   // a CR line end does not hurt
      "garbage\n");
  REQUIRE(mounts.size() == 1);
  CHECK(mounts[0].mount_point == "/good");
  CHECK(mounts[0].super_options == Strings{"rw"});
  CHECK(parse_mountinfo("").empty());
}

TEST_CASE("mount_containing picks the longest mount point on a path boundary") {
  const auto mounts = parse_mountinfo(
      "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
      "2 1 8:2 / /var rw - ext4 /dev/sda2 rw\n"
      "3 2 8:3 / /var/lib rw - ext4 /dev/sda3 rw\n"
      "4 1 0:50 / /data ro - tmpfs tmpfs rw\n"
      "5 1 0:51 / /data rw - tmpfs second rw\n");  // mounted over the first /data
  struct Case {
    const char* path;
    const char* source;
  };
  const std::vector<Case> cases = {
      {"/var/lib/foo", "/dev/sda3"}, {"/var/lib", "/dev/sda3"},  {"/var", "/dev/sda2"},
      {"/variable", "/dev/sda1"},    {"/var/libx", "/dev/sda2"}, {"/", "/dev/sda1"},
      {"/etc/passwd", "/dev/sda1"},  {"/data/", "second"},       {"/data/x", "second"},
  };
  for (const auto& c : cases) {
    INFO(c.path);
    const auto found = mount_containing(mounts, c.path);
    REQUIRE(found);
    CHECK(found->source == c.source);
  }
  CHECK_FALSE(mount_containing({}, "/"));
  const auto no_root = parse_mountinfo("2 1 8:2 / /var rw - ext4 /dev/sda2 rw\n");
  CHECK_FALSE(mount_containing(no_root, "/etc"));
  CHECK(mount_containing(no_root, "/var/log"));
}

TEST_CASE("at_or_under stops at path-component boundaries") {
  CHECK(at_or_under("/proc", "/proc"));
  CHECK(at_or_under("/proc/1/ns", "/proc"));
  CHECK_FALSE(at_or_under("/procfs", "/proc"));
  CHECK_FALSE(at_or_under("/pro", "/proc"));
  CHECK(at_or_under("/anything", "/"));
  CHECK(at_or_under("/", "/"));
  CHECK_FALSE(at_or_under("relative", "/"));
  CHECK(at_or_under("/kubepods/pod1/c1", "/kubepods"));
  CHECK_FALSE(at_or_under("/kubepods-burstable", "/kubepods"));
}

TEST_CASE("visible_mounts keeps the last mount at each point, in mount order") {
  const auto mounts = parse_mountinfo(
      "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
      "4 1 0:50 / /data ro - tmpfs first rw\n"
      "6 1 0:52 / /logs rw - tmpfs logs rw\n"
      "5 1 0:51 / /data rw - tmpfs second rw\n");
  const auto visible = visible_mounts(mounts);
  REQUIRE(visible.size() == 3);
  CHECK(visible[0].mount_point == "/");
  CHECK(visible[1].source == "logs");
  CHECK(visible[2].source == "second");
}

TEST_CASE("read_mounts keeps the read error as a fact") {
  capprobe::platform::FakePlatform os;
  const auto missing = read_mounts(os);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().name == "ENOENT");
  os.file(kMountinfoPath, "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n");
  const auto read = read_mounts(os);
  REQUIRE(read);
  CHECK(read.value().size() == 1);
}

// --- json.hpp ----------------------------------------------------------------------------

TEST_CASE("json_or_null keeps unknown apart from a value") {
  CHECK(json_or_null(std::optional<int>{}).is_null());
  CHECK(json_or_null(std::optional<int>{0}) == 0);
  CHECK(json_or_null(std::optional<bool>{false}) == false);
  CHECK(json_or_null(std::optional<std::string>{"x"}) == "x");
}

// --- judge.hpp ---------------------------------------------------------------------------

TEST_CASE("judge_switch: in effect, requested, both or neither") {
  struct Case {
    const char* name;
    bool in_effect;
    std::optional<bool> requested;
    Status status;
    std::string summary_starts, summary_has;
  };
  const std::vector<Case> cases = {
      {"in effect as asked", true, true, Status::supported, "pid 1 is systemd", ""},
      {"in effect, not asked", true, false, Status::supported, "pid 1 is systemd",
       "(although hostPID was not requested)"},
      {"in effect, request unknown", true, std::nullopt, Status::supported, "pid 1 is systemd", ""},
      {"asked and ignored", false, true, Status::unsupported,
       "REQUESTED BUT IGNORED: hostPID was requested but is not in effect: pid 1 is systemd", ""},
      {"not asked, not in effect", false, false, Status::untested, "pid 1 is systemd",
       "hostPID was not requested"},
      {"request unknown, not in effect", false, std::nullopt, Status::untested, "pid 1 is systemd",
       "hostPID request unknown"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CapabilityResult result;
    result.id = "host.pid";
    result.requested = c.requested;
    judge_switch(result, c.in_effect, "hostPID", "pid 1 is systemd");
    INFO(result.summary);
    CHECK(result.status == c.status);
    CHECK(result.summary.rfind(c.summary_starts, 0) == 0);
    CHECK_THAT(result.summary, Catch::Contains(c.summary_has));
    CHECK(result.requested == c.requested);  // the judge never rewrites what was asked
    CHECK(result.requested_but_ignored() == (c.status == Status::unsupported));
    if (c.status != Status::unsupported)
      CHECK(result.summary.find(std::string(kIgnoredPrefix)) == std::string::npos);
  }
}

TEST_CASE("judge_switch: 'in effect, not asked' names the field exactly once") {
  CapabilityResult result;
  result.requested = false;
  judge_switch(result, true, "hostNetwork", "shares the node's network namespace");
  CHECK(result.summary ==
        "shares the node's network namespace (although hostNetwork was not requested)");
}

TEST_CASE("mark_ignored words every ignored request the same way") {
  CapabilityResult result;
  result.status = Status::supported;
  result.requested = true;
  mark_ignored(result, "readOnlyRootFilesystem", "a write to / succeeded");
  CHECK(result.status == Status::unsupported);
  CHECK(result.summary ==
        "REQUESTED BUT IGNORED: readOnlyRootFilesystem was requested but is not in effect: a "
        "write to / succeeded");
  CHECK(result.requested_but_ignored());
  CHECK(kIgnoredPrefix == "REQUESTED BUT IGNORED: ");
}

TEST_CASE("requested_when: unknown, not 'not requested', when the pod spec's container is") {
  capprobe::probes::PodRequests requests;
  CHECK(requested_when(false, requests) == std::nullopt);  // no pod spec
  CHECK(requested_when(true, requests) == true);
  requests.from_pod_spec = true;
  CHECK(requested_when(false, requests) == false);  // the Kubernetes default
  requests.container_unknown = "the pod has 2 containers (a, b)";
  CHECK(requested_when(false, requests) == std::nullopt);
  CHECK(requested_when(true, requests) == true);  // a pod-level part asked for it
}

TEST_CASE("explain_refused: a request only refused fields make is unknown, and why") {
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.os_name = "windows";
  requests.refused = {
      {"spec.securityContext.runAsUser", "security.identity"},
      {"spec.hostPID", "host.pid"},
      {"spec.securityContext.sysctls", ""},
      {"spec.containers[0].securityContext.runAsGroup", "security.identity"},
      {"spec.ephemeralContainers[0].securityContext.runAsUser", "security.identity"}};
  struct Case {
    std::string id;
    std::optional<bool> requested;  // as the probe's judge set it
    std::optional<bool> requested_after;
    std::string summary_after;
  };
  const Case cases[] = {
      // "Not requested" would hide that the spec asked: unknown, with the fields named.
      {"security.identity", false, std::nullopt,
       "runs as uid 0; the request is unknown because the pod spec sets "
       "spec.securityContext.runAsUser, spec.containers[0].securityContext.runAsGroup and "
       "spec.ephemeralContainers[0].securityContext.runAsUser, which the API server refuses for "
       "a windows pod"},
      // Already unknown (the parser left hostPID unknown): the reason is added.
      {"host.pid", std::nullopt, std::nullopt,
       "runs as uid 0; the request is unknown because the pod spec sets spec.hostPID, which the "
       "API server refuses for a windows pod"},
      // A request that valid fields make true stays true (runAsUserName, say).
      {"security.identity", true, true, "runs as uid 0"},
      // Fields that feed no probe's request, and capabilities no refused field feeds: untouched.
      {"security.capabilities", false, false, "runs as uid 0"},
      {"resources.cpu_limit", true, true, "runs as uid 0"},
  };
  for (const auto& c : cases) {
    INFO(c.id);
    CapabilityResult result;
    result.id = c.id;
    result.requested = c.requested;
    result.summary = "runs as uid 0";
    explain_refused(result, requests);
    CHECK(result.requested == c.requested_after);
    CHECK(result.summary == c.summary_after);
  }
}

TEST_CASE("explain_unknown_container also explains refused fields, before the container") {
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.os_name = "linux";
  requests.container_unknown = "the pod has 2 containers (a, b)";
  requests.refused = {{"spec.securityContext.windowsOptions", "security.identity"}};
  CapabilityResult result;
  result.id = "security.identity";
  result.summary = "runs as uid 0";
  explain_unknown_container(result, requests, SpecScope::container);
  CHECK(result.requested == std::nullopt);
  CHECK(result.summary ==
        "runs as uid 0; the request is unknown because the pod spec sets "
        "spec.securityContext.windowsOptions, which the API server refuses for a linux pod; the "
        "request is unknown because the pod has 2 containers (a, b)");

  // Nothing refused: as before, only the container's reason.
  requests.refused.clear();
  CapabilityResult plain;
  plain.id = "security.identity";
  plain.summary = "runs as uid 0";
  explain_unknown_container(plain, requests, SpecScope::container);
  CHECK(plain.summary ==
        "runs as uid 0; the request is unknown because the pod has 2 containers "
        "(a, b)");
}

TEST_CASE("Worker: steps share one thread until one overruns, then a new thread takes over",
          "[worker]") {
  using capprobe::probes::Worker;
  using std::chrono::milliseconds;
  Worker worker;
  const auto first = worker.run(milliseconds(10000), [] { return std::this_thread::get_id(); });
  const auto second = worker.run(milliseconds(10000), [] { return std::this_thread::get_id(); });
  REQUIRE(first.done());
  REQUIRE(second.done());
  CHECK(*first.value == *second.value);
  CHECK(*first.value != std::this_thread::get_id());

  // A step that never returns in time (a hung mount): the caller stops waiting, the thread is
  // left to it. The gate is shared, so the abandoned step never reads this frame.
  auto gate = std::make_shared<std::promise<void>>();
  auto opened = gate->get_future().share();
  const auto stuck = worker.run(milliseconds(50), [opened] {
    opened.wait();
    return 1;
  });
  CHECK(stuck.timed_out);
  CHECK_FALSE(stuck.done());
  CHECK(stuck.why_not(milliseconds(50)) == "timed out after 50 ms (the filesystem did not answer)");
  const auto after = worker.run(milliseconds(10000), [] { return std::this_thread::get_id(); });
  REQUIRE(after.done());
  CHECK(*after.value != *first.value);
  gate->set_value();  // let the abandoned thread end

  // No time left: nothing is started.
  bool ran = false;
  const auto none = worker.run(milliseconds(0), [&ran] { return ran = true; });
  CHECK_FALSE(none.done());
  CHECK(none.failure == "out of time");
  CHECK_FALSE(ran);

  // A bug in a step reaches the caller as if called inline.
  CHECK_THROWS_WITH(
      worker.run(milliseconds(10000), []() -> int { throw std::runtime_error("a bug"); }), "a bug");
}
