// DESIGN.md "No residue": after capprobe runs, nothing named .capprobe-* of its own is left in
// /tmp, /, /etc or /var/tmp, also when an earlier run was killed in the middle.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/integration/support/report.hpp"
#include "tests/integration/support/run.hpp"
#include "tests/integration/support/sandbox.hpp"

namespace {

using namespace capprobe::it;
namespace fs = std::filesystem;

// capprobe's sweeper leaves fresh entries alone (a live run in another PID namespace may own
// them; agent/sweeper.hpp waits 10 minutes), so a crash is simulated as an old one.
constexpr auto kCrashAge = std::chrono::hours(2);

void backdate(const fs::path& path) {
  const auto then = std::chrono::system_clock::now() - kCrashAge;
  const timespec when{std::chrono::system_clock::to_time_t(then), 0};
  const timespec times[2] = {when, when};
  utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

// What a crashed run leaves behind: planted entries named like capprobe scratch of a dead
// process, removed here should capprobe's own sweep miss them.
class PlantedResidue {
 public:
  explicit PlantedResidue(pid_t dead_pid) {
    const auto stem = ".capprobe-" + std::to_string(dead_pid) + "-0123ab-";
    dir_ = fs::path("/tmp") / (stem + "symlink");
    fs::create_directories(dir_ / "sub");
    std::ofstream(dir_ / "sub" / "file") << "left by a crashed run\n";
    fs::create_symlink(dir_ / "sub" / "file", dir_ / "link");
    file_ = fs::path("/var/tmp") / (stem + "readonly");
    std::ofstream(file_) << "";
    backdate(dir_);
    backdate(file_);
  }
  ~PlantedResidue() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    fs::remove(file_, ignored);
  }
  std::vector<std::string> still_there() const {
    std::vector<std::string> left;
    for (const auto& path : {dir_, file_})
      if (fs::symlink_status(path).type() != fs::file_type::not_found) left.push_back(path);
    return left;
  }

 private:
  fs::path dir_;
  fs::path file_;
};

}  // namespace

TEST_CASE("no residue after a full and a quick run", "[residue]") {
  const auto before = capprobe_entries();
  for (const auto& args : {std::vector<std::string>{"probe", "--json"},
                           std::vector<std::string>{"probe", "--json", "--quick"}}) {
    std::vector<std::string> argv = {capprobe_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto run = capprobe::it::run(argv, kFullRunTimeout);
    INFO(describe(run));
    REQUIRE(run.exited_zero());
    CHECK(new_residue(before, capprobe_entries(), {run.pid}) == std::vector<std::string>{});
  }
}

TEST_CASE("no residue: what a killed run left is removed by a later run", "[residue]") {
  const auto before = capprobe_entries();
  // A real crash: SIGKILL while the probes work (a full run takes a second or more).
  const auto victim =
      capprobe::it::run({capprobe_path(), "probe", "--json"}, std::chrono::milliseconds(300));
  INFO(describe(victim));
  REQUIRE(victim.timed_out);
  const auto left = new_residue(before, capprobe_entries(), {victim.pid});
  INFO("the killed run left " << left.size() << " entries");
  for (const auto& path : left) backdate(path);
  // And a deterministic one, in case the kill fell between two probes' scratch lifetimes.
  const auto reaped = capprobe::it::run({"true"}, kQuickRunTimeout);
  REQUIRE(reaped.exited_zero());
  PlantedResidue planted(reaped.pid);

  const auto next =
      capprobe::it::run({capprobe_path(), "probe", "--json", "--quick"}, kQuickRunTimeout);
  INFO(describe(next));
  REQUIRE(next.exited_zero());
  CHECK(planted.still_there() == std::vector<std::string>{});
  CHECK(new_residue(before, capprobe_entries(), {victim.pid, next.pid}) ==
        std::vector<std::string>{});
}
