// Reading registry values with RegGetValueW: one value, its type checked by the call itself
// (ERROR_UNSUPPORTED_TYPE for another type), its size found in a second try.
#pragma once

#include <windows.h>

#include <string>

#include "platform/result.hpp"

namespace capprobe::platform::win32 {

// A REG_SZ or REG_EXPAND_SZ value (expanded, as RegGetValueW does by default) under `key`,
// `subkey` ("" for `key` itself). ERROR_FILE_NOT_FOUND when the key or the value is missing.
// `shown` names the value in errors.
Result<std::wstring> read_registry_string(HKEY key, const std::wstring& subkey,
                                          const std::wstring& value, const std::string& shown);

// A REG_DWORD value, likewise.
Result<DWORD> read_registry_dword(HKEY key, const std::wstring& subkey, const std::wstring& value,
                                  const std::string& shown);

}  // namespace capprobe::platform::win32
