// Turning Win32 error codes into the OsError values that every Windows platform call returns, so
// that probes see "ERROR_PRIVILEGE_NOT_HELD" rather than a number or a sentence in the local
// language.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "platform/result.hpp"

namespace capprobe::platform::win32 {

// "ERROR_ACCESS_DENIED" for 5; "ERROR_<n>" for a code this table does not name.
std::string error_name(std::uint32_t code);

// What the code means for a probe (platform/result.hpp): ERROR_FILE_NOT_FOUND and
// ERROR_PATH_NOT_FOUND are absent, ERROR_ACCESS_DENIED and ERROR_PRIVILEGE_NOT_HELD denied...
ErrorKind error_kind(std::uint32_t code);

OsError os_error(std::uint32_t code, std::string context);

// GetLastError() as an OsError with the context "<action> <subject>". It reads the code before
// building any string (an allocation may reset it), so call it right after the failing call.
OsError last_error(std::string_view action, std::string_view subject = {});

// ERROR_CALL_NOT_IMPLEMENTED for a Platform call that has no Windows implementation yet: the
// probe then reports what it could not find out instead of a made-up answer.
OsError not_implemented(std::string_view call, std::string_view subject = {});

}  // namespace capprobe::platform::win32
