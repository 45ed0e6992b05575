// `capprobe impact` and the --impact of `capprobe probe`: a report's conformance impact
// (impact/) in the formats of agent/formats/impact.hpp.
#pragma once

#include <string>

#include "agent/cli.hpp"
#include "agent/commands.hpp"
#include "agent/formats/impact.hpp"
#include "agent/report.hpp"

namespace capprobe::agent {

// The impact of `report` for the options' version (default the newest mapped) and profile.
ImpactView impact_of(const Report& report, const ImpactOptions& options);

// The report in `format` (table, json or junit) followed by, or carrying, its impact: the table
// after the report's table, the JSON as the envelope's "impact" member, the JUnit as more
// suites of the same document.
std::string render_with_impact(const Report& report, Format format, const RenderOptions& options,
                               const ImpactOptions& impact);

int run_impact_command(const ImpactArgs& args, Console& console);

}  // namespace capprobe::agent
