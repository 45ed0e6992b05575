// Building and caching the lab's images (see images.hpp). Builds go to a temporary name and are
// renamed into place when complete, under a lock, so a crash never leaves a half image in use.
#include "tests/lab/harness/images.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "tests/lab/harness/util.hpp"

namespace capprobe::lab {
namespace {

using namespace std::chrono_literals;

// Bumped whenever the image layout below changes, so old cache entries are not reused.
constexpr const char* kImageLayout = "capprobe-lab-image-3";

// The modules a 9p root over virtio-pci needs (their dependencies come from modules.dep).
const std::vector<std::string> kGuestModules = {"virtio_pci", "9pnet_virtio", "9p"};

struct Copy {
  fs::path from;
  fs::path to;  // absolute inside the image
};

// What ldd says a dynamic executable loads: every library and the dynamic loader, at the paths
// the loader will look for them. A static executable loads nothing.
std::vector<Copy> shared_libraries(const fs::path& executable) {
  const auto result = it::run({"ldd", executable.string()}, 30s);
  if (result.out.find("not a dynamic executable") != std::string::npos ||
      result.err.find("not a dynamic executable") != std::string::npos)
    return {};
  if (!result.exited_zero()) throw std::runtime_error("ldd failed:\n" + it::describe(result));
  std::vector<Copy> libs;
  std::istringstream lines(result.out);
  std::string line;
  while (std::getline(lines, line)) {
    line = trim(line);
    if (line.find("not found") != std::string::npos)
      throw std::runtime_error(executable.string() + " needs a library ldd cannot find: " + line);
    std::string path;
    if (const auto arrow = line.find("=> "); arrow != std::string::npos)
      path = line.substr(arrow + 3, line.find(' ', arrow + 3) - arrow - 3);
    else if (!line.empty() && line[0] == '/')
      path = line.substr(
          0, line.find(' '));  // the dynamic loader: "/lib64/ld-linux-x86-64.so.2 (0x...)"
    if (!path.empty() && path[0] == '/') libs.push_back({path, path});
  }
  return libs;
}

struct RootfsInputs {
  fs::path busybox;
  fs::path capprobe;
  std::vector<Copy> libraries;
  std::vector<std::string> applets;  // "bin/sh", "usr/bin/awk"...
};

RootfsInputs rootfs_inputs(const LabPaths& paths) {
  RootfsInputs in;
  in.busybox = require_program("busybox", "busybox-static");
  in.capprobe = paths.capprobe;
  if (!fs::exists(in.capprobe))
    throw std::runtime_error("the capprobe binary " + in.capprobe.string() + " does not exist");
  std::map<std::string, Copy> unique;
  for (const auto& exe : {in.busybox, in.capprobe})
    for (const auto& lib : shared_libraries(exe)) unique.emplace(lib.to.string(), lib);
  for (const auto& [_, lib] : unique) in.libraries.push_back(lib);
  const auto list = run_checked({in.busybox.string(), "--list-full"}, 30s);
  for (const auto& applet : split(list.out, '\n'))
    if (!trim(applet).empty()) in.applets.push_back(trim(applet));
  return in;
}

void fingerprint_rootfs(Fingerprint& fp, const RootfsInputs& in) {
  fp.add(kImageLayout);
  fp.add_file(in.busybox);
  fp.add_file(in.capprobe);
  for (const auto& lib : in.libraries) {
    fp.add(lib.to.string());
    fp.add_file(lib.from);
  }
}

void make_dir(const fs::path& dir, fs::perms perms = fs::perms(0755)) {
  fs::create_directories(dir);
  fs::permissions(dir, perms);
}

void copy_into(const fs::path& root, const fs::path& from, const fs::path& to, fs::perms perms) {
  const auto target = root / to.relative_path();
  fs::create_directories(target.parent_path());
  fs::copy_file(from, target, fs::copy_options::overwrite_existing);  // follows symlinks
  fs::permissions(target, perms);
}

// The image's tree: a small Linux userland a container or a guest can run capprobe in.
void populate_rootfs(const fs::path& root, const RootfsInputs& in) {
  for (const char* dir : {"bin", "sbin", "usr/bin", "usr/sbin", "lib", "lib64", "etc", "proc",
                          "sys", "dev", "run", "root", "mnt", "var/log", "home"})
    make_dir(root / dir);
  make_dir(root / "tmp", fs::perms(01777));
  make_dir(root / "var/tmp", fs::perms(01777));
  copy_into(root, in.busybox, "/bin/busybox", fs::perms(0755));
  for (const auto& applet : in.applets) {
    const auto link = root / applet;
    if (fs::exists(fs::symlink_status(link)) || applet == "bin/busybox") continue;
    fs::create_directories(link.parent_path());
    fs::create_symlink("/bin/busybox", link);
  }
  copy_into(root, in.capprobe, "/usr/bin/capprobe", fs::perms(0755));
  for (const auto& lib : in.libraries) copy_into(root, lib.from, lib.to, fs::perms(0755));

  write_file(root / "etc/passwd",
             "root:x:0:0:root:/root:/bin/sh\n"
             "lab:x:1000:1000:lab user:/home/lab:/bin/sh\n"
             "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  write_file(root / "etc/group",
             "root:x:0:\nlab:x:1000:\nlab-extra:x:2000:lab\nnogroup:x:65534:\n");
  write_file(root / "etc/hostname", "capprobe-lab\n");
  write_file(root / "etc/os-release",
             "PRETTY_NAME=\"capprobe lab image (busybox)\"\nNAME=\"capprobe lab\"\n"
             "ID=capprobe-lab\nVERSION_ID=\"1\"\n");
  make_dir(root / "home/lab");
  if (chown((root / "home/lab").c_str(), 1000, 1000) != 0)
    throw std::runtime_error("cannot chown the image's /home/lab");
}

// Removes the other entries named `prefix`* in `dir` (older fingerprints), keeping `keep`.
void remove_old_entries(const fs::path& dir, const std::string& prefix, const fs::path& keep) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && entry.path() != keep) fs::remove_all(entry.path());
  }
}

