// The human table: aligned columns for a 100-column terminal, colour on a terminal, and
// "requested but ignored" marked three ways (a "!!" row marker, an upper-case UNSUPPORTED and
// a closing banner) so that it stands out even without colour.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "agent/formats/format.hpp"
#include "probes/probe.hpp"

namespace capprobe::agent {
namespace {

using probes::CapabilityResult;
using probes::Status;

constexpr std::size_t kWidth = 100;
constexpr std::size_t kMinSummaryWidth = 28;
constexpr std::size_t kMaxObservedWidth = 16;
constexpr std::size_t kMaxIdWidth = 28;
constexpr std::size_t kMaxSummaryLines = 4;
constexpr std::string_view kIgnoredMarker = "!!";
constexpr std::string_view kGap = "  ";

constexpr std::string_view kReset = "\033[0m";
constexpr std::string_view kGreen = "\033[32m";
constexpr std::string_view kYellow = "\033[33m";
constexpr std::string_view kRed = "\033[31m";
constexpr std::string_view kBoldRed = "\033[1;31m";
constexpr std::string_view kDim = "\033[2m";
constexpr std::string_view kBold = "\033[1m";

// Probe text and host names reach a terminal: no control characters (escape sequences,
// newlines) get through.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  return out;
}

// Columns on screen: one per UTF-8 code point (summaries may hold "≈").
std::size_t width_of(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// The longest prefix of `text` that fits in `columns`, never splitting a code point.
std::string_view fit(std::string_view text, std::size_t columns) {
  std::size_t used = 0;
  for (std::size_t at = 0; at < text.size(); ++at) {
    if ((static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) continue;
    if (used == columns) return text.substr(0, at);
    ++used;
  }
  return text;
}

std::string pad(std::string_view text, std::size_t columns) {
  const auto used = width_of(text);
  return std::string(text) + std::string(columns > used ? columns - used : 0, ' ');
}

std::string cut(std::string_view text, std::size_t columns) {
  if (width_of(text) <= columns) return std::string(text);
  if (columns <= 3) return std::string(fit(text, columns));
  return std::string(fit(text, columns - 3)) + "...";
}

// Word wrap into lines of at most `columns`; a word longer than a line is broken. More than
// `max_lines` lines are cut, the last ending in "...".
std::vector<std::string> wrap(std::string_view text, std::size_t columns, std::size_t max_lines) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && text[at] == ' ') ++at;
    auto end = text.find(' ', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(at, end - at);
    at = end;
    if (word.empty()) break;
    while (!word.empty()) {
      const auto room = line.empty() ? columns : columns - std::min(columns, width_of(line) + 1);
      if (width_of(word) <= room) {
        if (!line.empty()) line += ' ';
        line.append(word);
        word = {};
      } else if (line.empty()) {
        const auto piece = fit(word, columns);
        lines.push_back(std::string(piece));
        word.remove_prefix(piece.size());
      } else {
        lines.push_back(std::move(line));
        line.clear();
      }
    }
  }
  if (!line.empty()) lines.push_back(std::move(line));
  if (lines.empty()) lines.emplace_back();
  if (lines.size() > max_lines) {
    lines.resize(max_lines);
    std::string kept(fit(lines.back(), columns > 4 ? columns - 4 : 0));
    kept.erase(kept.find_last_not_of(' ') + 1);
    lines.back() = kept + " ...";
  }
  return lines;
}

std::string_view colour_of(const CapabilityResult& result) {
  if (result.requested_but_ignored()) return kBoldRed;
  switch (result.status) {
    case Status::supported:
      return kGreen;
    case Status::partial:
      return kYellow;
    case Status::unsupported:
    case Status::error:
      return kRed;
    case Status::untested:
    case Status::not_applicable:
      return kDim;
  }
  return {};
}

std::string painted(const std::string& text, std::string_view colour, bool enabled) {
  if (!enabled || colour.empty()) return text;
  return std::string(colour) + text + std::string(kReset);
}

std::string status_word(const CapabilityResult& result) {
  std::string word(probes::to_string(result.status));
  if (result.requested_but_ignored())
    std::transform(word.begin(), word.end(), word.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return word;
}

std::string requested_word(const CapabilityResult& result) {
  if (!result.requested) return "-";
  return *result.requested ? "yes" : "no";
}

// "host.pid (hostPID)": the catalog names the pod-spec field behind an id.
std::string with_field(const std::string& id) {
  for (const auto& probe : probes::registered_probes())
    if (probe.info.id == id && !probe.info.pod_spec_field.empty())
      return id + " (" + probe.info.pod_spec_field + ")";
  return id;
}

// Where `requested` came from, and why part of it may be unknown (the container): wrapped,
// not cut, as the reason is the point. Nothing when no pod spec was given.
std::string pod_spec_lines(const PodSpecInfo& pod_spec) {
  if (pod_spec.source == "none") return "";
  std::string text;
  const auto lines = wrap(printable(pod_spec.detail), kWidth - 13, kMaxSummaryLines);
  for (std::size_t i = 0; i < lines.size(); ++i)
    text += (i == 0 ? "pod spec     " : std::string(13, ' ')) + lines[i] + "\n";
  return text;
}

std::string header(const Report& report) {
  const auto& subject = report.subject;
  const auto or_unknown = [](const std::string& value) {
    return value.empty() ? std::string("unknown") : printable(value);
  };
  std::vector<std::string> where;
  if (subject.pod) where.push_back("pod " + printable(*subject.pod));
  if (subject.container) where.push_back("container " + printable(*subject.container));
  if (subject.runtime_class) where.push_back("runtime class " + printable(*subject.runtime_class));
  std::string node = or_unknown(subject.node);
  for (std::size_t i = 0; i < where.size(); ++i)
    node += (i == 0 ? " (" : ", ") + where[i] + (i + 1 == where.size() ? ")" : "");

  std::string system = or_unknown(subject.kernel);
  std::vector<std::string> details;
  if (!subject.os_version.empty()) details.push_back(printable(subject.os_version));
  if (!subject.os.empty() || !subject.arch.empty())
    details.push_back(printable(subject.os) + "/" + printable(subject.arch));
  for (std::size_t i = 0; i < details.size(); ++i)
    system += (i == 0 ? " (" : ", ") + details[i] + (i + 1 == details.size() ? ")" : "");

  std::string text;
  text += "node         " + cut(node, kWidth - 13) + "\n";
  text += "environment  " + or_unknown(subject.environment) + "\n";
  text += "kernel       " + cut(system, kWidth - 13) + "\n";
  text += pod_spec_lines(report.pod_spec);
  text += "duration     " + std::to_string(report.duration_ms) + " ms (started " +
          or_unknown(report.started_at) + ", capprobe " + or_unknown(report.agent_version) + ")\n";
  return text;
}

std::string counts_line(const std::vector<CapabilityResult>& results) {
  constexpr std::array<Status, 6> kOrder{Status::supported,      Status::partial,
                                         Status::unsupported,    Status::untested,
                                         Status::not_applicable, Status::error};
  std::string line =
      std::to_string(results.size()) + (results.size() == 1 ? " capability" : " capabilities");
  std::string parts;
  for (const auto status : kOrder) {
    const auto count = std::count_if(results.begin(), results.end(),
                                     [&](const CapabilityResult& r) { return r.status == status; });
    if (count == 0) continue;
    parts += (parts.empty() ? "" : ", ") + std::to_string(count) + " " +
             std::string(probes::to_string(status));
  }
  return line + (parts.empty() ? "" : ": " + parts) + "\n";
}

}  // namespace

std::string render_table(const Report& report, const RenderOptions& options) {
  const bool colour = options.colour;
  std::string out = header(report) + "\n";
  const auto& results = report.results;
  if (results.empty()) return out + "No capabilities were probed.\n";

  std::size_t id_width = width_of("CAPABILITY"), status_width = width_of("STATUS"),
              observed_width = width_of("OBSERVED");
  const std::size_t requested_width = width_of("REQUESTED");
  for (const auto& result : results) {
    id_width = std::max(id_width, std::min(kMaxIdWidth, width_of(result.id)));
    status_width = std::max(status_width, width_of(status_word(result)));
    observed_width =
        std::max(observed_width, std::min(kMaxObservedWidth, width_of(printable(result.observed))));
  }
  const std::size_t marker_width = kIgnoredMarker.size() + 1;
  const std::size_t summary_column =
      marker_width + id_width + status_width + observed_width + requested_width + 4 * kGap.size();
  const std::size_t summary_width =
      std::max(kMinSummaryWidth, kWidth > summary_column ? kWidth - summary_column : 0);

  // Everything between the marker and the summary; `status` comes padded (and maybe painted).
  const auto cells = [&](const std::string& id, const std::string& status,
                         const std::string& observed, const std::string& requested) {
    return pad(id, id_width) + std::string(kGap) + status + std::string(kGap) +
           pad(observed, observed_width) + std::string(kGap) + pad(requested, requested_width) +
           std::string(kGap);
  };
  const auto emit = [&](std::string line) {
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  };
  emit(painted(std::string(marker_width, ' ') +
                   cells("CAPABILITY", pad("STATUS", status_width), "OBSERVED", "REQUESTED") +
                   "SUMMARY",
               kBold, colour));

  std::vector<const CapabilityResult*> ignored;
  for (const auto& result : results) {
    const bool is_ignored = result.requested_but_ignored();
    if (is_ignored) ignored.push_back(&result);
    const auto marker = is_ignored ? painted(std::string(kIgnoredMarker), kBoldRed, colour) + " "
                                   : std::string(marker_width, ' ');
    const auto status = painted(pad(status_word(result), status_width), colour_of(result), colour);
    const auto lines = wrap(printable(result.summary), summary_width, kMaxSummaryLines);
    emit(marker +
         cells(cut(result.id, id_width), status, cut(printable(result.observed), observed_width),
               requested_word(result)) +
         lines.front());
    for (std::size_t i = 1; i < lines.size(); ++i)
      emit(std::string(summary_column, ' ') + lines[i]);
  }

  // Two appends: "\n" + counts_line(...) makes GCC 12 warn falsely (-Wstringop-overflow).
  out += "\n";
  out += counts_line(results);
  if (!ignored.empty()) {
    // One line when it fits; otherwise one entry per line, so that an id and its pod-spec
    // field are never split.
    std::string head = std::string(kIgnoredMarker) + " " + std::to_string(ignored.size()) +
                       (ignored.size() == 1 ? " requested setting was IGNORED here:"
                                            : " requested settings were IGNORED here:");
    std::vector<std::string> entries;
    std::string one_line = head;
    for (std::size_t i = 0; i < ignored.size(); ++i) {
      entries.push_back(with_field(ignored[i]->id));
      one_line += " " + entries.back() + (i + 1 < ignored.size() ? "," : "");
    }
    if (width_of(one_line) <= kWidth) {
      out += painted(one_line, kBoldRed, colour) + "\n";
    } else {
      out += painted(head, kBoldRed, colour) + "\n";
      for (const auto& entry : entries)
        out += painted(std::string(marker_width, ' ') + "- " + entry, kBoldRed, colour) + "\n";
    }
  }
  return out;
}

}  // namespace capprobe::agent
