// POSIX (glibc) implementation of process.hpp.
#include <malloc.h>

#include <csignal>

#include "platform/process/process.hpp"

namespace capprobe::platform {

void ignore_broken_pipe_signal() {
  std::signal(SIGPIPE, SIG_IGN);
}

void default_child_signal() {
  std::signal(SIGCHLD, SIG_DFL);
}

std::vector<std::string> utf8_arguments(int argc, char** argv) {
  return std::vector<std::string>(argv + 1, argv + argc);
}

void release_free_memory() {
  ::malloc_trim(0);
}

}  // namespace capprobe::platform
