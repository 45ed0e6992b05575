// The human table: alignment, width, colour, and "requested but ignored" impossible to miss.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>

#include "agent/formats/format.hpp"
#include "probes/probe.hpp"

using namespace capprobe;
using probes::Status;

namespace {

probes::CapabilityResult result(const std::string& id, Status status, std::optional<bool> requested,
                                const std::string& summary, const std::string& observed = "x") {
  probes::CapabilityResult r;
  r.id = id;
  r.status = status;
  r.requested = requested;
  r.summary = summary;
  r.observed = observed;
  return r;
}

agent::Report report_with(std::vector<probes::CapabilityResult> results) {
  agent::Report report;
  report.report_id = "8d5f2f0a-1111-4222-8333-444455556666";
  report.agent_version = "0.1.0";
  report.agent_mode = "oneshot";
  report.subject.node = "worker-3";
  report.subject.pod = "capprobe/x7k2p";
  report.subject.runtime_class = "kata";
  report.subject.os = "linux";
  report.subject.arch = "amd64";
  report.subject.os_version = "Debian GNU/Linux 12";
  report.subject.kernel = "6.1.0-18-amd64";
  report.subject.environment = "vm_guest";
  report.started_at = "2026-11-24T10:00:00Z";
  report.duration_ms = 1240;
  report.results = std::move(results);
  return report;
}

const std::string kLong =
    "REQUESTED BUT IGNORED: hostPID was requested but is not in effect: this process has its own "
    "PID namespace (pid:[4026532301]) and pid 1 is /pause, no kubelet or containerd is visible "
    "among 12 processes, which is what a VM-isolated pod looks like from inside its guest kernel "
    "and the words go on and on and on";

agent::Report mixed() {
  return report_with({
      result("fs.symlink", Status::supported, std::nullopt, "file and directory links work", "ok"),
      result("fs.readonly_root", Status::unsupported, true,
             "REQUESTED BUT IGNORED: readOnlyRootFilesystem was requested but / is writable",
             "writable"),
      result("host.pid", Status::unsupported, true, kLong, "isolated"),
      result("host.ipc", Status::unsupported, false, "hostIPC is blocked", "isolated"),
      result("resources.cpu_limit", Status::partial, std::nullopt, "limit 0.5, measured 0.48"),
      result("topology.numa", Status::untested, std::nullopt, "no NUMA"),
      result("security.confinement", Status::not_applicable, std::nullopt, ""),
      result("platform.os", Status::error, std::nullopt, "the probe failed: boom"),
  });
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string line_with(const std::string& text, const std::string& needle) {
  for (const auto& line : lines_of(text))
    if (line.find(needle) != std::string::npos) return line;
  return "";
}

std::size_t visible_width(const std::string& line) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\033') {
      while (i < line.size() && line[i] != 'm') ++i;
      continue;
    }
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++width;
  }
  return width;
}

}  // namespace

TEST_CASE("the header names node, environment, kernel and duration", "[table]") {
  const auto text = agent::render_table(mixed(), {});
  CHECK_THAT(line_with(text, "node"), Catch::Contains("worker-3") &&
                                          Catch::Contains("pod capprobe/x7k2p") &&
                                          Catch::Contains("runtime class kata"));
  CHECK_THAT(line_with(text, "environment"), Catch::Contains("vm_guest"));
  CHECK_THAT(line_with(text, "kernel"), Catch::Contains("6.1.0-18-amd64") &&
                                            Catch::Contains("Debian GNU/Linux 12") &&
                                            Catch::Contains("linux/amd64"));
  CHECK_THAT(line_with(text, "duration"), Catch::Contains("1240 ms"));
}

TEST_CASE("the header says where the requests came from, the container note included", "[table]") {
  auto report = mixed();
  CHECK_THAT(agent::render_table(report, {}), !Catch::Contains("pod spec"));  // none given
  report.pod_spec = {"file",
                     "/etc/capprobe/pod.json; container unknown: the pod has 2 containers (app, "
                     "probe) and neither --container nor CAPPROBE_CONTAINER names one"};
  const auto text = agent::render_table(report, {});
  const auto first = line_with(text, "pod spec");
  CHECK_THAT(first, Catch::StartsWith("pod spec     /etc/capprobe/pod.json; container unknown"));
  // Wrapped, not cut: the reason is the point.
  const auto rest = text.substr(text.find(first) + first.size() + 1);
  CHECK_THAT(rest.substr(0, rest.find('\n')),
             Catch::StartsWith("             ") && Catch::EndsWith("CAPPROBE_CONTAINER names one"));
}

TEST_CASE("requested but ignored stands out without colour", "[table]") {
  const auto text = agent::render_table(mixed(), {});
  CHECK(text.find('\033') == std::string::npos);
  const auto pid = line_with(text, "host.pid");
  CHECK_THAT(
      pid, Catch::StartsWith("!! ") && Catch::Contains("UNSUPPORTED") && Catch::Contains(" yes "));
  CHECK_THAT(line_with(text, "fs.readonly_root"),
             Catch::StartsWith("!! ") && Catch::Contains("UNSUPPORTED"));
  // Unsupported but not requested: plain lower case, no marker.
  const auto ipc = line_with(text, "host.ipc");
  CHECK_THAT(ipc,
             Catch::StartsWith("   ") && Catch::Contains("unsupported") && Catch::Contains(" no "));
  CHECK_THAT(line_with(text, "fs.symlink"), Catch::StartsWith("   ") && Catch::Contains(" - "));
  // The closing banner lists every ignored request, with its pod-spec field when the catalog
  // knows the id.
  const auto banner = line_with(text, "IGNORED here");
  CHECK_THAT(banner, Catch::StartsWith("!! 2 requested settings were IGNORED here:"));
  CHECK_THAT(text, Catch::Contains("fs.readonly_root (") && Catch::Contains("host.pid ("));
  CHECK_THAT(text, Catch::Contains("8 capabilities: 1 supported, 1 partial, 3 unsupported, "
                                   "1 untested, 1 not_applicable, 1 error"));
}

