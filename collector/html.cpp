// HTML rendering of the collector's pages. Plain server-side HTML with one inline stylesheet:
// a person on an air-gapped cluster opens it in any browser and sees the matrix.
#include "collector/html.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "collector/clock.hpp"
#include "collector/url.hpp"

#ifndef CAPPROBE_VERSION
#define CAPPROBE_VERSION "dev"
#endif

namespace capprobe::collector {
namespace {

using probes::Status;

constexpr std::size_t kNodesOnMatrixPage = 200;

constexpr const char* kStyle = R"css(
:root{--supported:#1e8e3e;--partial:#e0a100;--unsupported:#d93025;--untested:#8d96a0;
--not_applicable:#c3ccd5;--error:#8e24aa;--ink:#1f2933;--muted:#5f6b7a;--line:#dde3ea;
--bg:#f4f6f8;--alert:#c5221f}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
color:var(--ink);background:var(--bg)}
a{color:#1558b0;text-decoration:none}a:hover{text-decoration:underline}
header{background:#12263f;color:#fff;padding:14px 28px;display:flex;align-items:baseline;gap:18px;
flex-wrap:wrap}
header h1{margin:0;font-size:20px;font-weight:650;letter-spacing:.2px}
header h1 a{color:#fff}header .sub{color:#a9bcd0;font-size:13px}
main{padding:18px 28px 40px}
h2{font-size:16px;margin:26px 0 10px}
.tiles{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:16px}
.tile{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 16px;min-width:118px}
.tile b{display:block;font-size:24px;line-height:1.2}
.tile span{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.4px}
.tile.alert{background:#fce8e6;border:2px solid var(--alert);color:var(--alert)}
.tile.alert span{color:var(--alert)}
.banner{background:#fce8e6;border:2px solid var(--alert);border-radius:8px;padding:10px 16px;
margin-bottom:18px;color:#7a1610}
.banner h2{margin:0 0 6px;color:var(--alert)}.banner ul{margin:4px 0 0;padding-left:20px}
.legend{display:flex;gap:14px;flex-wrap:wrap;color:var(--muted);font-size:12px;margin:6px 0 12px}
.legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:4px;
vertical-align:-1px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:separate;border-spacing:0;background:#fff;border:1px solid var(--line);
border-radius:8px}
th,td{padding:7px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
tr:last-child>td,tr:last-child>th{border-bottom:0}
thead th{background:#eef2f6;font-size:12px;position:sticky;top:0}
table.matrix th.cap{position:sticky;left:0;background:#fff;z-index:1;white-space:nowrap}
table.matrix thead th.cap{background:#eef2f6;z-index:2}
.cap code{font-size:13px;font-weight:600}
.g-os{font-weight:700;font-size:13px}.g-env{color:var(--ink)}.g-rc{color:#1558b0}
.g-n{color:var(--muted);font-weight:400}
td.cell{min-width:150px}
td.total{background:#fafbfc;border-right:2px solid var(--line)}
td.empty{color:#b0b8c1;text-align:center}
td.ignored{background:#fff4f3;box-shadow:inset 0 0 0 2px var(--alert)}
.bar{display:flex;height:9px;border-radius:5px;overflow:hidden;background:#edf0f3;margin:2px 0 5px}
.bar span{display:block;height:100%}
.chips{display:flex;gap:4px;flex-wrap:wrap}
.chip{display:inline-block;border-radius:10px;padding:0 7px;font-size:12px;font-weight:600;
color:#fff;white-space:nowrap}
a.chip:hover{text-decoration:none;filter:brightness(.9)}
.b-supported,.c-supported{background:var(--supported)}
.b-partial,.c-partial{background:var(--partial)}.c-partial{color:#3d2c00}
.b-unsupported,.c-unsupported{background:var(--unsupported)}
.b-untested,.c-untested{background:var(--untested)}
.b-not_applicable,.c-not_applicable{background:var(--not_applicable)}.c-not_applicable{color:#2e3a45}
.b-error,.c-error{background:var(--error)}
.flag{display:inline-block;margin-top:5px;background:var(--alert);color:#fff;font-weight:700;
font-size:11.5px;border-radius:4px;padding:1px 6px;letter-spacing:.2px}
a.flag:hover{text-decoration:none;filter:brightness(.9)}
.muted{color:var(--muted)}.mono{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12.5px}
.stale{display:inline-block;background:#fff3cd;color:#7a5b00;border-radius:4px;padding:0 6px;
font-size:12px;font-weight:600}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;margin:0 0 20px;overflow:hidden}
.card h3{margin:0;padding:10px 14px;background:#eef2f6;font-size:15px}
.facts{display:flex;flex-wrap:wrap;gap:6px 22px;padding:10px 14px;border-bottom:1px solid var(--line)}
.facts div span{color:var(--muted);font-size:12px;margin-right:5px}
.card table{border:0;border-radius:0;width:100%}
tr.ignored td{background:#fff4f3}tr.ignored td:first-child{box-shadow:inset 4px 0 0 var(--alert)}
details summary{cursor:pointer;color:#1558b0;font-size:12px}
pre{margin:6px 0 0;max-height:320px;overflow:auto;background:#f6f8fa;border:1px solid var(--line);
border-radius:6px;padding:8px;font-size:12px}
footer{color:var(--muted);font-size:12px;padding:0 28px 24px}
)css";

constexpr std::array<const char*, 6> kSymbols{
    "\xE2\x9C\x93", "\xE2\x97\x90", "\xE2\x9C\x97", "?", "\xE2\x80\x93", "!"};

std::string status_word(Status status) {
  return std::string(probes::to_string(status));
}

std::string group_title(const Group& group) {
  return group.os + " / " + group.environment + " / " +
         (group.runtime_class ? *group.runtime_class : std::string("default runtime"));
}

std::string count_of(int count, const char* noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

std::string percent(int part, int whole) {
  char text[16];
  std::snprintf(text, sizeof text, "%.2f%%", whole > 0 ? 100.0 * part / whole : 0.0);
  return text;
}

std::string nodes_link(const std::optional<std::string>& group, const std::string& capability,
                       std::optional<Status> status, bool ignored) {
  std::string link = "/nodes?capability=" + percent_encode(capability);
  if (group) link += "&group=" + percent_encode(*group);
  if (status) link += "&status=" + status_word(*status);
  if (ignored) link += "&ignored=1";
  return html_escape(link);
}

std::string node_link(const std::string& node) {
  return "<a href=\"/nodes/" + html_escape(percent_encode(node)) + "\">" + html_escape(node) +
         "</a>";
}

std::string page_start(const std::string& title, const std::string& subtitle) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>" +
         html_escape(title) + "</title><style>" + kStyle +
         "</style></head><body><header><h1><a href=\"/\">capprobe fleet</a></h1><span "
         "class=\"sub\">" +
         subtitle + "</span></header><main>";
}

std::string page_end(std::int64_t now_ms) {
  return "</main><footer>capprobe collector " + html_escape(CAPPROBE_VERSION) +
         " &middot; generated " + html_escape(rfc3339_ms(now_ms)) +
         " &middot; JSON: <a href=\"/api/v1/matrix\">/api/v1/matrix</a>, "
         "<a href=\"/api/v1/nodes\">/api/v1/nodes</a>, <a href=\"/api/v1/reports\">"
         "/api/v1/reports</a> &middot; <a href=\"/metrics\">/metrics</a> &middot; <a "
         "href=\"/impact\">conformance impact</a></footer></body></html>\n";
}

std::string legend() {
  std::string out = "<div class=\"legend\">";
  for (std::size_t s = 0; s < kStatuses.size(); ++s) {
    const auto word = status_word(kStatuses[s]);
    out += "<span><i class=\"b-" + word + "\"></i>" + kSymbols[s] + " " + word + "</span>";
  }
  out +=
      "<span><b style=\"color:var(--alert)\">red outline</b> = requested in the pod spec but "
      "not honoured</span></div>";
  return out;
}

// The bar and count chips of one cell; chips link to the subjects behind them.
std::string cell_body(const Cell& cell, const std::optional<std::string>& group,
                      const std::string& capability) {
  std::string out = "<div class=\"bar\">";
  for (std::size_t s = 0; s < kStatuses.size(); ++s)
    if (cell.counts[s] > 0)
      out += "<span class=\"b-" + status_word(kStatuses[s]) +
             "\" style=\"width:" + percent(cell.counts[s], cell.subjects) + "\"></span>";
  out += "</div><div class=\"chips\">";
  for (std::size_t s = 0; s < kStatuses.size(); ++s) {
    if (cell.counts[s] == 0) continue;
    const auto word = status_word(kStatuses[s]);
    out += "<a class=\"chip c-" + word + "\" title=\"" + std::to_string(cell.counts[s]) + " " +
           word + "\" href=\"" + nodes_link(group, capability, kStatuses[s], false) + "\">" +
           kSymbols[s] + " " + std::to_string(cell.counts[s]) + "</a>";
  }
  out += "</div>";
  if (cell.requested_but_ignored > 0)
    out += "<a class=\"flag\" href=\"" + nodes_link(group, capability, std::nullopt, true) +
           "\">&#9888; " + std::to_string(cell.requested_but_ignored) +
           " REQUESTED BUT IGNORED</a>";
  return out;
}

std::string cell_td(const Cell& cell, const std::optional<std::string>& group,
                    const std::string& capability, const char* extra_class) {
  if (cell.subjects == 0)
    return std::string("<td class=\"cell empty ") + extra_class +
           "\" title=\"no subject in this group reported it\">&mdash;</td>";
  std::string cls = std::string("cell ") + extra_class;
  if (cell.requested_but_ignored > 0) cls += " ignored";
  return "<td class=\"" + cls + "\">" + cell_body(cell, group, capability) + "</td>";
}

std::string tile(const std::string& value, const std::string& label, bool alert) {
  return std::string("<div class=\"tile") + (alert ? " alert" : "") + "\"><b>" + value +
         "</b><span>" + label + "</span></div>";
}

std::string chip(Status status, int count) {
  const auto s = static_cast<std::size_t>(status);
  return "<span class=\"chip c-" + status_word(status) + "\" title=\"" + status_word(status) +
         "\">" + kSymbols[s] + (count > 1 ? " " + std::to_string(count) : std::string()) + " " +
         status_word(status) + "</span>";
}

std::string subject_label(const agent::Subject& subject) {
  std::string label = subject.pod ? *subject.pod : std::string("(no pod)");
  if (subject.container) label += " / " + *subject.container;
  return label;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string render_matrix_page(const Matrix& matrix) {
  std::size_t nodes = 0, stale_only = 0;
  for (const auto& row : matrix.nodes) (row.subjects > 0 ? nodes : stale_only) += 1;
  std::string out =
      page_start("capprobe fleet matrix",
                 "what each environment really supports, from each subject's latest report");

  out += "<div class=\"tiles\">";
  out += tile(std::to_string(matrix.subjects), "subjects", false);
  out += tile(std::to_string(nodes), "nodes", false);
  out += tile(std::to_string(matrix.groups.size()), "groups", false);
  out += tile(std::to_string(matrix.capabilities.size()), "capabilities", false);
  out += tile(std::to_string(matrix.requested_but_ignored), "requested but ignored",
              matrix.requested_but_ignored > 0);
  if (matrix.stale_subjects > 0)
    out += tile("<a href=\"/nodes?stale=1\">" + std::to_string(matrix.stale_subjects) + "</a>",
                "stale, not counted", false);
  out += "</div>";

  if (matrix.requested_but_ignored > 0) {
    out +=
        "<div class=\"banner\"><h2>&#9888; Requested but ignored</h2>The pod spec asked for "
        "these, and the environment silently did not do them:<ul>";
    for (std::size_t c = 0; c < matrix.capabilities.size(); ++c)
      for (std::size_t g = 0; g < matrix.groups.size(); ++g) {
        const Cell& cell = matrix.cells[c][g];
        if (cell.requested_but_ignored == 0) continue;
        out += "<li><a href=\"" +
               nodes_link(matrix.groups[g].key, matrix.capabilities[c], std::nullopt, true) +
               "\"><b class=\"mono\">" + html_escape(matrix.capabilities[c]) + "</b></a> on " +
               html_escape(group_title(matrix.groups[g])) + ": " +
               std::to_string(cell.requested_but_ignored) + " of " +
               count_of(cell.requested, "subject") + " that requested it</li>";
      }
    out += "</ul></div>";
  }

  if (matrix.subjects == 0) {
    out +=
        "<p class=\"muted\">No reports yet. Point agents at this collector: <code>capprobe "
        "agent --collector http://THIS-HOST:PORT</code>.</p>";
    return out + page_end(matrix.generated_at_ms);
  }

  out += "<h2>Capability matrix</h2>" + legend();
  out +=
      "<div class=\"scroll\"><table class=\"matrix\"><thead><tr><th class=\"cap\">capability"
      "</th><th><div class=\"g-os\">whole fleet</div><div class=\"g-n\">" +
      count_of(matrix.subjects, "subject") + "</div></th>";
  for (const auto& group : matrix.groups)
    out += "<th><div class=\"g-os\">" + html_escape(group.os) + "</div><div class=\"g-env\">" +
           html_escape(group.environment) + "</div><div class=\"g-rc\">" +
           (group.runtime_class ? html_escape(*group.runtime_class)
                                : std::string("<span class=\"muted\">default runtime</span>")) +
           "</div><div class=\"g-n\">" + count_of(group.subjects, "subject") + " &middot; " +
           count_of(group.nodes, "node") + "</div></th>";
  out += "</tr></thead><tbody>";
  for (std::size_t c = 0; c < matrix.capabilities.size(); ++c) {
    const auto& id = matrix.capabilities[c];
    out += "<tr><th class=\"cap\"><code>" + html_escape(id) + "</code></th>";
    out += cell_td(matrix.totals[c], std::nullopt, id, "total");
    for (std::size_t g = 0; g < matrix.groups.size(); ++g)
      out += cell_td(matrix.cells[c][g], matrix.groups[g].key, id, "");
    out += "</tr>";
  }
  out += "</tbody></table></div>";

  // Nodes with findings first, then by name; the full list is one click away.
  std::vector<const NodeRow*> rows;
  for (const auto& row : matrix.nodes)
    if (row.subjects > 0) rows.push_back(&row);
  std::stable_sort(rows.begin(), rows.end(), [](const NodeRow* a, const NodeRow* b) {
    return a->requested_but_ignored > b->requested_but_ignored;
  });
  out += "<h2>Nodes</h2>";
  if (rows.size() > kNodesOnMatrixPage)
    out += "<p class=\"muted\">Showing " + std::to_string(kNodesOnMatrixPage) + " of " +
           std::to_string(rows.size()) +
           " nodes, those with findings first. <a href=\"/nodes\">"
           "All subjects &rarr;</a></p>";
  out +=
      "<div class=\"scroll\"><table><thead><tr><th>node</th><th>subjects</th><th>groups</th>"
      "<th>results</th><th>requested but ignored</th></tr></thead><tbody>";
  for (std::size_t i = 0; i < rows.size() && i < kNodesOnMatrixPage; ++i) {
    const NodeRow& row = *rows[i];
    Cell sum;
    std::string ignored;
    for (std::size_t c = 0; c < row.cells.size(); ++c) {
      for (std::size_t s = 0; s < kStatuses.size(); ++s) sum.counts[s] += row.cells[c].counts[s];
      if (row.cells[c].requested_but_ignored > 0)
        ignored += "<span class=\"flag\">" + html_escape(matrix.capabilities[c]) + "</span> ";
    }
    std::string groups;
    for (const auto g : row.groups)
      groups += (groups.empty() ? "" : "<br>") + html_escape(group_title(matrix.groups[g]));
    std::string chips = "<div class=\"chips\">";
    for (std::size_t s = 0; s < kStatuses.size(); ++s)
      if (sum.counts[s] > 0) chips += chip(kStatuses[s], sum.counts[s]);
    chips += "</div>";
    out += "<tr><td>" + node_link(row.node) + "</td><td>" + std::to_string(row.subjects) +
           (row.stale_subjects > 0
                ? " <span class=\"stale\">+" + std::to_string(row.stale_subjects) + " stale</span>"
                : std::string()) +
           "</td><td class=\"muted\">" + groups + "</td><td>" + chips + "</td><td>" +
           (ignored.empty() ? std::string("<span class=\"muted\">none</span>") : ignored) +
           "</td></tr>";
  }
  out += "</tbody></table></div>";
  return out + page_end(matrix.generated_at_ms);
}

std::string render_subjects_page(const std::vector<const SubjectState*>& subjects,
                                 const SubjectFilter& filter, std::int64_t now_ms,
                                 std::chrono::seconds stale_after) {
  std::string description;
  if (filter.capability)
    description += "capability <b class=\"mono\">" + html_escape(*filter.capability) + "</b> ";
  if (filter.status)
    description +=
        std::string(filter.capability ? "is " : "any result is ") + chip(*filter.status, 1) + " ";
  if (filter.ignored_only) description += "<span class=\"flag\">requested but ignored</span> ";
  if (filter.group) description += "in group <b>" + html_escape(*filter.group) + "</b> ";
  if (filter.include_stale) description += "(stale subjects included) ";
  if (description.empty()) description = "all subjects";

  std::string out = page_start("capprobe subjects", "subjects where " + description);
  out += "<p><a href=\"/\">&larr; matrix</a> &middot; " +
         count_of(static_cast<int>(subjects.size()), "subject") + " where " + description + "</p>";
  out +=
      "<div class=\"scroll\"><table><thead><tr><th>node</th><th>pod / container</th>"
      "<th>group</th>";
  if (filter.capability) out += "<th>" + html_escape(*filter.capability) + "</th>";
  out += "<th>requested but ignored</th><th>received</th></tr></thead><tbody>";
  for (const SubjectState* state : subjects) {
    std::string ignored;
    std::string status;
    for (const auto& result : state->results) {
      if (result.requested_but_ignored())
        ignored += "<span class=\"flag\">" + html_escape(result.id) + "</span> ";
      if (filter.capability && result.id == *filter.capability) {
        status = chip(result.status, 1);
        if (result.requested) status += *result.requested ? " requested" : " not requested";
      }
    }
    const bool stale = is_stale(*state, now_ms, stale_after);
    out += "<tr><td>" + node_link(state->subject.node) + "</td><td class=\"mono\">" +
           html_escape(subject_label(state->subject)) + "</td><td class=\"muted\">" +
           html_escape(group_key(state->subject)) + "</td>";
    if (filter.capability) out += "<td>" + status + "</td>";
    out += "<td>" + (ignored.empty() ? std::string("<span class=\"muted\">none</span>") : ignored) +
           "</td><td class=\"muted\">" + html_escape(rfc3339_ms(state->received_at_ms)) +
           (stale ? " <span class=\"stale\">stale</span>" : "") + "</td></tr>";
  }
  out += "</tbody></table></div>";
  return out + page_end(now_ms);
}

std::string render_node_page(const std::string& node, const std::vector<NodeSubjectView>& subjects,
                             const std::vector<HistoryEntry>& history, std::int64_t now_ms) {
  std::string out = page_start("capprobe node " + node,
                               "node <b>" + html_escape(node) + "</b>: latest report per subject");
  out += "<p><a href=\"/\">&larr; matrix</a></p>";
  for (const auto& view : subjects) {
    const auto& subject = view.state.subject;
    int ignored = 0;
    for (const auto& result : view.state.results) ignored += result.requested_but_ignored();
    out += "<div class=\"card\"><h3>" + html_escape(subject_label(subject)) +
           (view.stale ? " <span class=\"stale\">stale</span>" : "") +
           (ignored > 0 ? " <span class=\"flag\">&#9888; " + std::to_string(ignored) +
                              " REQUESTED BUT IGNORED</span>"
                        : std::string()) +
           "</h3><div class=\"facts\">";
    const auto fact = [&](const char* label, const std::string& value) {
      out += std::string("<div><span>") + label + "</span>" + html_escape(value) + "</div>";
    };
    fact("runtime class", subject.runtime_class ? *subject.runtime_class : "default");
    fact("environment", subject.environment);
    fact("os", subject.os + " " + subject.arch);
    fact("os version", subject.os_version);
    fact("kernel", subject.kernel);
    fact("received", rfc3339_ms(view.state.received_at_ms));
    out += "<div><span>report</span><a class=\"mono\" href=\"/api/v1/reports/" +
           html_escape(percent_encode(view.state.report_id)) + "\">" +
           html_escape(view.state.report_id) + "</a></div></div>";
    if (!view.report) {
      out +=
          "<p class=\"muted\" style=\"padding:0 14px\">The stored report could not be read."
          "</p></div>";
      continue;
    }
    out +=
        "<table><thead><tr><th>capability</th><th>status</th><th>observed</th>"
        "<th>requested</th><th>summary and evidence</th></tr></thead><tbody>";
    for (const auto& result : view.report->value("results", nlohmann::json::array())) {
      const auto word = result.value("status", std::string("error"));
      const auto status = probes::status_from_string(word).value_or(Status::error);
      const auto& requested = result.contains("requested") ? result["requested"] : nlohmann::json();
      const bool is_ignored = probes::is_requested_but_ignored(
          requested.is_boolean() ? std::optional<bool>(requested.get<bool>()) : std::nullopt,
          status);
      out += std::string("<tr") + (is_ignored ? " class=\"ignored\"" : "") +
             "><td class=\"mono\"><b>" + html_escape(result.value("id", std::string())) +
             "</b></td><td>" + chip(status, 1) +
             (is_ignored ? "<br><span class=\"flag\">REQUESTED BUT IGNORED</span>" : "") +
             "</td><td class=\"mono\">" + html_escape(result.value("observed", std::string())) +
             "</td><td>" +
             (requested.is_boolean() ? (requested.get<bool>() ? "yes" : "no")
                                     : "<span class=\"muted\">unknown</span>") +
             "</td><td>" + html_escape(result.value("summary", std::string()));
      const auto evidence = result.value("evidence", nlohmann::json::object());
      if (!evidence.empty())
        out += "<details><summary>evidence</summary><pre>" +
               html_escape(evidence.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)) +
               "</pre></details>";
      out += "</td></tr>";
    }
    out += "</tbody></table></div>";
  }
  if (!history.empty()) {
    out +=
        "<h2>Recent reports from this node</h2><table><thead><tr><th>received</th>"
        "<th>report</th><th>pod / container</th></tr></thead><tbody>";
    for (const auto& entry : history) {
      std::string who;
      try {
        const auto subject = nlohmann::json::parse(entry.subject_json);
        const auto text = [&](const char* key) {
          return subject.contains(key) && subject[key].is_string() ? subject[key].get<std::string>()
                                                                   : std::string();
        };
        who = text("pod").empty() ? "(no pod)" : text("pod");
        if (!text("container").empty()) who += " / " + text("container");
      } catch (const std::exception&) {
        who = "?";
      }
      out += "<tr><td class=\"muted\">" + html_escape(rfc3339_ms(entry.received_at_ms)) +
             "</td><td><a class=\"mono\" href=\"/api/v1/reports/" +
             html_escape(percent_encode(entry.report_id)) + "\">" + html_escape(entry.report_id) +
             "</a></td><td class=\"mono\">" + html_escape(who) + "</td></tr>";
    }
    out += "</tbody></table>";
  }
  return out + page_end(now_ms);
}

std::string render_error_page(const std::string& kind, const std::string& message) {
  return page_start("capprobe: " + kind, html_escape(kind)) + "<p>" + html_escape(message) +
         "</p><p><a href=\"/\">&larr; matrix</a></p>" + page_end(unix_now_ms());
}

std::string render_not_found_page(const std::string& message) {
  return render_error_page("not found", message);
}

}  // namespace capprobe::collector
