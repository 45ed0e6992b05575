// network_compartment: the network compartment of this thread, where a container's network
// lives apart from the node's (compartment 1, the default). GetCurrentThreadCompartmentId is
// loaded by name from iphlpapi.dll: Wine does not export it, and a program linked to it would
// then not start at all.
#include <windows.h>

#include <cstdint>

#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {

using win32::last_error;

namespace {

// NET_IF_COMPARTMENT_ID WINAPI GetCurrentThreadCompartmentId(void) (netioapi.h).
using GetCompartmentFunction = ULONG(WINAPI*)();

}  // namespace

Result<std::uint32_t> WindowsPlatform::network_compartment() const {
  // System32 only: a DLL of that name beside the executable must never be loaded instead.
  const HMODULE iphlpapi = ::LoadLibraryExW(L"iphlpapi.dll", nullptr, LOAD_LIBRARY_SEARCH_SYSTEM32);
  if (iphlpapi == nullptr) return last_error("LoadLibraryExW", "iphlpapi.dll");
  // Kept loaded: the process keeps needing it (interface_addresses), and freeing a system DLL
  // gains nothing.
  const FARPROC found = ::GetProcAddress(iphlpapi, "GetCurrentThreadCompartmentId");
  if (found == nullptr) return last_error("GetProcAddress", "GetCurrentThreadCompartmentId");
  const auto get_compartment =
      reinterpret_cast<GetCompartmentFunction>(reinterpret_cast<void (*)()>(found));
  return static_cast<std::uint32_t>(get_compartment());
}

}  // namespace capprobe::platform