// Removes ".<what>-...-<pid>" temporaries of builders that died (we hold the lock, so no live
// builder is at work here).
void remove_dead_temporaries(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name[0] != '.' || name == ".lock") continue;
    const auto dash = name.rfind('-');
    if (dash == std::string::npos) continue;
    const int pid = std::atoi(name.c_str() + dash + 1);
    if (pid > 0 && !process_alive(pid)) fs::remove_all(entry.path(), ec);
  }
}

// Builds `target` with `build(temporary)` unless it already exists, under a lock.
fs::path cached(const fs::path& target, const std::function<void(const fs::path&)>& build) {
  const auto dir = target.parent_path();
  fs::create_directories(dir);
  FileLock lock(dir / ".lock");
  remove_dead_temporaries(dir);
  if (fs::exists(target)) return target;
  const auto temporary =
      dir / (".building-" + target.filename().string() + "-" + std::to_string(getpid()));
  fs::remove_all(temporary);
  try {
    build(temporary);
  } catch (...) {
    fs::remove_all(temporary);
    throw;
  }
  fs::rename(temporary, target);
  return target;
}

std::string apt_kernel_package() {
  const auto apt_cache = find_program("apt-cache");
  if (!apt_cache) return {};
  const auto result = it::run({apt_cache->string(), "depends", "linux-image-amd64"}, 60s);
  if (!result.exited_zero()) return {};
  for (const auto& line : split(result.out, '\n')) {
    const auto text = trim(line);
    const std::string tag = "Depends: linux-image-";
    if (text.rfind(tag, 0) == 0) return text.substr(std::string("Depends: ").size());
  }
  return {};
}

// The unpacked package tree's modules directory (lib/modules or usr/lib/modules).
fs::path modules_root(const fs::path& tree) {
  for (const char* candidate : {"lib/modules", "usr/lib/modules"})
    if (fs::is_directory(tree / candidate)) return tree / candidate;
  throw std::runtime_error("no lib/modules in the unpacked kernel package " + tree.string());
}

