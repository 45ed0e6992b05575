// A tiny FUSE filesystem for the integration tests: it passes every call through to a backing
// directory, like a volume of a network or CSI driver. Two ways to misbehave on purpose:
//  --no-symlinks   symlink() fails with EPERM, as on vfat or a CIFS share without mfsymlinks;
//  a SIGSTOP       the server stops answering and every access to the mount blocks, as on a hung
//                  NFS server or a dead CSI driver (the test sends it; nothing here is needed).
//
// Usage: capprobe-it-fuse [--no-symlinks] BACKING_DIR MOUNT_POINT
// Runs in the foreground, single-threaded, until unmounted or killed. Root mounts directly.
#define FUSE_USE_VERSION 31

#include <dirent.h>
#include <fcntl.h>
#include <fuse.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::string g_backing;
bool g_no_symlinks = false;

std::string real(const char* path) {
  return g_backing + path;
}

int result(int rc) {
  return rc < 0 ? -errno : rc;
}

void* on_init(fuse_conn_info*, fuse_config* config) {
  // Nothing cached: every call reaches the server, so a stopped server blocks every access.
  config->entry_timeout = 0;
  config->attr_timeout = 0;
  config->negative_timeout = 0;
  config->use_ino = 1;
  return nullptr;
}

int on_getattr(const char* path, struct stat* info, fuse_file_info*) {
  return result(::lstat(real(path).c_str(), info));
}

int on_readdir(const char* path, void* buffer, fuse_fill_dir_t fill, off_t, fuse_file_info*,
               fuse_readdir_flags) {
  DIR* dir = ::opendir(real(path).c_str());
  if (dir == nullptr) return -errno;
  while (const dirent* entry = ::readdir(dir)) {
    struct stat info {};
    info.st_ino = entry->d_ino;
    info.st_mode = static_cast<mode_t>(DTTOIF(entry->d_type));
    if (fill(buffer, entry->d_name, &info, 0, static_cast<fuse_fill_dir_flags>(0)) != 0) break;
  }
  ::closedir(dir);
  return 0;
}

int on_readlink(const char* path, char* buffer, size_t size) {
  const auto got = ::readlink(real(path).c_str(), buffer, size - 1);
  if (got < 0) return -errno;
  buffer[got] = '\0';
  return 0;
}

int on_mknod(const char* path, mode_t mode, dev_t device) {
  return result(::mknod(real(path).c_str(), mode, device));
}
int on_mkdir(const char* path, mode_t mode) {
  return result(::mkdir(real(path).c_str(), mode));
}
int on_unlink(const char* path) {
  return result(::unlink(real(path).c_str()));
}
int on_rmdir(const char* path) {
  return result(::rmdir(real(path).c_str()));
}
int on_symlink(const char* target, const char* link) {
  if (g_no_symlinks) return -EPERM;
  return result(::symlink(target, real(link).c_str()));
}
int on_rename(const char* from, const char* to, unsigned int flags) {
  if (flags != 0) return -EINVAL;
  return result(::rename(real(from).c_str(), real(to).c_str()));
}
int on_chmod(const char* path, mode_t mode, fuse_file_info*) {
  return result(::chmod(real(path).c_str(), mode));
}
int on_chown(const char* path, uid_t uid, gid_t gid, fuse_file_info*) {
  return result(::lchown(real(path).c_str(), uid, gid));
}
int on_truncate(const char* path, off_t size, fuse_file_info*) {
  return result(::truncate(real(path).c_str(), size));
}
int on_utimens(const char* path, const timespec times[2], fuse_file_info*) {
  return result(::utimensat(AT_FDCWD, real(path).c_str(), times, AT_SYMLINK_NOFOLLOW));
}

int on_create(const char* path, mode_t mode, fuse_file_info* file) {
  const int fd = ::open(real(path).c_str(), file->flags, mode);
  if (fd < 0) return -errno;
  file->fh = static_cast<uint64_t>(fd);
  return 0;
}
int on_open(const char* path, fuse_file_info* file) {
  const int fd = ::open(real(path).c_str(), file->flags);
  if (fd < 0) return -errno;
  file->fh = static_cast<uint64_t>(fd);
  return 0;
}
int on_read(const char*, char* buffer, size_t size, off_t offset, fuse_file_info* file) {
  const auto got = ::pread(static_cast<int>(file->fh), buffer, size, offset);
  return got < 0 ? -errno : static_cast<int>(got);
}
int on_write(const char*, const char* buffer, size_t size, off_t offset, fuse_file_info* file) {
  const auto put = ::pwrite(static_cast<int>(file->fh), buffer, size, offset);
  return put < 0 ? -errno : static_cast<int>(put);
}
int on_release(const char*, fuse_file_info* file) {
  ::close(static_cast<int>(file->fh));
  return 0;
}
int on_statfs(const char* path, struct statvfs* info) {
  return result(::statvfs(real(path).c_str(), info));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-symlinks") == 0)
      g_no_symlinks = true;
    else
      positional.emplace_back(argv[i]);
  }
  if (positional.size() != 2) {
    std::fprintf(stderr, "usage: %s [--no-symlinks] BACKING_DIR MOUNT_POINT\n", argv[0]);
    return 2;
  }
  g_backing = positional[0];
  while (g_backing.size() > 1 && g_backing.back() == '/') g_backing.pop_back();

  fuse_operations operations{};
  operations.init = on_init;
  operations.getattr = on_getattr;
  operations.readdir = on_readdir;
  operations.readlink = on_readlink;
  operations.mknod = on_mknod;
  operations.mkdir = on_mkdir;
  operations.unlink = on_unlink;
  operations.rmdir = on_rmdir;
  operations.symlink = on_symlink;
  operations.rename = on_rename;
  operations.chmod = on_chmod;
  operations.chown = on_chown;
  operations.truncate = on_truncate;
  operations.utimens = on_utimens;
  operations.create = on_create;
  operations.open = on_open;
  operations.read = on_read;
  operations.write = on_write;
  operations.release = on_release;
  operations.statfs = on_statfs;

  // Foreground, single-threaded; the source name shows in mountinfo.
  std::vector<std::string> args = {
      argv[0], positional[1], "-f", "-s", "-o", "fsname=capprobe-it-fuse,subtype=capprobe-it"};
  std::vector<char*> fuse_argv;
  for (auto& arg : args) fuse_argv.push_back(arg.data());
  return fuse_main(static_cast<int>(fuse_argv.size()), fuse_argv.data(), &operations, nullptr);
}
