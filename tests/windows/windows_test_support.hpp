// Shared helpers of the WindowsPlatform tests: whether we run under Wine (and which), a scratch
// directory made and removed by the platform under test, and the one way to skip.
#pragma once

#include <catch2/catch.hpp>
#include <iostream>
#include <optional>
#include <string>

#include "platform/windows/windows_platform.hpp"

namespace capprobe::testing {

// Wine's version ("8.0") when this process runs under Wine, nullopt on Windows. Wine's ntdll
// exports wine_get_version; Windows' has no such function.
std::optional<std::string> wine_version();

// Prints "SKIPPED: <why>", which ctest's SKIP_REGULAR_EXPRESSION turns into a skip.
inline void report_skip(const std::string& why) {
  std::cout << "SKIPPED: " << why << std::endl;
}

// A private directory under the temp dir, made by the platform under test and removed by it.
class Scratch {
 public:
  explicit Scratch(platform::WindowsPlatform& os)
      : os_(os), path_(os.make_private_dir(os.temp_dir(), ".capprobe-test-").value()) {}
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { (void)os_.remove_tree(path_); }

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "\\" + name; }

 private:
  platform::WindowsPlatform& os_;
  std::string path_;
};

}  // namespace capprobe::testing
