// Whether a standard stream is a terminal: the table format colours only then.
#pragma once

namespace capprobe::platform {

// fd 1 = stdout, 2 = stderr. False for pipes, files and on error.
bool is_terminal(int fd);

}  // namespace capprobe::platform
