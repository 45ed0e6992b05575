// Writing a file the user named on the command line (-o, --nfd-file). A reader must see the old
// file or the whole new one, so a regular file is replaced through a temp file and a rename. But
// a rename replaces whatever has the name: `-o /dev/null` as root would turn the device into a
// regular file. So only a regular file (or a new name) is replaced; a link keeps being a link
// (its regular target is replaced), a FIFO or a terminal, /dev/null or /dev/full is written
// through, and anything else (a disk, /dev/mem, a socket, a directory) is refused untouched.
// A link is followed only where the kernel's protected_symlinks rule would follow it: not a
// link planted by another user in a shared sticky directory such as /tmp (as root, following
// one to /etc/shadow would replace it). A link to nothing is refused.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace capprobe::platform {

struct OutputOptions {
  // The temp file's name, in the target's directory: name it after the run's scratch name so
  // that the residue sweeper recognises it should we die before the rename.
  std::string temp_name;
  // The exact permission bits of the file written (e.g. 0644 for the NFD file, which another
  // user reads). Without it, a new file gets 0666 less the umask and a replaced file keeps its
  // own permission bits (never set-id bits).
  std::optional<unsigned> mode;
  // fsync the file and its directory before returning (a file that must survive a crash).
  bool durable = false;
};

// Writes `content` to `path` as described above. Returns "" or one line saying why not (the
// caller exits 1 or logs it); the target is unchanged on failure.
std::string write_output_file(const std::string& path, std::string_view content,
                              const OutputOptions& options);

}  // namespace capprobe::platform
