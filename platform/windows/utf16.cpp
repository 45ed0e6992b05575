// MultiByteToWideChar and WideCharToMultiByte with CP_UTF8, sized in two passes.
#include "platform/windows/utf16.hpp"

#include <windows.h>

#include <climits>

#include "platform/windows/win32_errors.hpp"

namespace capprobe::platform::win32 {

Result<std::wstring> to_utf16(std::string_view utf8) {
  if (utf8.empty()) return std::wstring();
  if (utf8.size() > INT_MAX) return os_error(ERROR_INVALID_PARAMETER, "to_utf16: text too long");
  const int length = static_cast<int>(utf8.size());
  // MB_ERR_INVALID_CHARS: fail on invalid input rather than substitute, which could turn two
  // different byte strings into one path.
  const int needed =
      ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8.data(), length, nullptr, 0);
  // The context leaves the text out: it is not UTF-8, and evidence must be.
  if (needed == 0) return last_error("MultiByteToWideChar", "(text that is not UTF-8)");
  std::wstring wide(static_cast<std::size_t>(needed), L'\0');
  if (::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8.data(), length, wide.data(),
                            needed) == 0) {
    return last_error("MultiByteToWideChar", "(text that is not UTF-8)");
  }
  return wide;
}

std::string to_utf8(std::wstring_view utf16) {
  if (utf16.empty() || utf16.size() > INT_MAX) return std::string();
  const int length = static_cast<int>(utf16.size());
  const int needed =
      ::WideCharToMultiByte(CP_UTF8, 0, utf16.data(), length, nullptr, 0, nullptr, nullptr);
  if (needed <= 0) return std::string();
  std::string narrow(static_cast<std::size_t>(needed), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, utf16.data(), length, narrow.data(), needed, nullptr, nullptr);
  return narrow;
}

}  // namespace capprobe::platform::win32
