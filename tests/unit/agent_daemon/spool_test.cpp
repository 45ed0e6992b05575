// The spool: oldest-first order, the bound and its drop count, crash leftovers, restarts.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <set>

#include "agent/daemon/spool.hpp"
#include "temp_dir.hpp"

using namespace capprobe::agent::daemon;
using capprobe::test::slurp;
using capprobe::test::spit;
using capprobe::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<Spool> open_spool(const std::string& dir, SpoolLimits limits = {}) {
  auto opened = Spool::open(dir, limits);
  if (const auto* problem = std::get_if<std::string>(&opened)) FAIL(*problem);
  return std::get<std::unique_ptr<Spool>>(std::move(opened));
}

// Takes everything out oldest first, the way the agent delivers.
std::vector<std::string> drain(Spool& spool) {
  std::vector<std::string> bodies;
  while (const auto entry = spool.oldest()) {
    const auto body = spool.read(*entry);
    REQUIRE(body);
    bodies.push_back(*body);
    spool.remove(*entry);
  }
  return bodies;
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename());
  return names;
}

}  // namespace

TEST_CASE("spool file names sort in spooling order and parse back") {
  REQUIRE(spool_file_name(42, "8d5f2f0a-1b2c") == "00000000000000000042-8d5f2f0a-1b2c.json");
  REQUIRE(spool_file_name(9, "x") < spool_file_name(10, "a"));
  REQUIRE(spool_file_name(99999, "z") < spool_file_name(100000, "a"));
  const auto parsed = parse_spool_file_name(spool_file_name(123, "abc-DEF-9"));
  REQUIRE(parsed);
  REQUIRE(parsed->sequence == 123);
  REQUIRE(parsed->report_id == "abc-DEF-9");
  // An id that is not safe in a file name does not reach the file system.
  REQUIRE(spool_file_name(1, "../../etc/passwd") == "00000000000000000001-report.json");
  REQUIRE(spool_file_name(1, "") == "00000000000000000001-report.json");
  for (const char* bad : {"", "x.json", "0000000000000000004-a.json", "00000000000000000042-a.txt",
                          "0000000000000000004x-a.json", "00000000000000000042-.json",
                          "00000000000000000042-a b.json", ".tmp-00000000000000000042-a.json"}) {
    INFO(bad);
    REQUIRE_FALSE(parse_spool_file_name(bad));
  }
}

TEST_CASE("the spool gives reports back oldest first") {
  TempDir temp;
  auto spool = open_spool(temp / "spool");
  for (int i = 0; i < 12; ++i)
    REQUIRE(spool->put("id-" + std::to_string(i), "body " + std::to_string(i)) == "");
  REQUIRE(spool->depth() == 12);
  REQUIRE(spool->oldest()->report_id == "id-0");
  const auto bodies = drain(*spool);
  REQUIRE(bodies.size() == 12);
  for (int i = 0; i < 12; ++i) REQUIRE(bodies[i] == "body " + std::to_string(i));
  REQUIRE(spool->depth() == 0);
  REQUIRE(spool->bytes() == 0);
  REQUIRE(names_in(temp.path() / "spool").empty());
}

TEST_CASE("the spool directory is created private, with its parents") {
  TempDir temp;
  const auto dir = temp / "var/lib/capprobe/spool";
  auto spool = open_spool(dir);
  struct stat info {};
  REQUIRE(::stat(dir.c_str(), &info) == 0);
  REQUIRE((info.st_mode & 0777) == 0700);
  REQUIRE(spool->put("a", "x") == "");
  REQUIRE(::stat((dir + "/" + spool->oldest()->name).c_str(), &info) == 0);
  REQUIRE((info.st_mode & 0777) == 0600);
}

TEST_CASE("a spool path that is a file cannot be used") {
  TempDir temp;
  spit(temp.path() / "file", "x");
  auto opened = Spool::open(temp / "file", {});
  REQUIRE(std::holds_alternative<std::string>(opened));
  REQUIRE(std::get<std::string>(opened).find("not a directory") != std::string::npos);
}

TEST_CASE("at the report bound the oldest is dropped and counted") {
  TempDir temp;
  auto spool = open_spool(temp / "spool", {3, 1 << 20});
  for (const std::string n : {"0", "1", "2", "3", "4"})
    REQUIRE(spool->put("id-" + n, "b" + n) == "");
  REQUIRE(spool->depth() == 3);
  REQUIRE(spool->dropped() == 2);
  REQUIRE(drain(*spool) == std::vector<std::string>{"b2", "b3", "b4"});
  REQUIRE(names_in(temp.path() / "spool").empty());
}

