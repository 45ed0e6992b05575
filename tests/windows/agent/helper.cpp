// capprobe-test-helper.exe: the stand-in processes of the Windows agent tests, one mode a word.
//   echo CODE           copies stdin to stdout, then exits with CODE
//   exit CODE           prints "ok" without reading stdin, then exits with CODE
//   tree                starts "sleep" as a child of its own, prints its pid, sleeps
//   sleep               sleeps 60 s
//   close-stdout-sleep  closes its stdout, then sleeps 60 s
//   flood               writes to stdout until it cannot
//   pipe-server NAME    serves \\.\pipe\NAME (accepts, then drops, each client) until killed
#include <windows.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

int echo(int code) {
  const HANDLE in = ::GetStdHandle(STD_INPUT_HANDLE);
  const HANDLE out = ::GetStdHandle(STD_OUTPUT_HANDLE);
  char buffer[65536];
  DWORD got = 0;
  while (::ReadFile(in, buffer, sizeof buffer, &got, nullptr) && got > 0) {
    DWORD put = 0;
    if (!::WriteFile(out, buffer, got, &put, nullptr)) break;
  }
  return code;
}

int tree() {
  wchar_t self[MAX_PATH];
  ::GetModuleFileNameW(nullptr, self, MAX_PATH);
  std::wstring line = L"\"" + std::wstring(self) + L"\" sleep";
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  PROCESS_INFORMATION info{};
  if (!::CreateProcessW(self, line.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr, &startup,
                        &info))
    return 2;
  std::printf("%lu\n", info.dwProcessId);
  std::fflush(stdout);
  ::Sleep(60000);
  return 0;
}

int pipe_server(const std::string& name) {
  const std::wstring path = L"\\\\.\\pipe\\" + std::wstring(name.begin(), name.end());
  while (true) {
    const HANDLE pipe =
        ::CreateNamedPipeW(path.c_str(), PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE | PIPE_WAIT,
                           PIPE_UNLIMITED_INSTANCES, 4096, 4096, 0, nullptr);
    if (pipe == INVALID_HANDLE_VALUE) return 2;
    ::ConnectNamedPipe(pipe, nullptr);
    ::DisconnectNamedPipe(pipe);
    ::CloseHandle(pipe);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "echo") return echo(argc > 2 ? std::atoi(argv[2]) : 0);
  if (mode == "exit") {
    std::fputs("ok\n", stdout);
    return argc > 2 ? std::atoi(argv[2]) : 0;
  }
  if (mode == "tree") return tree();
  if (mode == "sleep") {
    ::Sleep(60000);
    return 0;
  }
  if (mode == "close-stdout-sleep") {
    std::fclose(stdout);  // the C runtime closes the handle under it
    ::Sleep(60000);
    return 0;
  }
  if (mode == "flood") {
    static char block[65536];
    DWORD put = 0;
    while (::WriteFile(::GetStdHandle(STD_OUTPUT_HANDLE), block, sizeof block, &put, nullptr)) {
    }
    return 0;
  }
  if (mode == "pipe-server" && argc > 2) return pipe_server(argv[2]);
  std::fprintf(stderr, "capprobe-test-helper: unknown mode '%s'\n", mode.c_str());
  return 64;
}
