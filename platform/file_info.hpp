// What a stat says about a file, in the words both OSes share.
#pragma once

#include <cstdint>

namespace capprobe::platform {

enum class FileKind { regular, directory, symlink, socket, fifo, char_device, block_device, other };

struct FileInfo {
  FileKind kind = FileKind::other;
  std::uint32_t mode = 0;  // permission bits (07777)
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t size = 0;
  std::int64_t modified_unix = 0;  // mtime, seconds since the epoch
};

}  // namespace capprobe::platform
