// The lab's images, built once and cached: the container image (busybox-static, capprobe and
// the shared libraries it needs), a Debian kernel unpacked from its package, and the guest
// initramfs (the container image plus the guest's /init and the kernel modules it loads).
// Each cache entry is named by a fingerprint of its inputs, so a rebuilt capprobe makes a new
// image and an unchanged one is reused by every scenario of the run.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace capprobe::lab {

struct LabPaths {
  std::filesystem::path work;        // the build dir's lab work area: images, runs, reports
  std::filesystem::path cache;       // outside the repo: downloaded and unpacked kernel packages
  std::filesystem::path capprobe;    // the binary under test
  std::filesystem::path guest_init;  // tests/lab/guest/init.sh
};

// The container image's root directory (read-only use: containers get an overlay over it).
std::filesystem::path container_image(const LabPaths& paths);

struct GuestKernel {
  std::string package;  // "linux-image-6.1.0-56-amd64"
  std::string release;  // "6.1.0-56-amd64"
  std::filesystem::path vmlinuz;
  std::filesystem::path modules_dir;  // .../lib/modules/<release>, with a modules.dep
};

// The kernel that linux-image-amd64 depends on, downloaded with apt-get into the cache and
// unpacked with dpkg-deb once. Throws Skip when no package can be had.
GuestKernel debian_kernel(const std::filesystem::path& cache);

// The modules the Kata-like guest needs for its 9p root, with everything they depend on, in
// load order ("kernel/net/9p/9pnet.ko", ...; builtin ones left out).
std::vector<std::string> guest_modules(const GuestKernel& kernel);

// The guest initramfs (an uncompressed newc cpio archive).
std::filesystem::path guest_initramfs(const LabPaths& paths, const GuestKernel& kernel);

}  // namespace capprobe::lab
