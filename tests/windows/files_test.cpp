// WindowsPlatform's own-view file calls against the real filesystem (under Wine: the build
// machine's, through Wine's drive mapping): private dirs, exclusive files, reading through,
// listing, facts, and removal that never follows a reparse point.
#include <windows.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "platform/windows/windows_platform.hpp"
#include "tests/windows/windows_test_support.hpp"

using namespace capprobe::platform;
using capprobe::testing::Scratch;

TEST_CASE("temp_dir: GetTempPathW without its trailing backslash, a directory that exists") {
  WindowsPlatform os;
  const auto dir = os.temp_dir();
  REQUIRE(dir.size() > 3);
  CHECK(dir.back() != '\\');
  const auto info = os.info_through(dir);
  REQUIRE(info.ok());
  CHECK(info.value().kind == FileKind::directory);
}

TEST_CASE("make_private_dir: a fresh directory with the prefix, never the same name twice") {
  WindowsPlatform os;
  const auto first = os.make_private_dir(os.temp_dir(), ".capprobe-test-");
  const auto second = os.make_private_dir(os.temp_dir(), ".capprobe-test-");
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first.value() != second.value());
  CHECK(first.value().find("\\.capprobe-test-") != std::string::npos);
  CHECK(os.link_info(first.value()).value().kind == FileKind::directory);
  CHECK(os.remove(first.value()).ok());
  CHECK(os.remove(second.value()).ok());
}

TEST_CASE("make_private_dir: a missing parent is ERROR_PATH_NOT_FOUND") {
  WindowsPlatform os;
  Scratch scratch(os);
  const auto made = os.make_private_dir(scratch / "missing", "x-");
  REQUIRE_FALSE(made.ok());
  CHECK(made.error().name == "ERROR_PATH_NOT_FOUND");
}

TEST_CASE("create_file_exclusive: writes the content, and never touches an existing name") {
  WindowsPlatform os;
  Scratch scratch(os);
  const auto file = scratch / "file";
  REQUIRE(os.create_file_exclusive(file, "first").ok());
  CHECK(os.read_through(file, 100).value() == "first");
  const auto again = os.create_file_exclusive(file, "second");
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().name == "ERROR_FILE_EXISTS");
  CHECK(os.read_through(file, 100).value() == "first");
}

TEST_CASE("read_through: stops at max_bytes, reads past 16 KiB chunks") {
  WindowsPlatform os;
  Scratch scratch(os);
  const std::string big(40000, 'x');
  REQUIRE(os.create_file_exclusive(scratch / "big", big).ok());
  CHECK(os.read_through(scratch / "big", 10).value() == "xxxxxxxxxx");
  CHECK(os.read_through(scratch / "big", 1 << 20).value() == big);
}

TEST_CASE(
    "read_through: a missing file is ERROR_FILE_NOT_FOUND, a missing folder ERROR_PATH_NOT_FOUND") {
  WindowsPlatform os;
  Scratch scratch(os);
  CHECK(os.read_through(scratch / "missing", 10).error().name == "ERROR_FILE_NOT_FOUND");
  CHECK(os.read_through(scratch / "missing\\file", 10).error().name == "ERROR_PATH_NOT_FOUND");
}

TEST_CASE("list_through: the names, sorted, without . and .., in UTF-8") {
  WindowsPlatform os;
  Scratch scratch(os);
  const std::string accented =
      "gr\xC3\xBC\xC3\x9F"
      "e";
  REQUIRE(os.create_file_exclusive(scratch / "b", "").ok());
  REQUIRE(os.make_dir(scratch / "a").ok());
  REQUIRE(os.create_file_exclusive(scratch / accented, "").ok());
  const auto names = os.list_through(scratch.path());
  REQUIRE(names.ok());
  CHECK(names.value() == std::vector<std::string>{"a", "b", accented});
  CHECK(os.list_through(scratch / "a").value().empty());
}

TEST_CASE("list_through: a missing directory is an error, not an empty list") {
  WindowsPlatform os;
  Scratch scratch(os);
  const auto names = os.list_through(scratch / "missing");
  REQUIRE_FALSE(names.ok());
  CHECK((names.error().name == "ERROR_FILE_NOT_FOUND" ||
         names.error().name == "ERROR_PATH_NOT_FOUND"));
}

