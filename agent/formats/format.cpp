// Format names and dispatch; the JSON format is the envelope itself.
#include "agent/formats/format.hpp"

#include <array>
#include <utility>

namespace capprobe::agent {
namespace {
constexpr std::array<std::pair<Format, std::string_view>, 6> kFormatWords{{
    {Format::table, "table"},
    {Format::json, "json"},
    {Format::junit, "junit"},
    {Format::sonobuoy, "sonobuoy"},
    {Format::prometheus, "prometheus"},
    {Format::nfd, "nfd"},
}};
}  // namespace

std::optional<Format> format_from_string(std::string_view word) {
  for (const auto& [format, known] : kFormatWords)
    if (known == word) return format;
  return std::nullopt;
}

std::string_view to_string(Format format) {
  for (const auto& [known, word] : kFormatWords)
    if (known == format) return word;
  return "json";
}

// Mount points and file contents can hold any bytes; invalid UTF-8 becomes U+FFFD rather than
// an exception that would lose the whole report.
std::string render_json(const Report& report) {
  return to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string render(const Report& report, Format format, const RenderOptions& options) {
  switch (format) {
    case Format::table:
      return render_table(report, options);
    case Format::json:
      return render_json(report);
    case Format::junit:
      return render_junit(report);
    case Format::sonobuoy:
      return render_sonobuoy(report);
    case Format::prometheus:
      return render_prometheus(report);
    case Format::nfd:
      return render_nfd(report);
  }
  return render_json(report);
}

}  // namespace capprobe::agent
