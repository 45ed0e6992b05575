// The kernel's own version, for kernel_info() and kernel_version().
#pragma once

#include <windows.h>

#include "platform/result.hpp"

namespace capprobe::platform::win32 {

// RtlGetVersion from ntdll: the kernel's real version, where GetVersionEx answers what the
// executable's manifest claims to support (Windows 8 without one), whatever the kernel is.
Result<OSVERSIONINFOEXW> rtl_version();

}  // namespace capprobe::platform::win32
