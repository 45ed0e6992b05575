// make_symlink, create_symbolic_link and create_junction, and what reading through a link
// proves, on Windows and under Wine, which differ: Wine 8's CreateSymbolicLinkW is a stub that
// answers TRUE and creates nothing, so there the platform's answer alone would claim a link that
// does not exist, and Wine cannot set reparse points, so it makes no junction either. Checking by
// reading through the link, as the fs.symlink probe does, tells the truth on both.
#include <windows.h>

#include <catch2/catch.hpp>

#include "probes/fs/symlink_windows.hpp"
#include "probes/requests.hpp"
#include "tests/windows/windows_test_support.hpp"

using namespace capprobe::platform;
using capprobe::testing::report_skip;
using capprobe::testing::Scratch;
using capprobe::testing::wine_version;

namespace {

// On Windows a token without SeCreateSymbolicLinkPrivilege, outside Developer Mode, may not
// create links: the machine's policy, not the code's fault.
bool may_not_link(const Result<Done>& made) {
  return !made.ok() && made.error().name == "ERROR_PRIVILEGE_NOT_HELD";
}

}  // namespace

TEST_CASE("make_symlink under Wine: the call answers success and creates nothing") {
  if (!wine_version()) return report_skip("a Wine behaviour; Windows runs the next tests");
  WindowsPlatform os;
  Scratch scratch(os);
  REQUIRE(os.create_file_exclusive(scratch / "target", "through").ok());
  REQUIRE(os.make_symlink(scratch / "target", scratch / "link").ok());  // Wine: TRUE
  // ...but nothing is there to read through or to look at.
  CHECK(os.read_through(scratch / "link", 100).error().name == "ERROR_FILE_NOT_FOUND");
  CHECK(os.link_info(scratch / "link").error().name == "ERROR_FILE_NOT_FOUND");
  CHECK(os.list_through(scratch.path()).value() == std::vector<std::string>{"target"});
}

TEST_CASE("fs.symlink under Wine: every kind of link is not_created in the temp dir") {
  if (!wine_version()) return report_skip("a Wine behaviour; on Windows links are made or refused");
  WindowsPlatform os;
  const capprobe::probes::PodRequests requests;
  const std::string scratch_name = ".capprobe-test-symlink";
  capprobe::probes::ProbeContext ctx{os, requests, false, scratch_name,
                                     std::chrono::steady_clock::now() + std::chrono::seconds(10)};
  const auto windows_facts = capprobe::probes::fs::collect_windows_symlink_facts(ctx);
  const auto& facts = windows_facts.places;
  REQUIRE(facts.locations.size() == 1);  // the temp dir: Windows has no mountinfo to list volumes
  CHECK(facts.locations[0].path == os.temp_dir());
  // Nothing of the probe's is left in the temp dir, whatever the probe believes about it.
  const auto left = os.list_through(os.temp_dir());
  REQUIRE(left.ok());
  for (const auto& name : left.value()) CHECK(name.rfind(scratch_name, 0) != 0);
  // The Win32 errors carry their kind (ERROR_FILE_NOT_FOUND is absent), so a link that was
  // "made" and is not there reads as not_created.
  const auto& outcomes = facts.locations[0].outcome;
  for (const auto& outcome : outcomes) CHECK(outcome == "not_created");
  CHECK(facts.cleanup_failures.empty());
}

TEST_CASE("make_symlink on Windows: a file link reads through, reads back, and goes alone") {
  if (const auto wine = wine_version()) {
    return report_skip("Wine " + *wine +
                       " creates no symbolic links (CreateSymbolicLinkW is a stub)");
  }
  WindowsPlatform os;
  Scratch scratch(os);
  REQUIRE(os.create_file_exclusive(scratch / "target", "through").ok());
  const auto made = os.make_symlink("target", scratch / "link");
  if (may_not_link(made)) return report_skip("this token may not create symbolic links");
  REQUIRE(made.ok());
  CHECK(os.read_through(scratch / "link", 100).value() == "through");
  CHECK(os.link_info(scratch / "link").value().kind == FileKind::symlink);
  CHECK(os.info_through(scratch / "link").value().kind == FileKind::regular);
  CHECK(os.link_target(scratch / "link").value() == "target");
  REQUIRE(os.remove(scratch / "link").ok());
  CHECK(os.read_through(scratch / "target", 100).value() == "through");
}

