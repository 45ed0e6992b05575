// What every agent integration test starts from: a private scratch directory (the spool, the
// NFD file, the agent's output), removed at the end, and an environment that keeps the agent's
// requests on loopback.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace capprobe::it {

class Scratch {
 public:
  explicit Scratch(const std::string& purpose) {
    path_ =
        std::filesystem::temp_directory_path() /
        ("capprobe-" + purpose + "-" + std::to_string(::getpid()) + "-" + std::to_string(++count_));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~Scratch() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  static inline int count_ = 0;
  std::filesystem::path path_;
};

// No proxy from the environment may take the agent's requests elsewhere than loopback, and a
// test machine that is itself a pod must not have its API server asked for the agent's pod.
inline std::vector<std::string> loopback_only_env(std::vector<std::string> extra = {}) {
  std::vector<std::string> env = {"CAPPROBE_LOG=info", "http_proxy=",
                                  "https_proxy=",      "HTTP_PROXY=",
                                  "HTTPS_PROXY=",      "ALL_PROXY=",
                                  "all_proxy=",        "NO_PROXY=*",
                                  "no_proxy=*",        "KUBERNETES_SERVICE_HOST="};
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

}  // namespace capprobe::it
