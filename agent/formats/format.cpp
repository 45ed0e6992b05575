// Format names and dispatch; the JSON format is the envelope itself.
#include "agent/formats/format.hpp"

#include <array>
#include <utility>

namespace capprobe::agent {
namespace {

// Mount points and file contents can hold any bytes; invalid UTF-8 becomes U+FFFD rather than
// an exception that would lose the whole report.
std::string json_text(const Report& report, const RenderOptions&) {
  return render_json(report);
}

template <std::string (*Render)(const Report&)>
std::string without_options(const Report& report, const RenderOptions&) {
  return Render(report);
}

struct FormatEntry {
  Format format;
  std::string_view name;
  std::string (*render)(const Report&, const RenderOptions&);
};

// The one list of output formats: the word on the command line and the renderer. The first is
// the default.
constexpr std::array<FormatEntry, 6> kFormats{{
    {Format::table, "table", render_table},
    {Format::json, "json", json_text},
    {Format::junit, "junit", without_options<render_junit>},
    {Format::sonobuoy, "sonobuoy", without_options<render_sonobuoy>},
    {Format::prometheus, "prometheus", without_options<render_prometheus>},
    {Format::nfd, "nfd", without_options<render_nfd>},
}};

}  // namespace

std::optional<Format> format_from_string(std::string_view word) {
  for (const auto& entry : kFormats)
    if (entry.name == word) return entry.format;
  return std::nullopt;
}

std::string_view to_string(Format format) {
  for (const auto& entry : kFormats)
    if (entry.format == format) return entry.name;
  return "json";
}

std::string format_names(bool mark_default) {
  std::string names;
  for (std::size_t i = 0; i < kFormats.size(); ++i)
    names += std::string(i == 0                     ? ""
                         : i + 1 == kFormats.size() ? " or "
                                                    : ", ") +
             std::string(kFormats[i].name) + (i == 0 && mark_default ? " (default)" : "");
  return names;
}

std::string render_json(const Report& report) {
  return to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string render(const Report& report, Format format, const RenderOptions& options) {
  for (const auto& entry : kFormats)
    if (entry.format == format) return entry.render(report, options);
  return render_json(report);
}

}  // namespace capprobe::agent