GuestKernel kernel_from_tree(const std::string& package, const fs::path& tree) {
  GuestKernel kernel;
  kernel.package = package;
  const auto modules = modules_root(tree);
  for (const auto& entry : fs::directory_iterator(modules))
    if (entry.is_directory()) kernel.release = entry.path().filename().string();
  if (kernel.release.empty())
    throw std::runtime_error("no kernel release under " + modules.string());
  kernel.modules_dir = modules / kernel.release;
  kernel.vmlinuz = tree / "boot" / ("vmlinuz-" + kernel.release);
  if (!fs::exists(kernel.vmlinuz))
    throw std::runtime_error("no kernel image " + kernel.vmlinuz.string());
  return kernel;
}

std::optional<fs::path> cached_deb(const fs::path& cache, const std::string& package) {
  std::optional<fs::path> found;
  for (const auto& entry : fs::directory_iterator(cache)) {
    const auto name = entry.path().filename().string();
    if (name.rfind(package + "_", 0) == 0 && entry.path().extension() == ".deb")
      found = entry.path();
  }
  return found;
}

// Topological order: each module after everything it depends on.
void add_with_dependencies(const std::string& module,
                           const std::map<std::string, std::vector<std::string>>& deps,
                           std::vector<std::string>& order, std::set<std::string>& seen) {
  if (!seen.insert(module).second) return;
  const auto found = deps.find(module);
  if (found == deps.end()) throw std::runtime_error("modules.dep does not list " + module);
  for (const auto& dep : found->second) add_with_dependencies(dep, deps, order, seen);
  order.push_back(module);
}

std::string module_name(const std::string& path) {
  auto name = fs::path(path).filename().string();
  name = name.substr(0, name.find(".ko"));
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

}  // namespace

fs::path container_image(const LabPaths& paths) {
  const auto in = rootfs_inputs(paths);
  Fingerprint fp;
  fingerprint_rootfs(fp, in);
  const auto images = paths.work / "images";
  const auto target = images / ("rootfs-" + fp.hex());
  return cached(target, [&](const fs::path& temporary) {
    const auto started = std::chrono::steady_clock::now();
    populate_rootfs(temporary, in);
    remove_old_entries(images, "rootfs-", target);
    std::cout << "lab: built the container image " << target.filename().string() << " in "
              << seconds_since(started) << " s\n";
  });
}

GuestKernel debian_kernel(const fs::path& cache) {
  fs::create_directories(cache);
  FileLock lock(cache / ".lock");
  remove_dead_temporaries(cache);
  auto package = apt_kernel_package();
  if (package.empty() && find_program("apt-get")) {
    // A machine whose package lists were never fetched (or were cleaned) resolves nothing.
    std::cout << "lab: apt-cache does not resolve linux-image-amd64; running apt-get update\n";
    it::run({"apt-get", "update", "-q"}, 300s);
    package = apt_kernel_package();
  }
  if (package.empty()) {
    // No apt metadata: a package downloaded earlier still serves.
    for (const auto& entry : fs::directory_iterator(cache))
      if (entry.path().filename().string().rfind("linux-image-", 0) == 0 &&
          fs::exists(entry.path() / ".unpacked"))
        package = entry.path().filename().string();
    if (package.empty())
      throw Skip(
          "no kernel package: apt-cache does not resolve linux-image-amd64 (apt-get update?)"
          " and " +
          cache.string() + " holds no unpacked kernel");
  }
  const auto tree = cache / package;
  if (fs::exists(tree / ".unpacked")) return kernel_from_tree(package, tree);

  auto deb = cached_deb(cache, package);
  if (!deb) {
    const auto apt_get = require_program("apt-get", "apt");
    std::cout << "lab: downloading " << package << " into " << cache.string() << "\n";
    const auto result = it::run({apt_get.string(), "download", "-q", package}, 600s,
                                it::RunOptions{cache.string(), {}});
    deb = cached_deb(cache, package);
    if (!result.exited_zero() || !deb)
      throw Skip("kernel package " + package + " not obtainable: apt-get download failed:\n" +
                 it::describe(result));
  }
  const auto started = std::chrono::steady_clock::now();
  const auto temporary = cache / (".unpacking-" + package + "-" + std::to_string(getpid()));
  fs::remove_all(temporary);
  try {
    run_checked({"dpkg-deb", "-x", deb->string(), temporary.string()}, 600s);
    const auto kernel = kernel_from_tree(package, temporary);
    // Debian generates modules.dep at install time (depmod in postinst); the package has none.
    run_checked({require_program("busybox", "busybox-static").string(), "depmod", "-b",
                 (modules_root(temporary).parent_path().parent_path()).string(), kernel.release},
                600s);
    write_file(temporary / ".unpacked", deb->filename().string() + "\n");
    fs::remove_all(tree);
    fs::rename(temporary, tree);
  } catch (...) {
    fs::remove_all(temporary);
    throw;
  }
  std::cout << "lab: unpacked " << deb->filename().string() << " in " << seconds_since(started)
            << " s\n";
  return kernel_from_tree(package, tree);
}

