// Output formats of DESIGN.md ("Output formats"): one renderer per format, all from a Report.
// Every renderer makes "requested but ignored" impossible to miss in its own idiom.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "agent/report.hpp"

namespace capprobe::agent {

enum class Format { table, json, junit, sonobuoy, prometheus, nfd };

std::optional<Format> format_from_string(std::string_view word);
std::string_view to_string(Format format);
// "table (default), json, junit, sonobuoy, prometheus or nfd" (without "(default)" when
// `mark_default` is false): for help and error texts.
std::string format_names(bool mark_default = true);

struct RenderOptions {
  bool colour = false;  // ANSI colour (the table, when stdout is a terminal)
};

std::string render(const Report& report, Format format, const RenderOptions& options = {});

// One per format (agent/formats/<format>.cpp), listed with its name in format.cpp's one table.
std::string render_table(const Report& report, const RenderOptions& options);
std::string render_json(const Report& report);
std::string render_junit(const Report& report);
std::string render_sonobuoy(const Report& report);
std::string render_prometheus(const Report& report);
std::string render_nfd(const Report& report);

}  // namespace capprobe::agent
