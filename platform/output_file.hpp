// Writing a file the user named on the command line (-o, --nfd-file). A reader must see the old
// file or the whole new one, so a regular file is replaced through a temp file and a rename. But
// a rename replaces whatever has the name: `-o /dev/null` as root would turn the device into a
// regular file. So only a regular file (or a new name) is replaced; a link keeps being a link
// (its regular target is replaced), a FIFO or a terminal, /dev/null or /dev/full is written
// through, and anything else (a disk, /dev/mem, a socket, a directory) is refused untouched.
#pragma once

#include <string>
#include <string_view>

namespace capprobe::platform {

struct OutputOptions {
  // The temp file's name, in the target's directory: name it after the run's scratch name so
  // that the residue sweeper recognises it should we die before the rename.
  std::string temp_name;
  // Permission bits of a new file; nullopt-like 0 means "as the umask gives" (0666 & ~umask).
  // A file that is replaced keeps its own mode unless `force_mode` is set.
  unsigned mode = 0;
  bool force_mode = false;
  // fsync the file and its directory before returning (the NFD file must survive a crash).
  bool durable = false;
};

// Writes `content` to `path` as described above. Returns "" or one line saying why not (the
// caller exits 1 or logs it); the target is unchanged on failure.
std::string write_output_file(const std::string& path, std::string_view content,
                              const OutputOptions& options);

}  // namespace capprobe::platform