TEST_CASE("one ignored request is worded in the singular, none gives no banner", "[table]") {
  auto report =
      report_with({result("host.pid", Status::unsupported, true, "REQUESTED BUT IGNORED")});
  CHECK_THAT(agent::render_table(report, {}),
             Catch::Contains("\n!! 1 requested setting was IGNORED here: host.pid ("));
  report.results[0].requested = false;
  CHECK_THAT(agent::render_table(report, {}), !Catch::Contains("IGNORED here"));
  CHECK_THAT(agent::render_table(report_with({}), {}), Catch::Contains("No capabilities"));
}

TEST_CASE("colour by status, and the marker keeps its place with colour on", "[table]") {
  agent::RenderOptions colour;
  colour.colour = true;
  const auto text = agent::render_table(mixed(), colour);
  CHECK_THAT(line_with(text, "fs.symlink"), Catch::Contains("\033[32msupported"));
  CHECK_THAT(line_with(text, "resources.cpu_limit"), Catch::Contains("\033[33mpartial"));
  CHECK_THAT(line_with(text, "host.ipc"), Catch::Contains("\033[31munsupported"));
  CHECK_THAT(line_with(text, "platform.os"), Catch::Contains("\033[31merror"));
  CHECK_THAT(line_with(text, "topology.numa"), Catch::Contains("\033[2muntested"));
  CHECK_THAT(line_with(text, "security.confinement"), Catch::Contains("\033[2mnot_applicable"));
  const auto pid = line_with(text, "host.pid");
  CHECK_THAT(pid,
             Catch::StartsWith("\033[1;31m!!\033[0m ") && Catch::Contains("\033[1;31mUNSUPPORTED"));
  CHECK_THAT(line_with(text, "IGNORED here"), Catch::Contains("!! 2 requested settings"));
}

TEST_CASE("columns line up and long summaries wrap within 100 columns", "[table]") {
  for (const bool colour : {false, true}) {
    agent::RenderOptions options;
    options.colour = colour;
    const auto text = agent::render_table(mixed(), options);
    std::size_t summary_column = std::string::npos;
    for (const auto& line : lines_of(text)) {
      INFO(line);
      CHECK(visible_width(line) <= 100);
    }
    // Every row's status starts in the same column (plain rendering).
    if (!colour) {
      std::set<std::size_t> status_columns;
      for (const char* id : {"fs.symlink", "host.pid", "platform.os", "topology.numa"}) {
        const auto line = line_with(text, id);
        status_columns.insert(line.find_first_not_of(' ', line.find(id) + std::string(id).size()));
      }
      CHECK(status_columns.size() == 1);
      summary_column = line_with(text, "SUMMARY").find("SUMMARY");
      // The long summary continues on lines indented to the summary column, then is cut.
      const auto all = lines_of(text);
      const auto pid_row = std::find_if(all.begin(), all.end(), [](const std::string& line) {
        return line.find("host.pid") == 3;
      });
      REQUIRE(pid_row != all.end());
      CHECK(pid_row->substr(summary_column, 22) == "REQUESTED BUT IGNORED:");
      CHECK(std::next(pid_row)->find_first_not_of(' ') == summary_column);
      CHECK_THAT(*std::next(pid_row, 3), Catch::EndsWith("..."));
      CHECK(std::next(pid_row, 4)->find("host.ipc") == 3);
    }
  }
}

TEST_CASE("control characters from probes never reach the terminal", "[table]") {
  const auto text =
      agent::render_table(report_with({result("fs.symlink", Status::supported, std::nullopt,
                                              "evil\033[2Jsummary\nwith newline", "ok\033]0;x")}),
                          {});
  CHECK(text.find('\033') == std::string::npos);
  CHECK_THAT(text, Catch::Contains("evil [2Jsummary with newline"));
}

TEST_CASE("a long banner lists one entry per line, never splitting 'id (field)'", "[table]") {
  std::vector<probes::CapabilityResult> results;
  for (const auto& probe : probes::registered_probes())
    results.push_back(result(probe.info.id, Status::unsupported, true, "REQUESTED BUT IGNORED"));
  const auto text = agent::render_table(report_with(results), {});
  CHECK_THAT(text, Catch::Contains("\n!! " + std::to_string(results.size()) +
                                   " requested settings were IGNORED here:\n"));
  for (const auto& probe : probes::registered_probes()) {
    INFO(probe.info.id);
    const auto entry = probe.info.pod_spec_field.empty()
                           ? probe.info.id
                           : probe.info.id + " (" + probe.info.pod_spec_field + ")";
    CHECK_THAT(text, Catch::Contains("\n   - " + entry + "\n"));
  }
  for (const auto& line : lines_of(text)) {
    INFO(line);
    CHECK(visible_width(line) <= 100);
    CHECK(line.find(" ...") == std::string::npos);  // nothing here needs cutting
  }
}

TEST_CASE("a cut summary ends in ' ...' after a word, not after a gap", "[table]") {
  const auto text = agent::render_table(mixed(), {});
  for (const auto& line : lines_of(text))
    if (line.size() >= 4 && line.compare(line.size() - 4, 4, " ...") == 0)
      CHECK(line[line.size() - 5] != ' ');
}
