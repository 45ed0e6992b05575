#include "agent/impact_command.hpp"

#include "agent/formats/escape.hpp"
#include "agent/user_files.hpp"
#include "impact/catalog.hpp"

namespace capprobe::agent {
namespace {

// A report is a few hundred KiB at most; the collector refuses larger ones too.
constexpr std::size_t kMaxReportBytes = 8 * 1024 * 1024;

}  // namespace

ImpactView impact_of(const Report& report, const ImpactOptions& options) {
  const auto version = options.k8s_version.value_or(impact::newest_version());
  ImpactView view{impact::predict(report, *impact::mapping_for(version)), std::nullopt};
  if (options.profile)
    view.profile = impact::judge(report, *impact::profile_named(*options.profile));
  return view;
}

std::string render_with_impact(const Report& report, Format format, const RenderOptions& options,
                               const ImpactOptions& impact) {
  const auto view = impact_of(report, impact);
  switch (format) {
    case Format::json: {
      auto json = to_json(report);
      json["impact"] = impact_json(view);
      return escape::json(json, 2) + "\n";
    }
    case Format::junit:
      return render_junit_with_impact(report, view);
    default:
      return render(report, format, options) + "\n" + render_impact_table(view);
  }
}

int run_impact_command(const ImpactArgs& args, Console& console) {
  const auto read = read_user_file(args.report, console.in, kMaxReportBytes);
  const auto name = args.report == "-" ? std::string("stdin") : args.report;
  if (!read.content) {
    console.err << "capprobe: cannot read the report " << name << ": " << read.error << "\n";
    return kExitUsage;
  }
  Report report;
  try {
    report = report_from_json(nlohmann::json::parse(*read.content));
  } catch (const std::exception& failure) {
    console.err << "capprobe: " << name << " is not a capprobe report: " << failure.what() << "\n";
    return kExitUsage;
  }
  const auto view = impact_of(report, args.options);
  switch (args.format) {
    case Format::json:
      console.out << render_impact_json(view);
      break;
    case Format::junit:
      console.out << render_impact_junit(view);
      break;
    default:
      console.out << render_impact_table(view);
      break;
  }
  console.out.flush();
  return console.out ? kExitOk : kExitFailed;
}

}  // namespace capprobe::agent