TEST_CASE("link_info and info_through: kind, size and one identity for one file") {
  WindowsPlatform os;
  Scratch scratch(os);
  REQUIRE(os.create_file_exclusive(scratch / "file", "12345").ok());
  const auto file = os.link_info(scratch / "file");
  REQUIRE(file.ok());
  CHECK(file.value().kind == FileKind::regular);
  CHECK(file.value().size == 5);
  CHECK(file.value().mode == 0666);
  CHECK(file.value().modified_unix > 1'600'000'000);  // after 2020: a real clock, not 1601
  const auto dir = os.info_through(scratch.path());
  REQUIRE(dir.ok());
  CHECK(dir.value().kind == FileKind::directory);
  CHECK(dir.value().mode == 0777);
  // Same volume, different file: what tells two names of one file apart from two files.
  CHECK(dir.value().device == file.value().device);
  const auto again = os.info_through(scratch / "file");
  REQUIRE(again.ok());
  CHECK(again.value().inode == file.value().inode);
}

TEST_CASE("link_target: a plain file is no reparse point") {
  WindowsPlatform os;
  Scratch scratch(os);
  REQUIRE(os.create_file_exclusive(scratch / "file", "").ok());
  CHECK(os.link_target(scratch / "file").error().name == "ERROR_NOT_A_REPARSE_POINT");
}

TEST_CASE(
    "remove: a file and an empty directory go, a full directory stays with ERROR_DIR_NOT_EMPTY") {
  WindowsPlatform os;
  Scratch scratch(os);
  REQUIRE(os.create_file_exclusive(scratch / "file", "").ok());
  REQUIRE(os.make_dir(scratch / "empty").ok());
  REQUIRE(os.make_dir(scratch / "full").ok());
  REQUIRE(os.create_file_exclusive(scratch / "full\\inner", "").ok());
  CHECK(os.remove(scratch / "file").ok());
  CHECK(os.remove(scratch / "empty").ok());
  CHECK(os.remove(scratch / "full").error().name == "ERROR_DIR_NOT_EMPTY");
  CHECK(os.remove(scratch / "file").error().name == "ERROR_FILE_NOT_FOUND");
}

TEST_CASE("remove_tree: a nested tree goes whole") {
  WindowsPlatform os;
  const auto top = os.make_private_dir(os.temp_dir(), ".capprobe-test-").value();
  REQUIRE(os.make_dir(top + "\\a").ok());
  REQUIRE(os.make_dir(top + "\\a\\b").ok());
  REQUIRE(os.create_file_exclusive(top + "\\a\\b\\deep", "x").ok());
  REQUIRE(os.create_file_exclusive(top + "\\shallow", "x").ok());
  REQUIRE(os.remove_tree(top).ok());
  const auto gone = os.link_info(top);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().name == "ERROR_FILE_NOT_FOUND");
}

TEST_CASE("remove_tree: refuses drive roots and the empty path") {
  WindowsPlatform os;
  for (const char* root : {"C:\\", "C:", "C:/", "\\"}) {
    INFO(root);
    const auto removed = os.remove_tree(root);
    REQUIRE_FALSE(removed.ok());
    CHECK(removed.error().name == "ERROR_INVALID_PARAMETER");
  }
  CHECK_FALSE(os.remove_tree("").ok());
}

TEST_CASE("remove_tree: a missing path is ERROR_FILE_NOT_FOUND") {
  WindowsPlatform os;
  Scratch scratch(os);
  CHECK(os.remove_tree(scratch / "missing").error().name == "ERROR_FILE_NOT_FOUND");
}

TEST_CASE("fs_info: the volume's size and that it is writable") {
  WindowsPlatform os;
  const auto info = os.fs_info(os.temp_dir());
  REQUIRE(info.ok());
  CHECK_FALSE(info.value().read_only);
  CHECK(info.value().total_bytes > 0);
  CHECK(info.value().available_bytes <= info.value().total_bytes);
  CHECK(info.value().fs_magic == 0);  // Windows names filesystems; FsInfo has no name field yet
}

TEST_CASE("fs_info: a missing path is an error, as statvfs gives ENOENT") {
  WindowsPlatform os;
  Scratch scratch(os);
  CHECK(os.fs_info(scratch / "missing").error().name == "ERROR_FILE_NOT_FOUND");
}

TEST_CASE("fill_file: writes up to its bound into a new file, never an existing one") {
  WindowsPlatform os;
  Scratch scratch(os);
  const auto file = scratch.path() + "\\fill";
  const auto filled = os.fill_file(file, 3 * 64 * 1024 + 5);
  REQUIRE(filled.ok());
  CHECK(filled.value().written == 3 * 64 * 1024 + 5);
  CHECK_FALSE(filled.value().stopped_by);
  CHECK_FALSE(os.fill_file(file, 1).ok());
  CHECK(os.remove(file).ok());
}
