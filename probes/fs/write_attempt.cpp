// Create-and-remove write test; see write_attempt.hpp.
#include "probes/fs/write_attempt.hpp"

namespace capprobe::probes::fs {

WriteAttempt try_write(platform::Platform& os, const std::string& path,
                       const std::string& content) {
  WriteAttempt attempt;
  attempt.path = path;
  if (const auto made = os.create_file_exclusive(path, content); !made) {
    attempt.create_errno = made.error().name;
    attempt.create_kind = made.error().kind;
    return attempt;
  }
  if (const auto removed = os.remove(path); !removed) attempt.remove_errno = removed.error().name;
  return attempt;
}

WriteAttempt try_write_bounded(Worker& worker, platform::Platform& os, const std::string& path,
                               const std::string& content, std::chrono::milliseconds limit) {
  auto done = worker.run(limit, [&os, path, content] { return try_write(os, path, content); });
  if (done.done()) return std::move(*done.value);
  WriteAttempt attempt;
  attempt.path = path;
  attempt.not_done = done.why_not(limit);
  return attempt;
}

}  // namespace capprobe::probes::fs