TEST_CASE("remove_tree on Windows: a directory link inside is removed, its target kept") {
  if (const auto wine = wine_version()) {
    return report_skip("Wine " + *wine +
                       " creates no symbolic links (CreateSymbolicLinkW is a stub)");
  }
  WindowsPlatform os;
  Scratch outside(os);
  REQUIRE(os.create_file_exclusive(outside / "keep", "kept").ok());
  const auto tree = os.make_private_dir(os.temp_dir(), ".capprobe-test-").value();
  const auto made = os.make_symlink(outside.path(), tree + "\\link");
  if (may_not_link(made)) {
    (void)os.remove_tree(tree);
    return report_skip("this token may not create symbolic links");
  }
  REQUIRE(made.ok());
  CHECK(os.list_through(tree + "\\link").value() == std::vector<std::string>{"keep"});
  REQUIRE(os.remove_tree(tree).ok());
  CHECK(os.read_through(outside / "keep", 100).value() == "kept");
}

TEST_CASE("create_symbolic_link under Wine: TRUE for every flag combination, and nothing made") {
  if (!wine_version()) return report_skip("a Wine behaviour; on Windows links are made or refused");
  WindowsPlatform os;
  Scratch scratch(os);
  REQUIRE(os.create_file_exclusive(scratch / "target", "through").ok());
  int made = 0;
  for (const bool directory : {false, true})
    for (const bool unprivileged : {false, true}) {
      const auto link = scratch / ("link-" + std::to_string(made++));
      CHECK(os.create_symbolic_link({scratch / "target", link, directory, unprivileged}).ok());
      CHECK(os.link_info(link).error().is_absent());
    }
  CHECK(os.list_through(scratch.path()).value() == std::vector<std::string>{"target"});
}

TEST_CASE("create_symbolic_link on Windows: the flags as asked, made or refused by name") {
  if (const auto wine = wine_version()) {
    return report_skip("Wine " + *wine +
                       " creates no symbolic links (CreateSymbolicLinkW is a stub)");
  }
  WindowsPlatform os;
  Scratch scratch(os);
  REQUIRE(os.create_file_exclusive(scratch / "target", "through").ok());
  for (const bool unprivileged : {false, true}) {
    const auto link = scratch / (unprivileged ? "flagged" : "plain");
    const auto made = os.create_symbolic_link({"target", link, false, unprivileged});
    if (!made.ok()) {
      // No privilege (and, with the flag, no Developer Mode), or a build before 14972 that does
      // not know the flag: refused by name, nothing left behind.
      INFO(made.error().describe());
      CHECK((made.error().name == "ERROR_PRIVILEGE_NOT_HELD" ||
             (unprivileged && made.error().name == "ERROR_INVALID_PARAMETER")));
      CHECK(os.link_info(link).error().is_absent());
      continue;
    }
    CHECK(os.read_through(link, 100).value() == "through");
    CHECK(os.link_target(link).value() == "target");
  }
}

TEST_CASE("create_junction under Wine: FSCTL_SET_REPARSE_POINT is unsupported, nothing left") {
  if (!wine_version()) return report_skip("a Wine behaviour; Windows makes junctions");
  WindowsPlatform os;
  Scratch scratch(os);
  REQUIRE(os.make_dir(scratch / "target").ok());
  const auto made = os.create_junction(scratch / "target", scratch / "junction");
  REQUIRE_FALSE(made.ok());
  CHECK(made.error().name == "ERROR_NOT_SUPPORTED");
  CHECK(made.error().context == "FSCTL_SET_REPARSE_POINT " + (scratch / "junction"));
  // The directory made for the junction went again.
  CHECK(os.list_through(scratch.path()).value() == std::vector<std::string>{"target"});
}

TEST_CASE("create_junction on Windows: no privilege needed, lists the target, reads back") {
  if (const auto wine = wine_version()) {
    return report_skip("Wine " + *wine + " cannot set reparse points (ERROR_NOT_SUPPORTED)");
  }
  WindowsPlatform os;
  Scratch scratch(os);
  REQUIRE(os.make_dir(scratch / "target").ok());
  REQUIRE(os.create_file_exclusive(scratch / "target\\inner", "inside").ok());
  // "/" in the target as a probe's join may write it: the junction holds an NT path all the same.
  const auto target = scratch / "target";
  REQUIRE(os.create_junction(target, scratch / "junction").ok());
  CHECK(os.link_info(scratch / "junction").value().kind == FileKind::symlink);
  CHECK(os.list_through(scratch / "junction").value() == std::vector<std::string>{"inner"});
  CHECK(os.link_target(scratch / "junction").value() == target);
  REQUIRE(os.remove(scratch / "junction").ok());
  CHECK(os.read_through(scratch / "target\\inner", 100).value() == "inside");
}

TEST_CASE("create_junction: a relative target is refused by name, and nothing is made") {
  WindowsPlatform os;
  Scratch scratch(os);
  const auto made = os.create_junction("target", scratch / "junction");
  REQUIRE_FALSE(made.ok());
  CHECK(made.error().name == "ERROR_BAD_PATHNAME");
  CHECK(os.list_through(scratch.path()).value().empty());
}
