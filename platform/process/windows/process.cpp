// Windows implementation of process.hpp. The three process-wide settings answer POSIX hazards
// that Windows does not have, so each is a deliberate no-op, with the reason beside it, so that
// nobody adds work here that only looks useful. The UTF-8 arguments come from the UTF-16
// command line.
#include "platform/process/process.hpp"

#include <windows.h>

#include "platform/windows/utf16.hpp"

namespace capprobe::platform {

// Windows has no SIGPIPE: a write to a pipe or socket whose reader is gone fails with
// ERROR_NO_DATA / ERROR_BROKEN_PIPE or WSAECONNRESET, an error value at the call, already.
void ignore_broken_pipe_signal() {}

// Windows has no SIGCHLD and no automatic reaping: a child's exit code stays in its process
// object for as long as run_child holds the handle, whatever the parent inherited.
void default_child_signal() {}

namespace {

// The command line split as the C runtime splits it for argv (CommandLineToArgvW's rules; that
// function would add shell32.dll to the imports, which Nano Server's reduced DLL set is not
// known to carry): the program name up
// to the next space or closing quote, then words separated by blanks, where "..." groups, 2n
// backslashes before a quote are n and open or close it, 2n+1 are n and a literal quote, and ""
// inside quotes is a literal quote.
std::vector<std::wstring> split_command_line(const wchar_t* line) {
  std::vector<std::wstring> words;
  std::wstring word;
  const wchar_t* at = line;
  bool quoted = false;
  for (; *at != L'\0' && (quoted || (*at != L' ' && *at != L'\t')); ++at) {
    if (*at == L'"')
      quoted = !quoted;
    else
      word += *at;
  }
  words.push_back(std::move(word));
  while (true) {
    while (*at == L' ' || *at == L'\t') ++at;
    if (*at == L'\0') break;
    word.clear();
    quoted = false;
    while (*at != L'\0' && (quoted || (*at != L' ' && *at != L'\t'))) {
      std::size_t backslashes = 0;
      while (*at == L'\\') {
        ++backslashes;
        ++at;
      }
      if (*at == L'"') {
        word.append(backslashes / 2, L'\\');
        if (backslashes % 2 == 1) {
          word += L'"';
        } else if (quoted && at[1] == L'"') {
          word += L'"';
          ++at;
        } else {
          quoted = !quoted;
        }
        ++at;
      } else {
        word.append(backslashes, L'\\');
        if (*at != L'\0' && (quoted || (*at != L' ' && *at != L'\t'))) word += *at++;
      }
    }
    words.push_back(std::move(word));
  }
  return words;
}

}  // namespace

std::vector<std::string> utf8_arguments(int argc, char** argv) {
  const auto words = split_command_line(::GetCommandLineW());
  // Never differs from argv's count; if it did, argv is the next best answer.
  if (words.size() != static_cast<std::size_t>(argc))
    return std::vector<std::string>(argv + 1, argv + argc);
  std::vector<std::string> args;
  for (std::size_t i = 1; i < words.size(); ++i) args.push_back(win32::to_utf8(words[i]));
  return args;
}

// The Windows heap has no per-thread arenas that keep freed memory from the system (glibc's
// reason for malloc_trim): the heap manager decommits large free blocks itself, and everything
// a probe round allocates lives and dies in the round's child process anyway.
void release_free_memory() {}

}  // namespace capprobe::platform
