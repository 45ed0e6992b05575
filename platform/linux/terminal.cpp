// isatty(3) behind platform/terminal.hpp.
#include "platform/terminal.hpp"

#include <unistd.h>

namespace capprobe::platform {

bool is_terminal(int fd) {
  return ::isatty(fd) == 1;
}

}  // namespace capprobe::platform