TEST_CASE("at the byte bound the oldest are dropped until the new report fits") {
  TempDir temp;
  auto spool = open_spool(temp / "spool", {100, 2048});
  const std::string kilo(1000, 'k');
  REQUIRE(spool->put("a", kilo) == "");
  REQUIRE(spool->put("b", kilo) == "");
  REQUIRE(spool->dropped() == 0);
  REQUIRE(spool->put("c", std::string(1500, 'c')) == "");
  REQUIRE(spool->dropped() == 2);
  REQUIRE(spool->depth() == 1);
  REQUIRE(spool->bytes() == 1500);
  REQUIRE(spool->oldest()->report_id == "c");
}

TEST_CASE("a report larger than the whole spool is refused and counted, the rest kept") {
  TempDir temp;
  auto spool = open_spool(temp / "spool", {100, 2048});
  REQUIRE(spool->put("a", "small") == "");
  const auto problem = spool->put("huge", std::string(4096, 'h'));
  REQUIRE(problem.find("larger than the spool") != std::string::npos);
  REQUIRE(spool->dropped() == 1);
  REQUIRE(spool->depth() == 1);
  REQUIRE(spool->oldest()->report_id == "a");
}

TEST_CASE("the spool survives a restart and keeps its order across it") {
  TempDir temp;
  const auto dir = temp / "spool";
  {
    auto first = open_spool(dir);
    REQUIRE(first->put("one", "1") == "");
    REQUIRE(first->put("two", "22") == "");
  }
  auto second = open_spool(dir);
  REQUIRE(second->depth() == 2);
  REQUIRE(second->bytes() == 3);
  REQUIRE(second->put("three", "333") == "");  // numbered after what the first process left
  REQUIRE(drain(*second) == std::vector<std::string>{"1", "22", "333"});
}

TEST_CASE("a restart with a smaller bound drops the oldest at open") {
  TempDir temp;
  const auto dir = temp / "spool";
  {
    auto first = open_spool(dir, {10, 1 << 20});
    for (int i = 0; i < 5; ++i) REQUIRE(first->put("id" + std::to_string(i), "x") == "");
  }
  auto second = open_spool(dir, {2, 1 << 20});
  REQUIRE(second->depth() == 2);
  REQUIRE(second->dropped() == 3);
  REQUIRE(second->oldest()->report_id == "id3");
}

TEST_CASE("writes are atomic: a crash's temp file is never a report and is cleaned up") {
  TempDir temp;
  const auto dir = temp.path() / "spool";
  {
    auto spool = open_spool(dir.string());
    REQUIRE(spool->put("done", "complete") == "");
    // No temp file survives a completed write.
    for (const auto& name : names_in(dir)) REQUIRE(name.rfind(".tmp-", 0) != 0);
  }
  // What a crash between create and rename leaves behind: a half-written temp file.
  spit(dir / ".tmp-00000000000000000002-half.json", "{\"trunc");
  spit(dir / "notes.txt", "not ours");
  auto spool = open_spool(dir.string());
  REQUIRE(spool->depth() == 1);
  REQUIRE(spool->dropped() == 0);
  REQUIRE_FALSE(fs::exists(dir / ".tmp-00000000000000000002-half.json"));
  REQUIRE(fs::exists(dir / "notes.txt"));  // not ours to delete
  REQUIRE(drain(*spool) == std::vector<std::string>{"complete"});
}

TEST_CASE("a failed write stores nothing and says why") {
  TempDir temp;
  const auto dir = temp / "spool";
  auto spool = open_spool(dir);
  fs::remove_all(dir);  // the directory vanished under us
  const auto problem = spool->put("a", "x");
  REQUIRE_FALSE(problem.empty());
  REQUIRE(spool->depth() == 0);
  REQUIRE(spool->dropped() == 0);
}

TEST_CASE("removing is idempotent and discard counts a drop") {
  TempDir temp;
  auto spool = open_spool(temp / "spool");
  REQUIRE(spool->put("a", "x") == "");
  REQUIRE(spool->put("b", "y") == "");
  const auto a = *spool->oldest();
  spool->remove(a);
  spool->remove(a);
  REQUIRE(spool->depth() == 1);
  REQUIRE(spool->dropped() == 0);
  const auto b = *spool->oldest();
  fs::remove(temp.path() / "spool" / b.name);  // unreadable now
  REQUIRE_FALSE(spool->read(b));
  spool->discard(b);
  REQUIRE(spool->dropped() == 1);
  REQUIRE(spool->depth() == 0);
}
