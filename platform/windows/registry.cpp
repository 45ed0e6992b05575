// registry_string and registry_dword: values under HKEY_LOCAL_MACHINE read with RegGetValueW,
// which checks the type and terminates strings, unlike RegQueryValueExW.
#include "platform/windows/registry.hpp"

#include <string>

#include "platform/windows/utf16.hpp"
#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {
namespace win32 {
namespace {

const wchar_t* subkey_or_null(const std::wstring& subkey) {
  return subkey.empty() ? nullptr : subkey.c_str();
}

}  // namespace

Result<std::wstring> read_registry_string(HKEY key, const std::wstring& subkey,
                                          const std::wstring& value, const std::string& shown) {
  // The registry API returns its error code instead of setting the thread's last error.
  std::wstring text(128, L'\0');
  for (int attempt = 0; attempt < 4; ++attempt) {  // the value may grow between two reads
    DWORD bytes = static_cast<DWORD>(text.size() * sizeof(wchar_t));
    const LSTATUS status = ::RegGetValueW(key, subkey_or_null(subkey), value.c_str(), RRF_RT_REG_SZ,
                                          nullptr, text.data(), &bytes);
    if (status == ERROR_SUCCESS) {
      // `bytes` counts the terminating NUL, which RegGetValueW guarantees.
      text.resize(bytes / sizeof(wchar_t));
      while (!text.empty() && text.back() == L'\0') text.pop_back();
      return text;
    }
    if (status != ERROR_MORE_DATA) return os_error(status, "RegGetValueW " + shown);
    text.assign(bytes / sizeof(wchar_t) + 1, L'\0');
  }
  return os_error(ERROR_MORE_DATA, "RegGetValueW " + shown + ": the value kept growing");
}

Result<DWORD> read_registry_dword(HKEY key, const std::wstring& subkey, const std::wstring& value,
                                  const std::string& shown) {
  DWORD data = 0;
  DWORD bytes = sizeof data;
  const LSTATUS status = ::RegGetValueW(key, subkey_or_null(subkey), value.c_str(),
                                        RRF_RT_REG_DWORD, nullptr, &data, &bytes);
  if (status != ERROR_SUCCESS) return os_error(status, "RegGetValueW " + shown);
  return data;
}

}  // namespace win32

namespace {

std::string shown_value(const std::string& key, const std::string& value) {
  return "HKLM\\" + key + " " + value;
}

}  // namespace

Result<std::string> WindowsPlatform::registry_string(const std::string& key,
                                                     const std::string& value) const {
  auto wide_key = win32::to_utf16(key);
  if (!wide_key) return wide_key.error();
  auto wide_value = win32::to_utf16(value);
  if (!wide_value) return wide_value.error();
  auto text = win32::read_registry_string(HKEY_LOCAL_MACHINE, wide_key.value(), wide_value.value(),
                                          shown_value(key, value));
  if (!text) return text.error();
  return win32::to_utf8(text.value());
}

Result<std::uint32_t> WindowsPlatform::registry_dword(const std::string& key,
                                                      const std::string& value) const {
  auto wide_key = win32::to_utf16(key);
  if (!wide_key) return wide_key.error();
  auto wide_value = win32::to_utf16(value);
  if (!wide_value) return wide_value.error();
  auto data = win32::read_registry_dword(HKEY_LOCAL_MACHINE, wide_key.value(), wide_value.value(),
                                         shown_value(key, value));
  if (!data) return data.error();
  return static_cast<std::uint32_t>(data.value());
}

}  // namespace capprobe::platform
