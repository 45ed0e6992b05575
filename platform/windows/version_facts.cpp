// kernel_version and image_version: the build of the kernel this process runs on (RtlGetVersion)
// and the build of the image it runs from (the registry's CurrentVersion key), which differ under
// process isolation when a node runs an older image (a 2019 image on a 2022 node).
#include <string>

#include "platform/windows/registry.hpp"
#include "platform/windows/utf16.hpp"
#include "platform/windows/version.hpp"
#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {

using win32::last_error;
using win32::os_error;

namespace win32 {
namespace {

// NTSTATUS RtlGetVersion(PRTL_OSVERSIONINFOW): declared in the driver kit's headers only.
using RtlGetVersionFunction = LONG(WINAPI*)(OSVERSIONINFOEXW*);

}  // namespace

Result<OSVERSIONINFOEXW> rtl_version() {
  const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  if (ntdll == nullptr) return last_error("GetModuleHandleW", "ntdll.dll");
  const FARPROC found = ::GetProcAddress(ntdll, "RtlGetVersion");
  if (found == nullptr) return last_error("GetProcAddress", "RtlGetVersion");
  // Through a generic function pointer type: GCC warns on a direct cast between function types.
  const auto rtl_get_version =
      reinterpret_cast<RtlGetVersionFunction>(reinterpret_cast<void (*)()>(found));
  OSVERSIONINFOEXW version{};
  version.dwOSVersionInfoSize = sizeof version;
  if (const LONG status = rtl_get_version(&version); status != 0) {
    return os_error(ERROR_INVALID_FUNCTION,
                    "RtlGetVersion returned NTSTATUS " + std::to_string(status));
  }
  return version;
}

}  // namespace win32

namespace {

constexpr const wchar_t* kCurrentVersionKey = L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
constexpr const char* kCurrentVersionShown =
    "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";

std::string shown(const wchar_t* name) {
  return std::string(kCurrentVersionShown) + " " + win32::to_utf8(name);
}

// The values of the open CurrentVersion key: a missing one is nullopt (Nano Server has no
// DisplayVersion, builds before 1607 no UBR), any other failure the error.
Result<std::optional<std::string>> optional_text(HKEY key, const wchar_t* name) {
  auto value = win32::read_registry_string(key, L"", name, shown(name));
  if (value) return std::optional<std::string>(win32::to_utf8(value.value()));
  if (value.error().code == ERROR_FILE_NOT_FOUND) return std::optional<std::string>();
  return value.error();
}

Result<std::optional<std::uint32_t>> optional_dword(HKEY key, const wchar_t* name) {
  auto value = win32::read_registry_dword(key, L"", name, shown(name));
  if (value) return std::optional<std::uint32_t>(value.value());
  if (value.error().code == ERROR_FILE_NOT_FOUND) return std::optional<std::uint32_t>();
  return value.error();
}

}  // namespace

Result<WindowsVersion> WindowsPlatform::kernel_version() const {
  const auto version = win32::rtl_version();
  if (!version) return version.error();
  WindowsVersion out;
  out.major = version.value().dwMajorVersion;
  out.minor = version.value().dwMinorVersion;
  out.build = version.value().dwBuildNumber;
  out.product_type = version.value().wProductType;
  return out;
}

Result<WindowsImageVersion> WindowsPlatform::image_version() const {
  // One open key for the five values: they then come from one version of the key.
  HKEY raw = nullptr;
  if (const LSTATUS status =
          ::RegOpenKeyExW(HKEY_LOCAL_MACHINE, kCurrentVersionKey, 0, KEY_QUERY_VALUE, &raw);
      status != ERROR_SUCCESS) {
    return os_error(status, std::string("RegOpenKeyExW ") + kCurrentVersionShown);
  }
  struct KeyCloser {
    HKEY key;
    ~KeyCloser() { ::RegCloseKey(key); }
  } const closer{raw};
  WindowsImageVersion out;
  auto build = optional_text(raw, L"CurrentBuildNumber");
  if (!build) return build.error();
  out.current_build_number = std::move(build).value();
  auto ubr = optional_dword(raw, L"UBR");
  if (!ubr) return ubr.error();
  out.ubr = ubr.value();
  auto product = optional_text(raw, L"ProductName");
  if (!product) return product.error();
  out.product_name = std::move(product).value();
  // DisplayVersion ("21H2") from 20H2 on; ReleaseId ("1809") before, frozen at "2009" after.
  auto display = optional_text(raw, L"DisplayVersion");
  if (!display) return display.error();
  if (!display.value()) {
    display = optional_text(raw, L"ReleaseId");
    if (!display) return display.error();
  }
  out.display_version = std::move(display).value();
  auto installation = optional_text(raw, L"InstallationType");
  if (!installation) return installation.error();
  out.installation_type = std::move(installation).value();
  return out;
}

}  // namespace capprobe::platform
