// Telling Wine from Windows, for tests whose expectation differs between the two.
#include "tests/windows/windows_test_support.hpp"

#include <windows.h>

namespace capprobe::testing {

std::optional<std::string> wine_version() {
  const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  if (ntdll == nullptr) return std::nullopt;
  const FARPROC found = ::GetProcAddress(ntdll, "wine_get_version");
  if (found == nullptr) return std::nullopt;
  using WineGetVersion = const char*(__cdecl*)();
  const auto get = reinterpret_cast<WineGetVersion>(reinterpret_cast<void (*)()>(found));
  return std::string(get());
}

}  // namespace capprobe::testing
