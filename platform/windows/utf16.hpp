// UTF-8 (what capprobe's strings hold) to and from UTF-16 (what the W functions of Win32 take).
#pragma once

#include <string>
#include <string_view>

#include "platform/result.hpp"

namespace capprobe::platform::win32 {

// ERROR_NO_UNICODE_TRANSLATION for text that is not UTF-8: a path is never guessed at.
Result<std::wstring> to_utf16(std::string_view utf8);

// NTFS names may hold unpaired surrogates, which have no UTF-8 spelling: they become U+FFFD, so
// such a name still shows in evidence (it cannot be opened again by that spelling).
std::string to_utf8(std::wstring_view utf16);

}  // namespace capprobe::platform::win32
