// The lab harness's small helpers (see util.hpp).
#include "tests/lab/harness/util.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace capprobe::lab {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, std::string_view content, fs::perms perms) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
      throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
  }
  fs::permissions(path, perms);
}

void write_control(const fs::path& path, std::string_view value) {
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
  const auto written = write(fd, value.data(), value.size());
  const int error = errno;
  close(fd);
  if (written != static_cast<ssize_t>(value.size()))
    throw std::runtime_error("cannot write " + std::string(value) + " to " + path.string() + ": " +
                             std::strerror(error));
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.emplace_back(text.substr(start));
      break;
    }
    parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::optional<fs::path> find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  for (const auto& dir : split(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin", ':')) {
    if (dir.empty()) continue;
    const fs::path candidate = fs::path(dir) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

fs::path require_program(const std::string& name, const std::string& package) {
  if (auto found = find_program(name)) return *found;
  throw Skip("no " + name + " in PATH (Debian package " + package + ")");
}

void require_root() {
  if (geteuid() != 0) throw Skip("not root: the lab needs root for runc, mounts and cgroups");
}

it::RunResult run_checked(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                          const it::RunOptions& options) {
  auto result = it::run(argv, timeout, options);
  if (!result.exited_zero()) throw std::runtime_error(it::describe(result));
  return result;
}

void Fingerprint::add(std::string_view bytes) {
  for (const unsigned char c : bytes) {
    hash_ ^= c;
    hash_ *= 1099511628211ull;
  }
  // A separator, so that add("ab") + add("c") differs from add("a") + add("bc").
  hash_ ^= 0xff;
  hash_ *= 1099511628211ull;
}

void Fingerprint::add_file(const fs::path& path) {
  add(path.string());
  add(read_file(path));
}

std::string Fingerprint::hex() const {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash_));
  return text;
}

FileLock::FileLock(const fs::path& path) {
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::runtime_error("cannot open lock " + path.string() + ": " + std::strerror(errno));
  while (flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int error = errno;
    close(fd_);
    throw std::runtime_error("cannot lock " + path.string() + ": " + std::strerror(error));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) close(fd_);  // closing releases the lock
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool process_alive(int pid) {
  return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

std::string path_in_filesystem(const fs::path& path) {
  const auto canonical = fs::canonical(path).string();
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line, best_point, best_root;
  while (std::getline(mountinfo, line)) {
    const auto fields = split(line, ' ');
    if (fields.size() < 5) continue;
    // Mount points with spaces are octal-escaped; the lab's own paths have none.
    const auto& root = fields[3];
    const auto& point = fields[4];
    const bool under = canonical == point || (canonical.rfind(point, 0) == 0 &&
                                              (point == "/" || canonical[point.size()] == '/'));
    if (under && point.size() >= best_point.size()) {
      best_point = point;
      best_root = root;
    }
  }
  if (best_point.empty()) return canonical;
  auto rest = canonical.substr(best_point == "/" ? 0 : best_point.size());
  if (best_root == "/") return rest.empty() ? "/" : rest;
  return best_root + rest;
}

}  // namespace capprobe::lab
