// A file's kind as the probes' evidence names it.
#pragma once

#include <string_view>

#include "platform/file_info.hpp"

namespace capprobe::probes {

inline std::string_view file_kind_name(platform::FileKind kind) {
  switch (kind) {
    case platform::FileKind::regular:
      return "regular";
    case platform::FileKind::directory:
      return "directory";
    case platform::FileKind::symlink:
      return "symlink";
    case platform::FileKind::socket:
      return "socket";
    case platform::FileKind::fifo:
      return "fifo";
    case platform::FileKind::char_device:
      return "char_device";
    case platform::FileKind::block_device:
      return "block_device";
    case platform::FileKind::other:
      break;
  }
  return "other";
}

}  // namespace capprobe::probes
