// Files the collector re-reads while it runs (a certificate pair that cert-manager renews, token
// files edited to rotate a token): read whole at every poll and compared with what is in use.
// Comparing contents rather than time stamps also sees a Kubernetes Secret volume's update (the
// kubelet swaps a symlink) and an edit that keeps the size and the time stamp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace capprobe::collector {

class WatchedFiles {
 public:
  struct Contents {
    std::vector<std::string> texts;  // one per path, in order
    std::string error;               // why a file could not be read; texts is empty then
  };

  explicit WatchedFiles(std::vector<std::string> paths, std::size_t max_bytes = 1024 * 1024);

  // Reads the files now (at start), and remembers what was read as the candidate for taken().
  Contents read();

  // At each poll: the files' contents when they differ from what is in use and from what was
  // last refused, and read the same at the previous poll too, so that a file caught half-written
  // (or one file of a pair written before the other) is not taken. nullopt otherwise.
  std::optional<Contents> poll();

  // What read() or poll() returned last is now in use.
  void taken();
  // ... could not be used: it is not offered again until the files change.
  void refused();

  const std::vector<std::string>& paths() const { return paths_; }

 private:
  static std::string fingerprint(const Contents& contents);

  std::vector<std::string> paths_;
  std::size_t max_bytes_;
  std::string in_use_;
  std::string refused_;
  std::string previous_;  // what the previous poll read
  std::string candidate_;
};

}  // namespace capprobe::collector
