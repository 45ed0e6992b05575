// The Linux system facts probes read: files under the system root (/proc, /sys, /etc). Only the
// probes' *_linux.cpp collectors use it; what both OSes share is platform::Platform.
//
// Paths are system paths, resolved under the implementation's system root (default "/", e.g.
// "/host" in a pod with the node mounted), which is a constructor value, never a global.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "platform/file_info.hpp"
#include "platform/platform.hpp"
#include "platform/result.hpp"

namespace capprobe::platform {

class LinuxFacts {
 public:
  virtual ~LinuxFacts() = default;

  virtual Result<std::string> read_file(const std::string& path,
                                        std::size_t max_bytes = 1 << 20) const = 0;
  virtual Result<std::vector<std::string>> list_dir(const std::string& path) const = 0;
  virtual Result<std::string> read_link(const std::string& path) const = 0;
  virtual Result<FileInfo> stat(const std::string& path) const = 0;
  virtual Result<FileInfo> lstat(const std::string& path) const = 0;
};

// The Linux facts of `os`; throws std::logic_error when this platform has none (a Linux probe
// on another OS is a bug: the registry lists each OS's probes). The runner turns that into an
// `error` result.
inline const LinuxFacts& linux_facts(const Platform& os) {
  const auto* facts = os.as_linux();
  if (facts == nullptr) throw std::logic_error("this platform has no Linux facts");
  return *facts;
}

}  // namespace capprobe::platform
