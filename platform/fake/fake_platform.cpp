// The in-memory filesystem and scripted answers behind FakePlatform.
#include "platform/fake/fake_platform.hpp"

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

namespace capprobe::platform {
namespace {

const std::map<std::string, int> kErrnoNumbers = {
    {"EPERM", 1},       {"ENOENT", 2},     {"EINTR", 4},         {"EIO", 5},
    {"EACCES", 13},     {"EEXIST", 17},    {"ENOTDIR", 20},      {"EISDIR", 21},
    {"EINVAL", 22},     {"ENOSPC", 28},    {"EROFS", 30},        {"ELOOP", 40},
    {"ENOSYS", 38},     {"ENOTEMPTY", 39}, {"EOPNOTSUPP", 95},   {"ECONNREFUSED", 111},
    {"ETIMEDOUT", 110}, {"ENOMEM", 12},    {"ENAMETOOLONG", 36},
};

std::string parent_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

std::string normalize(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream in(path);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

}  // namespace

namespace {

// The kinds the real platforms give these names (platform/linux/errno_names.cpp, and the Win32
// codes of platform/windows), so that a fake error means what the real one would.
ErrorKind fake_kind(const std::string& name) {
  static const std::map<std::string, ErrorKind> kKinds = {
      {"ENOENT", ErrorKind::absent},
      {"ENOTDIR", ErrorKind::absent},
      {"EACCES", ErrorKind::denied},
      {"EPERM", ErrorKind::denied},
      {"ENOSYS", ErrorKind::unsupported},
      {"EOPNOTSUPP", ErrorKind::unsupported},
      {"ETIMEDOUT", ErrorKind::timed_out},
      {"ERROR_FILE_NOT_FOUND", ErrorKind::absent},
      {"ERROR_PATH_NOT_FOUND", ErrorKind::absent},
      {"ERROR_ACCESS_DENIED", ErrorKind::denied},
      {"ERROR_PRIVILEGE_NOT_HELD", ErrorKind::denied},
      {"ERROR_NOT_SUPPORTED", ErrorKind::unsupported},
      {"ERROR_CALL_NOT_IMPLEMENTED", ErrorKind::unsupported},
      {"ERROR_TIMEOUT", ErrorKind::timed_out},
      {"ERROR_SEM_TIMEOUT", ErrorKind::timed_out},
      {"ERROR_NOT_FOUND", ErrorKind::absent},
  };
  const auto found = kKinds.find(name);
  return found == kKinds.end() ? ErrorKind::other : found->second;
}

}  // namespace

OsError fake_error(const std::string& errno_name, const std::string& context) {
  const auto known = kErrnoNumbers.find(errno_name);
  return OsError{known == kErrnoNumbers.end() ? -1 : known->second, errno_name, context,
                 fake_kind(errno_name)};
}

FakePlatform::FakePlatform() {
  nodes_["/"] = Node{FileKind::directory, "", 0, 0, 0755, 2};
  dir("/tmp");
  owner("/tmp", 0, 0, 01777);
}

FakePlatform::Node& FakePlatform::put(const std::string& raw, Node node) {
  const auto path = normalize(raw);
  ensure_parents(path);
  node.inode = next_inode_++;
  return nodes_[path] = std::move(node);
}

void FakePlatform::ensure_parents(const std::string& path) {
  if (path == "/") return;
  const auto parent = parent_of(path);
  if (nodes_.count(parent) == 0) {
    ensure_parents(parent);
    nodes_[parent] = Node{FileKind::directory, "", 0, 0, 0755, next_inode_++};
  }
}

FakePlatform& FakePlatform::file(const std::string& path, std::string content) {
  put(path, Node{FileKind::regular, std::move(content)});
  return *this;
}
FakePlatform& FakePlatform::dir(const std::string& path) {
  put(path, Node{FileKind::directory, "", 0, 0, 0755});
  return *this;
}
FakePlatform& FakePlatform::link(const std::string& path, std::string target) {
  put(path, Node{FileKind::symlink, std::move(target), 0, 0, 0777});
  return *this;
}
FakePlatform& FakePlatform::special(const std::string& path, FileKind kind) {
  put(path, Node{kind, "", 0, 0, 0660});
  return *this;
}
FakePlatform& FakePlatform::owner(const std::string& path, std::uint32_t uid, std::uint32_t gid,
                                  std::uint32_t mode) {
  auto& node = nodes_.at(normalize(path));
  node.uid = uid;
  node.gid = gid;
  node.mode = mode;
  return *this;
}

FakePlatform& FakePlatform::load_tree(const std::string& fixture_dir, const std::string& mount_at) {
  namespace fsys = std::filesystem;
  for (const auto& entry : fsys::recursive_directory_iterator(fixture_dir)) {
    const auto relative = fsys::relative(entry.path(), fixture_dir).generic_string();
    auto target = normalize(mount_at + "/" + relative);
    if (entry.is_directory()) {
      dir(target);
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    const std::string suffix = ".symlink";
    if (target.size() > suffix.size() &&
        target.compare(target.size() - suffix.size(), suffix.size(), suffix) == 0) {
      auto link_target = content.str();
      while (!link_target.empty() && link_target.back() == '\n') link_target.pop_back();
      link(target.substr(0, target.size() - suffix.size()), link_target);
    } else {
      file(target, content.str());
    }
  }
  return *this;
}

FakePlatform& FakePlatform::fail(const std::string& operation, const std::string& path,
                                 const std::string& errno_name) {
  faults_[{operation, normalize(path)}] = errno_name;
  return *this;
}

FakePlatform& FakePlatform::fs(const std::string& path, FsInfo info) {
  filesystems_[normalize(path)] = info;
  return *this;
}

FakePlatform& FakePlatform::hang(const std::string& path) {
  hung_.push_back(normalize(path));
  return *this;
}

namespace {

// Never returns. The mutex and condition variable are never destroyed, so a thread may wait on
// them until the process ends.
[[noreturn]] void block_forever() {
  static auto* mutex = new std::mutex;
  static auto* never = new std::condition_variable;
  std::unique_lock lock(*mutex);
  for (;;) never->wait(lock);
}

}  // namespace

std::optional<OsError> FakePlatform::fault(const std::string& operation,
                                           const std::string& path) const {
  const auto normal = normalize(path);
  {
    std::lock_guard lock(calls_->mutex);
    ++calls_->counts[{operation, normal}];
  }
  for (const auto& hung : hung_) {
    if (normal == hung || hung == "/" || normal.compare(0, hung.size() + 1, hung + "/") == 0) {
      ++*hung_calls_;
      block_forever();
    }
  }
  const auto found = faults_.find({operation, normal});
  if (found == faults_.end()) return std::nullopt;
  return fake_error(found->second, operation + " " + path);
}

int FakePlatform::calls(const std::string& operation, const std::string& path) const {
  std::lock_guard lock(calls_->mutex);
  const auto found = calls_->counts.find({operation, normalize(path)});
  return found == calls_->counts.end() ? 0 : found->second;
}

bool FakePlatform::exists(const std::string& path) const {
  return nodes_.count(normalize(path)) > 0;
}
std::size_t FakePlatform::entry_count() const {
  return nodes_.size();
}

Result<std::string> FakePlatform::resolve(const std::string& raw, int depth) const {
  if (depth > 40) return fake_error("ELOOP", "resolve " + raw);
  const auto path = normalize(raw);
  // Walk component by component so that links in the middle of a path are followed too.
  std::string walked;
  std::stringstream in(path);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (part.empty()) continue;
    walked += "/" + part;
    if (const auto bound = binds_.find(walked); bound != binds_.end())
      return resolve(bound->second + path.substr(walked.size()), depth + 1);
    const auto node = nodes_.find(walked);
    if (node == nodes_.end()) return fake_error("ENOENT", "resolve " + raw);
    if (node->second.kind == FileKind::symlink) {
      const auto& target = node->second.content;
      if (target.empty()) return fake_error("ENOENT", "resolve " + raw);  // as Linux does
      const auto base = target.front() == '/' ? target : parent_of(walked) + "/" + target;
      const auto rest = path.substr(walked.size());
      return resolve(base + rest, depth + 1);
    }
  }
  return walked.empty() ? std::string("/") : walked;
}

Result<std::string> FakePlatform::read_file(const std::string& path, std::size_t max_bytes) const {
  if (auto error = fault("read_file", path)) return *error;
  const auto real = resolve(path);
  if (!real) return real.error();
  const auto& node = nodes_.at(real.value());
  if (node.kind == FileKind::directory) return fake_error("EISDIR", "read " + path);
  return node.content.substr(0, max_bytes);
}

Result<std::vector<std::string>> FakePlatform::list_dir(const std::string& path) const {
  if (auto error = fault("list_dir", path)) return *error;
  const auto real = resolve(path);
  if (!real) return real.error();
  if (nodes_.at(real.value()).kind != FileKind::directory)
    return fake_error("ENOTDIR", "list " + path);
  const auto prefix = real.value() == "/" ? std::string("/") : real.value() + "/";
  std::vector<std::string> names;
  for (auto it = nodes_.lower_bound(prefix);
       it != nodes_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    const auto rest = it->first.substr(prefix.size());
    if (!rest.empty() && rest.find('/') == std::string::npos) names.push_back(rest);
  }
  return names;
}

Result<std::string> FakePlatform::read_link(const std::string& path) const {
  return link_target(path);
}

Result<std::string> FakePlatform::link_target(const std::string& path) const {
  if (auto error = fault("read_link", path)) return *error;
  const auto real_parent = resolve(parent_of(normalize(path)));
  if (!real_parent) return real_parent.error();
  const auto name = normalize(path).substr(parent_of(normalize(path)).size());
  const auto node = nodes_.find(normalize(real_parent.value() + "/" + name));
  if (node == nodes_.end()) return fake_error("ENOENT", "readlink " + path);
  if (node->second.kind != FileKind::symlink) return fake_error("EINVAL", "readlink " + path);
  return node->second.content;
}

namespace {
FileInfo info_of(const std::string&, FileKind kind, std::uint32_t uid, std::uint32_t gid,
                 std::uint32_t mode, std::uint64_t inode, std::size_t size) {
  FileInfo info;
  info.kind = kind;
  info.uid = uid;
  info.gid = gid;
  info.mode = mode;
  info.inode = inode;
  info.device = 1;
  info.size = size;
  return info;
}
}  // namespace

FakePlatform& FakePlatform::bind(const std::string& mount_point, const std::string& source) {
  dir(mount_point);
  dir(source);
  binds_[normalize(mount_point)] = normalize(source);
  return *this;
}

Result<FileInfo> FakePlatform::stat(const std::string& path) const {
  if (auto error = fault("stat", path)) return *error;
  const auto real = resolve(path);
  if (!real) return real.error();
  const auto& node = nodes_.at(real.value());
  return info_of(real.value(), node.kind, node.uid, node.gid, node.mode, node.inode,
                 node.content.size());
}

Result<FileInfo> FakePlatform::lstat(const std::string& path) const {
  return link_info(path);
}

Result<FileInfo> FakePlatform::link_info(const std::string& path) const {
  if (auto error = fault("lstat", path)) return *error;
  const auto real_parent = resolve(parent_of(normalize(path)));
  if (!real_parent) return real_parent.error();
  const auto name = normalize(path).substr(parent_of(normalize(path)).size());
  const auto full = normalize(real_parent.value() + "/" + name);
  const auto node = nodes_.find(full);
  if (node == nodes_.end()) return fake_error("ENOENT", "lstat " + path);
  return info_of(full, node->second.kind, node->second.uid, node->second.gid, node->second.mode,
                 node->second.inode, node->second.content.size());
}

Result<FsInfo> FakePlatform::fs_info(const std::string& path) const {
  if (auto error = fault("fs_info", path)) return *error;
  if (!exists(path)) return fake_error("ENOENT", "statvfs " + path);
  // The filesystem of the longest registered prefix; a writable ext4 when none is registered.
  std::string best;
  FsInfo answer{false, 0xEF53, 1ull << 30, 1ull << 29};
  const auto normal = normalize(path);
  for (const auto& [prefix, info] : filesystems_) {
    const bool covers = prefix == "/" || normal == prefix ||
                        normal.compare(0, prefix.size() + 1, prefix + "/") == 0;
    if (covers && prefix.size() >= best.size()) {
      best = prefix;
      answer = info;
    }
  }
  return answer;
}

Result<std::string> FakePlatform::entry(const std::string& raw) const {
  const auto path = normalize(raw);
  if (path == "/") return path;
  const auto parent = parent_of(path);
  const auto real_parent = resolve(parent);
  if (!real_parent) return real_parent.error();
  return normalize(real_parent.value() + "/" + path.substr(parent.size()));
}

Result<std::string> FakePlatform::new_entry(const std::string& path,
                                            const std::string& verb) const {
  const auto full = entry(path);
  if (!full) return fake_error(full.error().name, verb + " " + path);
  if (nodes_.at(parent_of(full.value())).kind != FileKind::directory) {
    return fake_error("ENOTDIR", verb + " " + path);
  }
  if (nodes_.count(full.value())) return fake_error("EEXIST", verb + " " + path);
  return full;
}

Result<std::string> FakePlatform::make_private_dir(const std::string& parent,
                                                   const std::string& prefix) {
  if (auto error = fault("make_private_dir", parent)) return *error;
  const auto real = resolve(parent);
  if (!real) return real.error();
  if (nodes_.at(real.value()).kind != FileKind::directory)
    return fake_error("ENOTDIR", "mkdtemp " + parent);
  const auto path =
      normalize(real.value() + "/" + prefix + "fake" + std::to_string(next_private_++));
  put(path, Node{FileKind::directory, "", 0, 0, 0700});
  return path;
}

Result<Done> FakePlatform::create_file_exclusive(const std::string& path,
                                                 const std::string& content) {
  if (auto error = fault("create_file_exclusive", path)) return *error;
  const auto full = new_entry(path, "create");
  if (!full) return full.error();
  put(full.value(), Node{FileKind::regular, content});
  return Done{};
}

Result<Done> FakePlatform::make_dir(const std::string& path) {
  if (auto error = fault("make_dir", path)) return *error;
  const auto full = new_entry(path, "mkdir");
  if (!full) return full.error();
  put(full.value(), Node{FileKind::directory, "", 0, 0, 0755});
  return Done{};
}

Result<Done> FakePlatform::make_symlink(const std::string& target, const std::string& link_path) {
  if (auto error = fault("make_symlink", link_path)) return *error;
  const auto full = new_entry(link_path, "symlink");
  if (!full) return full.error();
  put(full.value(), Node{FileKind::symlink, target, 0, 0, 0777});
  return Done{};
}

Result<std::string> FakePlatform::read_through(const std::string& path,
                                               std::size_t max_bytes) const {
  if (auto error = fault("read_through", path)) return *error;
  return read_file(path, max_bytes);
}

Result<std::vector<std::string>> FakePlatform::list_through(const std::string& dir) const {
  if (auto error = fault("list_through", dir)) return *error;
  return list_dir(dir);
}

Result<Done> FakePlatform::remove(const std::string& path) {
  if (auto error = fault("remove", path)) return *error;
  const auto full = entry(path);
  if (!full) return fake_error(full.error().name, "remove " + path);
  const auto& normal = full.value();
  const auto node = nodes_.find(normal);
  if (node == nodes_.end()) return fake_error("ENOENT", "remove " + path);
  if (node->second.kind == FileKind::directory) {
    const auto children = list_dir(normal);
    if (children && !children.value().empty()) return fake_error("ENOTEMPTY", "rmdir " + path);
  }
  nodes_.erase(node);
  return Done{};
}

Result<Done> FakePlatform::remove_tree(const std::string& path) {
  if (auto error = fault("remove_tree", path)) return *error;
  const auto full = entry(path);
  if (!full) return fake_error(full.error().name, "remove " + path);
  const auto& normal = full.value();
  if (!nodes_.count(normal)) return fake_error("ENOENT", "remove " + path);
  const auto prefix = normal + "/";
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (it->first == normal || it->first.compare(0, prefix.size(), prefix) == 0)
      it = nodes_.erase(it);
    else
      ++it;
  }
  return Done{};
}

Result<FillOutcome> FakePlatform::fill_file(const std::string& path, std::uint64_t max_bytes) {
  fills_run.emplace_back(path, max_bytes);
  if (auto error = fault("fill_file", path)) return *error;
  const auto full = new_entry(path, "create");
  if (!full) return full.error();
  const auto room = fs_info(parent_of(normalize(path)));
  FillOutcome outcome;
  outcome.written = max_bytes;
  if (room && room.value().available_bytes < max_bytes) {
    outcome.written = room.value().available_bytes;
    outcome.stopped_by = fake_error("ENOSPC", "write " + path);
  }
  // The content stands for the bytes: a count, not a copy of them.
  put(full.value(), Node{FileKind::regular, std::to_string(outcome.written)});
  return outcome;
}

Result<std::string> FakePlatform::udp_exchange(const std::string& address, int port,
                                               const std::string& payload,
                                               std::chrono::milliseconds) {
  udp_sent.emplace_back(address, port);
  if (auto error = fault("udp_exchange", address)) return *error;
  if (!udp_server) return fake_error("ECONNREFUSED", "recv " + address);
  return udp_server(address, port, payload);
}

Result<PortTrialOutcome> FakePlatform::port_trial(int listen_port, const std::string& address,
                                                  int port, std::chrono::milliseconds) {
  port_trials_run.emplace_back(listen_port, address, port);
  if (auto error = fault("port_trial", address)) return *error;
  if (!port_trials) {
    PortTrialOutcome refused;
    refused.connect_error = fake_error("ECONNREFUSED", "connect " + address);
    return refused;
  }
  return port_trials(listen_port, address, port);
}

Result<Done> FakePlatform::connect_unix(const std::string& path, std::chrono::milliseconds) {
  if (auto error = fault("connect_unix", path)) return *error;
  const auto scripted = connect_errors.find(path);
  if (scripted != connect_errors.end()) {
    if (scripted->second.empty()) return Done{};
    return fake_error(scripted->second, "connect " + path);
  }
  if (const auto info = stat(path); !info) return info.error();
  // Like Linux: a socket nobody listens on, and a plain file, both refuse.
  return fake_error("ECONNREFUSED", "connect " + path);
}

Result<std::string> FakePlatform::registry_string(const std::string& key,
                                                  const std::string& value) const {
  const auto found = windows.registry_strings.find({key, value});
  if (found == windows.registry_strings.end())
    return fake_error("ERROR_FILE_NOT_FOUND", "RegGetValueW " + key + "\\" + value);
  return found->second;
}

Result<std::uint32_t> FakePlatform::registry_dword(const std::string& key,
                                                   const std::string& value) const {
  const auto found = windows.registry_dwords.find({key, value});
  if (found == windows.registry_dwords.end())
    return fake_error("ERROR_FILE_NOT_FOUND", "RegGetValueW " + key + "\\" + value);
  return found->second;
}

Result<Done> FakePlatform::connect_pipe(const std::string& name) const {
  const auto found = windows.pipes.find(name);
  if (found == windows.pipes.end())
    return fake_error("ERROR_FILE_NOT_FOUND", "CreateFileW " + name);
  if (found->second.empty()) return Done{};
  return fake_error(found->second, "CreateFileW " + name);
}

Result<std::uint32_t> FakePlatform::firmware_table_size(const std::string& provider) const {
  const auto found = windows.firmware_tables.find(provider);
  if (found == windows.firmware_tables.end())
    return fake_error("ERROR_NOT_FOUND", "GetSystemFirmwareTable " + provider);
  return found->second;
}

Result<AccountName> FakePlatform::account_name(const std::string& sid) const {
  const auto found = windows.accounts.find(sid);
  if (found == windows.accounts.end())
    return fake_error("ERROR_NONE_MAPPED", "LookupAccountSidW " + sid);
  return found->second;
}

// The fake is never a const object, only seen through const WindowsFacts: making a link through
// it changes the little filesystem as the real call changes the disk.
Result<Done> FakePlatform::create_symbolic_link(const SymbolicLinkRequest& request) const {
  windows.symlink_requests.push_back(request);
  if (auto error = fault("create_symbolic_link", request.link_path)) return *error;
  if (windows.symlink_error) {
    const auto name = windows.symlink_error(request);
    if (!name.empty()) return fake_error(name, "CreateSymbolicLinkW " + request.link_path);
  }
  if (windows.symlink_creates_nothing) return Done{};
  return const_cast<FakePlatform*>(this)->make_symlink(request.target, request.link_path);
}

Result<Done> FakePlatform::create_junction(const std::string& target,
                                           const std::string& link_path) const {
  if (auto error = fault("create_junction", link_path)) return *error;
  if (!windows.junction_error.empty())
    return fake_error(windows.junction_error, "FSCTL_SET_REPARSE_POINT " + link_path);
  return const_cast<FakePlatform*>(this)->make_symlink(target, link_path);
}

Result<KernelInfo> FakePlatform::kernel_info() const {
  if (!kernel) return fake_error("ENOSYS", "uname");
  return *kernel;
}

Result<std::vector<InterfaceAddress>> FakePlatform::interface_addresses() const {
  if (auto error = fault("interface_addresses", "/")) return *error;
  return addresses;
}

Result<CpuidRegisters> FakePlatform::cpuid(std::uint32_t leaf, std::uint32_t) const {
  if (cpuid_leaves.empty()) return fake_error("ENOSYS", "cpuid");
  const auto found = cpuid_leaves.find(leaf);
  if (found == cpuid_leaves.end()) return CpuidRegisters{};
  return found->second;
}

std::optional<std::string> FakePlatform::env(const std::string& name) const {
  const auto found = environment.find(name);
  if (found == environment.end()) return std::nullopt;
  return found->second;
}

std::chrono::system_clock::time_point FakePlatform::wall_now() const {
  return std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 56);
}

Result<BurnSample> FakePlatform::burn_cpu(int threads, std::chrono::milliseconds duration) {
  if (!burn) return fake_error("ENOSYS", "burn_cpu");
  return burn(threads, duration);
}

Result<MemoryTrialOutcome> FakePlatform::run_memory_trial(const MemoryTrialPlan& plan) {
  memory_trials_run.push_back(plan);
  if (!memory_trial) return fake_error("ENOSYS", "memory trial");
  return memory_trial(plan);
}

}  // namespace capprobe::platform
