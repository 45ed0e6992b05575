// Windows implementation of platform/terminal.hpp: a console, not merely a character device
// (_isatty says yes for NUL too), and one that shows colour.
#include "platform/terminal.hpp"

#include <windows.h>

namespace capprobe::platform {

// The table's colours are ANSI escape sequences, which a Windows console shows only with
// virtual terminal processing on (Windows 10 and later; it is off by default for programs). So a
// console counts as a terminal once that mode is on, which this turns on for the console, as
// every colouring console program does; a console that refuses it gets the plain table.
bool is_terminal(int fd) {
  const DWORD which = fd == 1 ? STD_OUTPUT_HANDLE : fd == 2 ? STD_ERROR_HANDLE : 0;
  if (which == 0) return false;
  const HANDLE handle = ::GetStdHandle(which);
  DWORD mode = 0;
  if (handle == nullptr || handle == INVALID_HANDLE_VALUE || !::GetConsoleMode(handle, &mode))
    return false;
  return (mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0 ||
         ::SetConsoleMode(handle, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
}

}  // namespace capprobe::platform
