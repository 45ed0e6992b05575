// Process-wide facts and settings the long-running agent needs that no library gives portably.
// Per OS in platform/process/<os>/process.cpp, chosen by CMake.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace capprobe::platform {

// A write to a connection the collector closed must be an error value, not SIGPIPE's death
// (libcurl with CURLOPT_NOSIGNAL leaves that to the application; TLS writes use write()).
void ignore_broken_pipe_signal();

// The agent waits for its child processes itself: an inherited "SIGCHLD ignored" would let the
// kernel reap them first and lose their exit status.
void default_child_signal();

// The command line's arguments after the program's name, as UTF-8: argv as it is on Linux; on
// Windows read again from the UTF-16 command line, since argv there is in the ANSI code page
// and garbles a path outside it.
std::vector<std::string> utf8_arguments(int argc, char** argv);

// Gives freed heap back to the system after a round, so that the idle agent stays small: the
// probes' threads leave per-thread malloc arenas behind otherwise.
void release_free_memory();

}  // namespace capprobe::platform
