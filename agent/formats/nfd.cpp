// The nfd format: a Node Feature Discovery local feature file (features.d/), one
// `<label>=<value>` line per feature; NFD ignores lines starting with '#'. Every line must be a
// valid Kubernetes label, so a value that is not one is left out (with a comment saying so)
// rather than mangled into something capprobe did not observe. nfd-master must be allowed to
// publish the capprobe.io namespace (-extra-label-ns on NFD releases that restrict it).
#include <set>
#include <string>

#include "agent/formats/escape.hpp"
#include "agent/formats/format.hpp"

namespace capprobe::agent {
namespace {

constexpr std::string_view kPrefix = "capprobe.io/";

// A comment holds one line of text, and must not read as an NFD directive ("# +...").
std::string comment(std::string_view text) {
  std::string line = "# ";
  for (const char c : escape::utf8(text)) line += (c == '\n' || c == '\r') ? ' ' : c;
  return line + "\n";
}

// "capprobe.io/<name>=<value>", or a comment naming what was left out and why. `written` holds
// the labels so far: NFD keeps only the last of two, and one result's "<id>.observed" can be
// another result's id.
std::string label(const std::string& name, const std::string& value,
                  std::set<std::string>& written) {
  if (!escape::is_label_name(name))
    return comment("left out: '" + name + "' is not a valid label name");
  if (!escape::is_label_value(value))
    return comment("left out: " + std::string(kPrefix) + name + " '" + value +
                   "' is not a valid label value");
  if (!written.insert(name).second) {
    // Appended piece by piece: GCC 12 -O3 warns falsely (-Warray-bounds) on `"..." + string`.
    std::string note("left out: ");
    note.append(kPrefix).append(name).append("=").append(value);
    return comment(note.append(", a label already written above"));
  }
  return std::string(kPrefix) + name + "=" + value + "\n";
}

}  // namespace

std::string render_nfd(const Report& report) {
  std::string out = comment("capprobe " + report.agent_version + " node " + report.subject.node +
                            " report " + report.report_id + " started " + report.started_at);
  std::set<std::string> seen;     // a result id given twice counts once
  std::set<std::string> written;  // one line per label
  for (const auto& result : report.results) {
    if (!seen.insert(result.id).second) continue;
    out += label(result.id, std::string(probes::to_string(result.status)), written);
    if (!result.observed.empty()) out += label(result.id + ".observed", result.observed, written);
    if (result.requested_but_ignored()) out += label(result.id + ".ignored", "true", written);
  }
  return out;
}

}  // namespace capprobe::agent