std::vector<std::string> guest_modules(const GuestKernel& kernel) {
  std::map<std::string, std::vector<std::string>> deps;  // path -> paths it needs
  std::map<std::string, std::string> path_of;            // name -> path
  for (const auto& line : split(read_file(kernel.modules_dir / "modules.dep"), '\n')) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto module = line.substr(0, colon);
    std::vector<std::string> needs;
    for (const auto& dep : split(trim(line.substr(colon + 1)), ' '))
      if (!dep.empty()) needs.push_back(dep);
    deps[module] = needs;
    path_of[module_name(module)] = module;
  }
  std::set<std::string> builtin;
  if (fs::exists(kernel.modules_dir / "modules.builtin"))
    for (const auto& line : split(read_file(kernel.modules_dir / "modules.builtin"), '\n'))
      if (!trim(line).empty()) builtin.insert(module_name(trim(line)));

  std::vector<std::string> order;
  std::set<std::string> seen;
  for (const auto& name : kGuestModules) {
    if (builtin.count(name)) continue;
    const auto path = path_of.find(name);
    if (path == path_of.end())
      throw std::runtime_error("kernel " + kernel.release + " has no module " + name);
    add_with_dependencies(path->second, deps, order, seen);
  }
  return order;
}

fs::path guest_initramfs(const LabPaths& paths, const GuestKernel& kernel) {
  const auto cpio = require_program("cpio", "cpio");
  const auto in = rootfs_inputs(paths);
  const auto modules = guest_modules(kernel);
  Fingerprint fp;
  fingerprint_rootfs(fp, in);
  fp.add_file(paths.guest_init);
  fp.add(kernel.package);
  for (const auto& module : modules) fp.add(module);
  const auto images = paths.work / "images";
  const auto target = images / ("initramfs-" + fp.hex() + ".cpio");
  return cached(target, [&](const fs::path& temporary) {
    const auto started = std::chrono::steady_clock::now();
    const auto stage = images / (".stage-" + std::to_string(getpid()));
    fs::remove_all(stage);
    try {
      populate_rootfs(stage, in);
      copy_into(stage, paths.guest_init, "/init", fs::perms(0755));
      std::string load_order;
      const auto guest_dir = fs::path("/lib/modules") / kernel.release;
      for (const auto& module : modules) {
        copy_into(stage, kernel.modules_dir / module, guest_dir / module, fs::perms(0644));
        load_order += (guest_dir / module).string() + "\n";
      }
      make_dir(stage / "lab");
      write_file(stage / "lab/modules", load_order);
      run_checked({"/bin/sh", "-c",
                   "cd \"$1\" && find . -print0 | \"$2\" --null -o -H newc -R 0:0 --quiet > \"$3\"",
                   "sh", stage.string(), cpio.string(), temporary.string()},
                  300s);
    } catch (...) {
      fs::remove_all(stage);
      throw;
    }
    fs::remove_all(stage);
    remove_old_entries(images, "initramfs-", target);
    std::cout << "lab: built the guest initramfs " << target.filename().string() << " ("
              << fs::file_size(temporary) / (1024 * 1024) << " MiB) in " << seconds_since(started)
              << " s\n";
  });
}

}  // namespace capprobe::lab
