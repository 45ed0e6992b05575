// The probe, list and version commands: read input, act, write output, pick the exit code.
#include "agent/commands.hpp"

#include <chrono>
#include <cstdio>
#include <random>

#include "agent/catalog.hpp"
#include "agent/formats/format.hpp"
#include "agent/impact_command.hpp"
#include "agent/log.hpp"
#include "agent/probe_round.hpp"
#include "agent/report.hpp"
#include "agent/sweeper.hpp"
#include "agent/user_files.hpp"
#include "probes/common/bounded.hpp"

namespace capprobe::agent {
namespace {

// How long the -o write may take: the file may sit on a network filesystem whose server is
// gone, and the run must still end.
constexpr std::chrono::seconds kOutputWriteLimit{30};

// Writes to stdout or to the -o file; "" or why it failed.
std::string deliver(const std::optional<std::string>& output, const std::string& text,
                    const std::string& scratch_name, Console& console) {
  if (output) {
    const auto written =
        probes::run_bounded(kOutputWriteLimit, [path = *output, text, scratch_name] {
          return write_file_atomically(path, text, scratch_name + "-output");
        });
    return written.done() ? *written.value : written.why_not(kOutputWriteLimit);
  }
  console.out << text;
  console.out.flush();
  return console.out ? "" : "cannot write to stdout";
}

bool wants_colour(const ProbeArgs& args, const platform::Platform& os, const Console& console) {
  if (args.format != Format::table || args.output || !console.out_is_terminal) return false;
  // https://no-color.org: any non-empty NO_COLOR disables colour.
  if (const auto no_color = os.env("NO_COLOR"); no_color && !no_color->empty()) return false;
  return os.env("TERM").value_or("") != "dumb";
}

}  // namespace

std::string new_scratch_name(int pid) {
  std::random_device entropy;
  char nonce[8];
  std::snprintf(nonce, sizeof nonce, "%06x", entropy() & 0xFFFFFFu);
  return ".capprobe-" + std::to_string(pid) + "-" + nonce;
}

std::optional<OneRound> probe_once(const ProbeArgs& args, platform::Platform& os,
                                   const std::vector<probes::Probe>& probes, Console& console,
                                   const PodGet& get_pod, std::string_view agent_mode,
                                   const std::vector<std::string>& sweep_too) {
  const auto log = logger("probe");

  // The user's input first: a bad --pod-spec is a usage error and must not touch the system.
  const auto container = container_name(args.container, os);
  auto load = load_pod_requests(args.pod_spec, container, os, console.in);
  if (!load.requests) {
    console.err << "capprobe: " << load.error << "\n";
    return std::nullopt;
  }
  // --pod-spec wins; without it, in a pod, the pod's own spec (never a usage error).
  if (!args.pod_spec) load = look_up_pod_requests(args.pod_lookup, container, os, get_pod);
  const auto& requests = *load.requests;

  // Bounded per place: a hung volume is named in the log, not waited for.
  SweepScope sweep;
  sweep.requests = requests;
  sweep.extra = sweep_too;
  log_sweep(sweep_residue(os, sweep));

  OneRound round;
  round.scratch_name = new_scratch_name(os.self_pid());
  log->debug("running probes scratch={} quick={}", round.scratch_name, args.selection.quick);
  round.report = run_probe_round(os, probes, requests, load.pod_spec, args.selection, agent_mode,
                                 round.scratch_name, api_access(args.pod_lookup, os, get_pod));
  return round;
}

int run_probe_command(const ProbeArgs& args, platform::Platform& os,
                      const std::vector<probes::Probe>& probes, Console& console,
                      const PodGet& get_pod) {
  // The -o directory is swept too: the report's temp file is named like scratch.
  std::vector<std::string> sweep_too;
  if (args.output) sweep_too.push_back(directory_of(*args.output));
  const auto round = probe_once(args, os, probes, console, get_pod, "oneshot", sweep_too);
  if (!round) return kExitUsage;

  RenderOptions options;
  options.colour = wants_colour(args, os, console);
  const auto text = args.impact.enabled
                        ? render_with_impact(round->report, args.format, options, args.impact)
                        : render(round->report, args.format, options);
  if (const auto failure = deliver(args.output, text, round->scratch_name, console);
      !failure.empty()) {
    console.err << "capprobe: cannot write the report"
                << (args.output ? " to " + *args.output : std::string()) << ": " << failure << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

int run_list_command(const ListArgs& args, const std::vector<probes::Probe>& probes,
                     Console& console) {
  console.out << (args.json ? catalog_json(probes).dump(2) + "\n" : render_catalog_table(probes));
  console.out.flush();
  return console.out ? kExitOk : kExitFailed;
}

int run_version_command(Console& console) {
  console.out << "capprobe " << CAPPROBE_VERSION << "\n";
  console.out.flush();
  return console.out ? kExitOk : kExitFailed;
}

}  // namespace capprobe::agent
