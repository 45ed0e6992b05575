// interface_addresses: every unicast address of every adapter (GetAdaptersAddresses), as
// getifaddrs gives them on Linux; host.network looks for the node's address among them.
#include <winsock2.h>
#include <ws2tcpip.h>
// After winsock2.h, which they need.
#include <iphlpapi.h>
#include <windows.h>
// objbase.h's "#define interface struct" would rename InterfaceAddress::interface.
#undef interface

#include <cstdint>
#include <string>
#include <vector>

#include "platform/windows/utf16.hpp"
#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {

using win32::os_error;

namespace {

// The adapters change between the size query and the read when one comes up meanwhile.
constexpr int kAttempts = 4;
// Microsoft's advice: start at 15 KB, which holds a usual machine's adapters in one call.
constexpr ULONG kFirstSize = 15 * 1024;

// The address as text, without a scope id ("fe80::1", not "fe80::1%3"), as inet_ntop writes it.
std::string address_text(const SOCKADDR* address) {
  wchar_t text[INET6_ADDRSTRLEN] = {};
  const void* raw = nullptr;
  if (address->sa_family == AF_INET) {
    raw = &reinterpret_cast<const sockaddr_in*>(address)->sin_addr;
  } else if (address->sa_family == AF_INET6) {
    raw = &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
  } else {
    return {};
  }
  if (::InetNtopW(address->sa_family, const_cast<void*>(raw), text, INET6_ADDRSTRLEN) == nullptr) {
    return {};
  }
  return win32::to_utf8(text);
}

}  // namespace

Result<std::vector<InterfaceAddress>> WindowsPlatform::interface_addresses() const {
  // Unicast addresses only, and the friendly names (no GAA_FLAG_SKIP_FRIENDLY_NAME).
  constexpr ULONG kFlags =
      GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER;
  std::vector<std::uint8_t> buffer;
  ULONG size = kFirstSize;
  ULONG status = ERROR_BUFFER_OVERFLOW;
  for (int attempt = 0; attempt < kAttempts && status == ERROR_BUFFER_OVERFLOW; ++attempt) {
    buffer.assign(size, 0);
    // The API returns its error code rather than setting the thread's last error.
    status = ::GetAdaptersAddresses(AF_UNSPEC, kFlags, nullptr,
                                    reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buffer.data()), &size);
  }
  std::vector<InterfaceAddress> out;
  if (status == ERROR_NO_DATA) return out;  // no adapter with an address at all
  if (status != ERROR_SUCCESS) return os_error(status, "GetAdaptersAddresses");
  for (const auto* adapter = reinterpret_cast<const IP_ADAPTER_ADDRESSES*>(buffer.data());
       adapter != nullptr; adapter = adapter->Next) {
    // The friendly name ("Ethernet", "vEthernet (nat)") is what ipconfig and people call it.
    const std::string name = adapter->FriendlyName != nullptr
                                 ? win32::to_utf8(adapter->FriendlyName)
                                 : std::string(adapter->AdapterName);
    for (const auto* unicast = adapter->FirstUnicastAddress; unicast != nullptr;
         unicast = unicast->Next) {
      const SOCKADDR* address = unicast->Address.lpSockaddr;
      if (address == nullptr) continue;
      auto text = address_text(address);
      if (text.empty()) continue;
      out.push_back(InterfaceAddress{name, std::move(text), address->sa_family == AF_INET6});
    }
  }
  return out;
}

}  // namespace capprobe::platform
