// Turning errno values into the OsError values that every Linux platform call returns, so that
// probes see "EROFS" rather than a number or a sentence in the local language.
#pragma once

#include <string>
#include <string_view>

#include "platform/result.hpp"

namespace capprobe::platform::posix {

// "EROFS" for EROFS; "E<number>" for a value the C library has no name for.
std::string errno_name(int code);

// What the errno means for a probe (platform/result.hpp).
ErrorKind errno_kind(int code);

OsError os_error(int code, std::string context);

// The current errno as an OsError with the context "<action> <subject>". It reads errno before
// building any string (allocation may clobber errno), so call it right after the failing call.
OsError last_error(std::string_view action, std::string_view subject = {});

}  // namespace capprobe::platform::posix
