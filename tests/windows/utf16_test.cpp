// UTF-8 <-> UTF-16 for the W functions: round trips outside ASCII and the BMP, and text that is
// not UTF-8 refused rather than guessed at.
#include <catch2/catch.hpp>

#include "platform/windows/utf16.hpp"

using namespace capprobe::platform;

TEST_CASE("utf16: text outside ASCII and outside the BMP survives the round trip") {
  const std::string text =
      "Gr\xC3\xBC\xC3\x9F"
      "e \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80";
  const auto wide = win32::to_utf16(text);
  REQUIRE(wide.ok());
  CHECK(wide.value() == L"Gr\u00FC\u00DFe \u65E5\u672C \U0001F600");
  CHECK(win32::to_utf8(wide.value()) == text);
}

TEST_CASE("utf16: empty text is empty both ways") {
  CHECK(win32::to_utf16("").value().empty());
  CHECK(win32::to_utf8(L"").empty());
}

TEST_CASE("utf16: text that is not UTF-8 is ERROR_NO_UNICODE_TRANSLATION") {
  const auto wide = win32::to_utf16("bad \xFF byte");
  REQUIRE_FALSE(wide.ok());
  CHECK(wide.error().name == "ERROR_NO_UNICODE_TRANSLATION");
}

TEST_CASE("utf16: an unpaired surrogate, which NTFS names may hold, becomes U+FFFD") {
  const std::wstring lone = {L'a', static_cast<wchar_t>(0xD800), L'b'};
  CHECK(win32::to_utf8(lone) ==
        "a\xEF\xBF\xBD"
        "b");
}
