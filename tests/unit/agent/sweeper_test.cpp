// The residue sweeper over the fake platform: it removes dead runs' scratch entries in the
// places probes write, and nothing else.
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>

#include "agent/sweeper.hpp"
#include "platform/fake/fake_platform.hpp"
#include "probes/common/bounded.hpp"

using namespace capprobe;
using agent::scratch_pid;

namespace {

// mountinfo lines: id parent major:minor root mount-point options - type source super-options
std::string mount_line(int id, const std::string& point, const std::string& options,
                       const std::string& type) {
  return std::to_string(id) + " 1 0:" + std::to_string(id) + " / " + point + " " + options + " - " +
         type + " src rw\n";
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

TEST_CASE("scratch names and their pids", "[sweeper]") {
  struct Case {
    const char* name;
    std::optional<int> pid;
  };
  const Case cases[] = {
      {".capprobe-812-5f3a0b", 812},
      {".capprobe-812-5f3a0b-symlink", 812},
      {".capprobe-1-abcdef-output", 1},
      {".capprobe-812-", std::nullopt},
      {".capprobe-812", std::nullopt},
      {".capprobe--abc", std::nullopt},
      {".capprobe-0-abc", std::nullopt},
      {".capprobe-12a-abc", std::nullopt},
      {".capprobe-1234567890-abc", std::nullopt},  // longer than any pid
      {"capprobe-812-abc", std::nullopt},
      {".capprobe812-abc", std::nullopt},
      {"x.capprobe-812-abc", std::nullopt},
      {".bash_history", std::nullopt},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(scratch_pid(c.name) == c.pid);
  }
}

TEST_CASE("stale residue: dead pid (or our own) and older than the age guard", "[sweeper]") {
  const std::int64_t now = 1'800'000'000;
  const std::chrono::seconds min_age{600};
  struct Case {
    agent::ResidueFacts facts;
    bool stale;
  };
  const Case cases[] = {
      {{".capprobe-77-abcdef", 4242, false, now - 601, now}, true},
      {{".capprobe-77-abcdef", 4242, false, now - 600, now}, true},
      {{".capprobe-77-abcdef", 4242, false, now - 599, now}, false},    // fresh: maybe a live
                                                                        // run in another PID ns
      {{".capprobe-77-abcdef", 4242, true, now - 86400, now}, false},   // alive here
      {{".capprobe-4242-abcdef", 4242, true, now - 86400, now}, true},  // ours, from before
      {{".capprobe-4242-abcdef", 4242, true, now - 10, now}, false},
      {{".capprobe-77-abcdef", 4242, false, now + 3600, now}, false},  // clock skew: keep
      {{"notes.txt", 4242, false, 0, now}, false},
  };
  for (const auto& c : cases) {
    INFO(c.facts.name << " alive=" << c.facts.pid_alive << " age=" << now - c.facts.modified_unix);
    CHECK(agent::is_stale_residue(c.facts, min_age) == c.stale);
  }
}

TEST_CASE("sweep places: the temp dir, the root's, then the volumes fs.symlink may write in",
          "[sweeper]") {
  platform::FakePlatform os;
  os.tmp = "/scratch/tmp";
  os.dir("/scratch/tmp").dir("/etc").dir("/var/tmp").dir("/data").dir("/ro").dir("/proc");
  os.file("/etc/hosts", "127.0.0.1 localhost\n");
  std::string mountinfo =
      mount_line(1, "/", "rw,relatime", "overlay") + mount_line(2, "/proc", "rw,nosuid", "proc") +
      mount_line(3, "/data", "rw,relatime", "ext4") + mount_line(4, "/ro", "ro,relatime", "ext4") +
      mount_line(5, "/etc/hosts", "rw,relatime", "ext4") +  // kubelet's file mount
      mount_line(6, "/gone", "rw", "tmpfs") +    // listed, but nothing there: swept as empty
      mount_line(7, "/var/tmp", "rw", "tmpfs");  // already listed
  for (int i = 0; i < 20; ++i) {
    const auto point = "/vol" + std::to_string(i);
    os.dir(point);
    mountinfo += mount_line(10 + i, point, "rw", "ext4");
  }
  os.file("/proc/self/mountinfo", mountinfo);

  // Only the mount list decides: a place is never touched here, since it may be a hung mount.
  const auto found = agent::sweep_places(os);
  const auto& places = found.places;
  // The temp dir and 15 volumes (16 places, as fs.symlink writes in), and the root's three.
  REQUIRE(places.size() == 18);
  CHECK(std::vector<std::string>(places.begin(), places.begin() + 6) ==
        std::vector<std::string>{"/scratch/tmp", "/", "/etc", "/var/tmp", "/data", "/gone"});
  CHECK(contains(places, "/vol11"));
  CHECK_FALSE(contains(places, "/vol12"));  // beyond the limit, and named as such
  CHECK(found.over_limit == std::vector<std::string>{"/vol12", "/vol13", "/vol14", "/vol15",
                                                     "/vol16", "/vol17", "/vol18", "/vol19"});
  CHECK_FALSE(contains(places, "/ro"));
  CHECK_FALSE(contains(places, "/proc"));
  CHECK_FALSE(contains(places, "/etc/hosts"));

  platform::FakePlatform bare;  // no mountinfo at all: the fixed places still
  CHECK(agent::sweep_places(bare).places ==
        std::vector<std::string>{"/tmp", "/", "/etc", "/var/tmp"});
}

TEST_CASE("the sweep removes dead runs' residue and nothing else", "[sweeper]") {
  platform::FakePlatform os;  // pid 4242; every fake file is old (mtime 0)
  os.alive_pids = {4242, 77};
  os.file("/proc/self/mountinfo", mount_line(1, "/", "rw", "overlay") +
                                      mount_line(2, "/data", "rw", "ext4") +
                                      mount_line(3, "/ro", "ro", "ext4"));
  os.file("/tmp/.capprobe-999-abcdef-symlink/dir/file", "x");
  os.link("/tmp/.capprobe-999-abcdef-symlink/link", "/etc/passwd");
  os.file("/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  os.file("/.capprobe-999-abcdef-rootwrite", "");
  os.file("/etc/.capprobe-999-abcdef-rootwrite", "");
  os.file("/var/tmp/.capprobe-4242-000001-rootwrite", "");  // our pid, an earlier process
  os.file("/data/.capprobe-555-abcdef-symlink/f", "x");
  os.file("/tmp/.capprobe-77-abcdef-symlink/f", "x");  // pid 77 is alive: a running capprobe
  os.file("/ro/.capprobe-555-abcdef-symlink", "");     // read-only mount: not a place
  os.file("/tmp/.capprobe-notapid-x", "");
  os.file("/tmp/capprobe-999-abcdef", "");
  os.file("/tmp/unrelated", "");
  os.link("/data/.capprobe-556-abcdef-link", "/etc");  // a link: removed as a link

  const auto outcome = agent::sweep_residue(os);
  CHECK(outcome.failed.empty());
  std::vector<std::string> removed = outcome.removed;
  std::sort(removed.begin(), removed.end());
  CHECK(removed == std::vector<std::string>{
                       "/.capprobe-999-abcdef-rootwrite",
                       "/data/.capprobe-555-abcdef-symlink",
                       "/data/.capprobe-556-abcdef-link",
                       "/etc/.capprobe-999-abcdef-rootwrite",
                       "/tmp/.capprobe-999-abcdef-symlink",
                       "/var/tmp/.capprobe-4242-000001-rootwrite",
                   });
  CHECK_FALSE(os.exists("/tmp/.capprobe-999-abcdef-symlink/dir/file"));
  CHECK(os.exists("/etc/passwd"));  // the link's target is untouched
  CHECK(os.exists("/etc"));
  CHECK(os.exists("/tmp/.capprobe-77-abcdef-symlink/f"));
  CHECK(os.exists("/ro/.capprobe-555-abcdef-symlink"));
  CHECK(os.exists("/tmp/.capprobe-notapid-x"));
  CHECK(os.exists("/tmp/capprobe-999-abcdef"));
  CHECK(os.exists("/tmp/unrelated"));

  // A second sweep finds nothing more.
  CHECK(agent::sweep_residue(os).removed.empty());
}

TEST_CASE("the age guard keeps fresh residue, a failed removal is reported, not fatal",
          "[sweeper]") {
  platform::FakePlatform os;
  os.file("/tmp/.capprobe-999-abcdef-a", "");
  os.file("/tmp/.capprobe-998-abcdef-b", "");
  // An age guard longer than the fake's clock has run makes every entry "fresh".
  agent::SweepScope forever_young;
  forever_young.min_age = std::chrono::hours(24 * 365 * 100);
  CHECK(agent::sweep_residue(os, forever_young).removed.empty());
  CHECK(os.exists("/tmp/.capprobe-999-abcdef-a"));

  os.fail("remove_tree", "/tmp/.capprobe-999-abcdef-a", "EACCES");
  const auto outcome = agent::sweep_residue(os);
  CHECK(outcome.failed == std::vector<std::string>{"/tmp/.capprobe-999-abcdef-a: EACCES"});
  CHECK(outcome.removed == std::vector<std::string>{"/tmp/.capprobe-998-abcdef-b"});
  CHECK(os.exists("/tmp/.capprobe-999-abcdef-a"));
}

TEST_CASE("an unlistable place is skipped, the others are still swept", "[sweeper]") {
  platform::FakePlatform os;
  os.file("/etc/.capprobe-999-abcdef-x", "");
  os.fail("list_through", "/tmp", "EACCES");
  CHECK(agent::sweep_residue(os).removed ==
        std::vector<std::string>{"/etc/.capprobe-999-abcdef-x"});
}

TEST_CASE("a hung place is reported, not waited for, the other places are still swept",
          "[sweeper]") {
  // A mount whose server stopped answering (a hung NFS or FUSE volume): every call below it
  // blocks forever. The sweep must still finish, sweep the rest, and name the hung place.
  // Shared with the worker below: a worker a failing test leaves behind must not outlive it.
  const auto shared = std::make_shared<platform::FakePlatform>();
  auto& os = *shared;
  os.file("/proc/self/mountinfo", mount_line(1, "/", "rw", "overlay") +
                                      mount_line(2, "/hung", "rw", "fuse.sshfs") +
                                      mount_line(3, "/data", "rw", "ext4"));
  os.file("/hung/.capprobe-999-abcdef-symlink/f", "x");
  os.file("/data/.capprobe-999-abcdef-symlink/f", "x");
  os.file("/tmp/.capprobe-999-abcdef-output", "");
  os.hang("/hung");

  // Run the sweep itself under a generous bound, so that on a sweeper that waits for the hung
  // place this test fails instead of hanging.
  const auto run = probes::run_bounded(std::chrono::seconds(60), [shared] {
    agent::SweepScope scope;
    scope.limits = {std::chrono::milliseconds(2000), std::chrono::seconds(10)};
    return agent::sweep_residue(*shared, scope);
  });
  REQUIRE(run.done());
  const auto& outcome = *run.value;
  CHECK(os.hung_calls() >= 1);
  std::vector<std::string> removed = outcome.removed;
  std::sort(removed.begin(), removed.end());
  CHECK(removed == std::vector<std::string>{"/data/.capprobe-999-abcdef-symlink",
                                            "/tmp/.capprobe-999-abcdef-output"});
  REQUIRE(outcome.not_swept.size() == 1);
  CHECK(outcome.not_swept.front().rfind("/hung: timed out after 2000 ms", 0) == 0);
}

TEST_CASE("the sweep stops at its total budget and names what it did not reach", "[sweeper]") {
  const auto shared = std::make_shared<platform::FakePlatform>();
  auto& os = *shared;
  std::string mountinfo = mount_line(1, "/", "rw", "overlay");
  for (int i = 0; i < 3; ++i) {
    const auto point = "/hung" + std::to_string(i);
    mountinfo += mount_line(10 + i, point, "rw", "nfs4");
    os.dir(point);
    os.hang(point);
  }
  os.file("/proc/self/mountinfo", mountinfo);
  const auto run = probes::run_bounded(std::chrono::seconds(60), [shared] {
    agent::SweepScope scope;
    scope.limits = {std::chrono::milliseconds(200), std::chrono::milliseconds(300)};
    return agent::sweep_residue(*shared, scope);
  });
  REQUIRE(run.done());
  // The first hung place takes its 200 ms; the second gets the 100 ms left; the third none.
  const auto& skipped = run.value->not_swept;
  REQUIRE(skipped.size() == 3);
  CHECK(skipped[0].rfind("/hung0: timed out", 0) == 0);
  CHECK(skipped[2] == "/hung2: the sweep ran out of time");
}
