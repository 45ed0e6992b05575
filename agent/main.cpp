// capprobe's entry point: logging, the platform, the command line, then the chosen command.
// Every failure ends as one line on stderr and an exit code, never a stack trace.
#include <exception>
#include <iostream>
#include <string>
#include <variant>
#include <vector>

#include <spdlog/spdlog.h>

#include "agent/cli.hpp"
#include "agent/commands.hpp"
#include "agent/daemon/agent_command.hpp"
#include "agent/daemon/delivery_helper.hpp"
#include "agent/daemon/sonobuoy_command.hpp"
#include "agent/impact_command.hpp"
#include "collector/collector_command.hpp"
#include "platform/make_platform.hpp"
#include "platform/process/process.hpp"
#include "platform/terminal.hpp"

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Quiet by default (stdout is the report, stderr is for trouble); CAPPROBE_LOG=debug|info|...
void configure_logging(const capprobe::platform::Platform& os) {
  spdlog::set_pattern("capprobe[%n] %l: %v");
  spdlog::set_level(spdlog::level::warn);
  const auto wanted = os.env("CAPPROBE_LOG");
  if (!wanted || wanted->empty()) return;
  const auto level = spdlog::level::from_str(*wanted);
  // from_str answers "off" for any word it does not know; only "off" itself may mean off.
  if (level == spdlog::level::off && *wanted != "off") {
    std::cerr << "capprobe: ignoring CAPPROBE_LOG='" << *wanted
              << "' (expected trace, debug, info, warn, error or off)\n";
    return;
  }
  spdlog::set_level(level);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace capprobe;
  // First of all: this run may be a child the platform started (Windows' memory trial re-runs
  // this executable with a hidden argument, having no fork); it must not parse, log or probe.
  if (const int child = platform::run_internal_child_if_asked(argc, argv); child >= 0) return child;
  try {
    const auto args = platform::utf8_arguments(argc, argv);
    // Probe threads abandoned at their deadline (agent/runner.hpp) may still hold a reference
    // to the platform when main returns, so it lives until the process ends.
    auto& os = *platform::make_native_platform("/").release();
    configure_logging(os);
    const auto& catalog = probes::registered_probes();
    agent::Console console{std::cout, std::cerr, std::cin, platform::is_terminal(1)};

    return std::visit(
        Overloaded{
            [&](const agent::UsageError& error) {
              std::cerr << error.message << "\n";
              return agent::kExitUsage;
            },
            [&](const agent::HelpArgs& help) {
              std::cout << help.text;
              return std::cout.flush() ? agent::kExitOk : agent::kExitFailed;
            },
            [&](const agent::VersionArgs&) { return agent::run_version_command(console); },
            [&](const agent::ListArgs& list) {
              return agent::run_list_command(list, catalog, console);
            },
            [&](const agent::ProbeArgs& probe) {
              return agent::run_probe_command(probe, os, catalog, console,
                                              agent::daemon::get_pod_beside_me);
            },
            [&](const agent::SonobuoyArgs& sonobuoy) {
              return agent::daemon::sonobuoy_main(sonobuoy, os, catalog, console,
                                                  agent::daemon::get_pod_beside_me);
            },
            [&](const agent::ImpactArgs& impact) {
              return agent::run_impact_command(impact, console);
            },
            [&](const agent::DelegatedArgs& delegated) {
              return delegated.command == "agent" ? agent::agent_main(delegated.args)
                                                  : collector::collector_main(delegated.args);
            },
        },
        agent::parse_command_line(args, catalog));
  } catch (const std::exception& failure) {
    std::cerr << "capprobe: internal error: " << failure.what() << "\n";
    return agent::kExitFailed;
  } catch (...) {
    std::cerr << "capprobe: internal error\n";
    return agent::kExitFailed;
  }
}
