// The registry and version facts: values this test writes under HKLM read back by type (in Wine's
// throwaway prefix; on Windows only where the token may write HKLM), and the two versions, the
// kernel's (RtlGetVersion) and the image's (the CurrentVersion key).
#include <windows.h>

#include <catch2/catch.hpp>
#include <string>

#include "platform/windows/windows_platform.hpp"
#include "tests/windows/windows_test_support.hpp"

using namespace capprobe::platform;
using capprobe::testing::report_skip;
using capprobe::testing::wine_version;

namespace {

// A key of this test's own under HKLM\SOFTWARE, deleted with everything in it at the end.
class TestKey {
 public:
  TestKey() : name_("SOFTWARE\\capprobe-test-" + std::to_string(::GetCurrentProcessId())) {
    const std::wstring wide(name_.begin(), name_.end());
    status_ = ::RegCreateKeyExW(HKEY_LOCAL_MACHINE, wide.c_str(), 0, nullptr, REG_OPTION_VOLATILE,
                                KEY_ALL_ACCESS, nullptr, &key_, nullptr);
  }
  ~TestKey() {
    if (status_ != ERROR_SUCCESS) return;
    ::RegCloseKey(key_);
    const std::wstring wide(name_.begin(), name_.end());
    ::RegDeleteTreeW(HKEY_LOCAL_MACHINE, wide.c_str());
  }
  TestKey(const TestKey&) = delete;
  TestKey& operator=(const TestKey&) = delete;

  LSTATUS status() const { return status_; }
  const std::string& name() const { return name_; }
  void set_string(const wchar_t* value, const std::wstring& text, DWORD type = REG_SZ) {
    REQUIRE(::RegSetValueExW(key_, value, 0, type, reinterpret_cast<const BYTE*>(text.c_str()),
                             static_cast<DWORD>((text.size() + 1) * sizeof(wchar_t))) ==
            ERROR_SUCCESS);
  }
  void set_dword(const wchar_t* value, DWORD data) {
    REQUIRE(::RegSetValueExW(key_, value, 0, REG_DWORD, reinterpret_cast<const BYTE*>(&data),
                             sizeof data) == ERROR_SUCCESS);
  }

 private:
  std::string name_;
  HKEY key_ = nullptr;
  LSTATUS status_ = ERROR_SUCCESS;
};

}  // namespace

TEST_CASE("registry_string and registry_dword: values written under HKLM read back by type") {
  TestKey key;
  if (key.status() == ERROR_ACCESS_DENIED) {
    return report_skip("this token may not write under HKLM (not elevated)");
  }
  REQUIRE(key.status() == ERROR_SUCCESS);
  key.set_string(L"Text", L"gr\u00FC\u00DFe 17763");
  key.set_string(L"Long", std::wstring(1000, L'x'));  // past RegGetValueW's first buffer
  key.set_string(L"Expanded", L"%CAPPROBE_TEST_EXPAND%\\bin", REG_EXPAND_SZ);
  key.set_dword(L"Number", 20348);
  REQUIRE(::SetEnvironmentVariableW(L"CAPPROBE_TEST_EXPAND", L"C:\\capprobe"));
  WindowsPlatform os;

  CHECK(os.registry_string(key.name(), "Text").value() ==
        "gr\xC3\xBC\xC3\x9F"
        "e 17763");
  CHECK(os.registry_string(key.name(), "Long").value() == std::string(1000, 'x'));
  CHECK(os.registry_string(key.name(), "Expanded").value() == "C:\\capprobe\\bin");
  CHECK(os.registry_dword(key.name(), "Number").value() == 20348u);

  // Another type than asked for, a missing value, a missing key: named, with their kinds.
  const auto wrong_type = os.registry_dword(key.name(), "Text");
  REQUIRE_FALSE(wrong_type.ok());
  CHECK(wrong_type.error().name == "ERROR_UNSUPPORTED_TYPE");
  CHECK(os.registry_string(key.name(), "Number").error().name == "ERROR_UNSUPPORTED_TYPE");
  const auto missing_value = os.registry_string(key.name(), "Nothing");
  CHECK(missing_value.error().name == "ERROR_FILE_NOT_FOUND");
  CHECK(missing_value.error().is_absent());
  CHECK(missing_value.error().context == "RegGetValueW HKLM\\" + key.name() + " Nothing");
  const auto missing_key = os.registry_dword(key.name() + "\\none", "Number");
  CHECK(missing_key.error().is_absent());
}

TEST_CASE("kernel_version: the numbers kernel_info's release is made of") {
  WindowsPlatform os;
  const auto version = os.kernel_version();
  REQUIRE(version.ok());
  const auto kernel = os.kernel_info();
  REQUIRE(kernel.ok());
  CHECK(kernel.value().release == std::to_string(version.value().major) + "." +
                                      std::to_string(version.value().minor) + "." +
                                      std::to_string(version.value().build));
  CHECK(version.value().product_type >= 1);  // VER_NT_WORKSTATION, _DOMAIN_CONTROLLER, _SERVER
  CHECK(version.value().product_type <= 3);
}

TEST_CASE("image_version: the CurrentVersion key's build, a number, and the product's name") {
  WindowsPlatform os;
  const auto image = os.image_version();
  REQUIRE(image.ok());
  REQUIRE(image.value().current_build_number.has_value());
  const auto& build = *image.value().current_build_number;
  REQUIRE_FALSE(build.empty());
  CHECK(build.find_first_not_of("0123456789") == std::string::npos);
  CHECK(image.value().product_name.has_value());
  if (wine_version()) {
    // Wine's RtlGetVersion follows this very key, so the two builds agree; a prefix has no UBR.
    CHECK(build == std::to_string(os.kernel_version().value().build));
    CHECK_FALSE(image.value().ubr.has_value());
  }
}
