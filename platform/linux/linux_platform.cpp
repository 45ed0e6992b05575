// LinuxPlatform's construction, the factory, and the system-fact calls, which read /proc, /sys
// and /etc under the system root so that the same code runs on a node and in a pod that has the
// node mounted at /host.
#include "platform/linux/linux_platform.hpp"

#include <memory>
#include <string_view>
#include <utility>

#include "platform/linux/file_ops.hpp"
#include "platform/make_platform.hpp"

namespace capprobe::platform {
namespace {

std::string tidy_root(std::string root) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root.empty() ? std::string("/") : root;
}

}  // namespace

LinuxPlatform::LinuxPlatform(std::string system_root) : root_(tidy_root(std::move(system_root))) {}

std::unique_ptr<Platform> make_native_platform(const std::string& system_root) {
  return std::make_unique<LinuxPlatform>(system_root);
}

// Linux forks its children (memory_trial.cpp): no process is ever started to be one.
int run_internal_child_if_asked(int, char**) {
  return -1;
}

std::string LinuxPlatform::under_root(const std::string& path) const {
  if (root_ == "/") return path;
  // Lexical, like a chroot: "/host" + "/../etc" is "/host/etc", never "/etc". Links inside the
  // tree still resolve against the real root; probes read link text with read_link instead.
  std::vector<std::string_view> parts;
  std::string_view rest = path;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string joined = root_;
  for (const auto part : parts) {
    joined += '/';
    joined += part;
  }
  return joined;
}

Result<std::string> LinuxPlatform::read_file(const std::string& path, std::size_t max_bytes) const {
  return posix::read_all(under_root(path), max_bytes);
}

Result<std::vector<std::string>> LinuxPlatform::list_dir(const std::string& path) const {
  return posix::list_names(under_root(path));
}

Result<std::string> LinuxPlatform::read_link(const std::string& path) const {
  return posix::read_link_text(under_root(path));
}

Result<FileInfo> LinuxPlatform::stat(const std::string& path) const {
  return posix::file_info(under_root(path), true);
}

Result<FileInfo> LinuxPlatform::lstat(const std::string& path) const {
  return posix::file_info(under_root(path), false);
}

}  // namespace capprobe::platform
