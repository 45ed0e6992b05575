// initdb, pg_ctl and createdb run as child processes with a bounded wait each (pg_ctl -t), as
// the unprivileged owner of the temporary directory.
#include "support/postgres_server.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace capprobe::collector::testing {
namespace {

namespace fs = std::filesystem;

// The newest /usr/lib/postgresql/<version>/bin with initdb in it, or empty.
std::string server_bin() {
  std::error_code ec;
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec))
    if (fs::exists(entry.path() / "bin" / "initdb")) found.push_back(entry.path() / "bin");
  if (found.empty()) return {};
  std::sort(found.begin(), found.end(), [](const fs::path& a, const fs::path& b) {
    return std::stoi(a.parent_path().filename()) < std::stoi(b.parent_path().filename());
  });
  return found.back().string();
}

struct Account {
  uid_t uid;
  gid_t gid;
};

// The server refuses to run as root: as root, run it as nobody.
Account server_account() {
  if (geteuid() != 0) return {geteuid(), getegid()};
  const passwd* nobody = getpwnam("nobody");
  if (!nobody) throw std::runtime_error("no user nobody to run PostgreSQL as");
  return {nobody->pw_uid, nobody->pw_gid};
}

// Runs argv as the account with its output appended to `log`; the exit status.
int run(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const auto account = server_account();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (geteuid() == 0 &&
        (setgroups(0, nullptr) != 0 || setgid(account.gid) != 0 || setuid(account.uid) != 0))
      _exit(126);
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    // No environment that would point the tools elsewhere (PGDATA, PGHOST...).
    char* env[] = {const_cast<char*>("PATH=/usr/bin:/bin"), const_cast<char*>("LC_ALL=C"), nullptr};
    execve(argv[0], argv.data(), env);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::string postgres_unavailable() {
  if (server_bin().empty())
    return "no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)";
  if (geteuid() == 0 && !getpwnam("nobody")) return "running as root and there is no user nobody";
  return {};
}

PostgresServer::PostgresServer() : bin_(server_bin()) {
  if (bin_.empty()) throw std::runtime_error(postgres_unavailable());
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/capprobe-pg-XXXXXX";
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  const auto account = server_account();
  if (chown(dir_.c_str(), account.uid, account.gid) != 0)
    throw std::runtime_error("cannot give " + dir_ + " to the server's user");
  const int status = run({bin_ + "/initdb", "-D", dir_ + "/data", "-U", "capprobe", "-A", "trust",
                          "-E", "UTF8", "--no-sync"},
                         dir_ + "/initdb.log");
  if (status != 0) throw std::runtime_error("initdb failed: " + log());
  start();
}

PostgresServer::~PostgresServer() {
  if (dir_.empty()) return;
  wake();
  run({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-t", "20", "stop"},
      dir_ + "/server.log");
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::string PostgresServer::url(const std::string& database) const {
  return "postgresql://capprobe@/" + database + "?host=" + dir_;
}

void PostgresServer::create_database(const std::string& name) {
  if (run({bin_ + "/createdb", "-h", dir_, "-U", "capprobe", name}, dir_ + "/server.log") != 0)
    throw std::runtime_error("createdb " + name + " failed: " + log());
}

void PostgresServer::stop() {
  if (run({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-t", "20", "stop"},
          dir_ + "/server.log") != 0)
    throw std::runtime_error("pg_ctl stop failed: " + log());
}

void PostgresServer::start() {
  // Only the unix socket in the directory; no TCP port at all.
  const auto options = "-k " + dir_ + " -c listen_addresses= -c max_connections=100";
  if (run({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-o", options, "-l", dir_ + "/server.log", "-w",
           "-t", "30", "start"},
          dir_ + "/server.log") != 0)
    throw std::runtime_error("pg_ctl start failed: " + log());
}

void PostgresServer::hang() {
  std::ifstream pid_file(dir_ + "/data/postmaster.pid");
  int postmaster = 0;
  if (!(pid_file >> postmaster) || postmaster <= 0)
    throw std::runtime_error("no postmaster.pid to hang the server by");
  // The postmaster first, so that it forks no backend after the scan; then its children, each
  // in a session of its own, one by one.
  if (kill(postmaster, SIGSTOP) == 0) hung_.push_back(postmaster);
  std::vector<int> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    int parent = 0;
    if (rest >> state >> parent && parent == postmaster) pids.push_back(std::stoi(name));
  }
  for (const int pid : pids)
    if (kill(pid, SIGSTOP) == 0) hung_.push_back(pid);
}

void PostgresServer::wake() {
  for (const int pid : hung_) kill(pid, SIGCONT);
  hung_.clear();
}

std::string PostgresServer::log() const {
  std::string text;
  for (const char* name : {"/initdb.log", "/server.log"}) {
    std::ifstream file(dir_ + name);
    std::stringstream content;
    content << file.rdbuf();
    text += content.str();
  }
  return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
}

}  // namespace capprobe::collector::testing
