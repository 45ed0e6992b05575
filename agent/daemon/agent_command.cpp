// Wires the agent together: flags, pod spec, spool, then the event loop with
// the real probe round and delivery, each run in a child process (round_child.hpp,
// delivery_helper.hpp). Also the entry point of the round child itself.
#include "agent/daemon/agent_command.hpp"

#include <iostream>
#include <random>
#include <variant>

#include "agent/commands.hpp"
#include "agent/daemon/agent_loop.hpp"
#include "agent/daemon/delivery_helper.hpp"
#include "agent/daemon/options.hpp"
#include "agent/daemon/round_child.hpp"
#include "agent/daemon/spool.hpp"
#include "agent/log.hpp"
#include "agent/probe_round.hpp"
#include "platform/make_platform.hpp"
#include "platform/process/child_process.hpp"
#include "platform/process/process.hpp"

namespace capprobe::agent {
namespace {

// The NFD file's labels outlive a round by this many intervals: a late round or two keep them,
// a stopped agent's go.
constexpr int kNfdLifetimeIntervals = 3;

}  // namespace

int agent_main(const std::vector<std::string>& args) {
  using namespace daemon;
  // Probe threads abandoned at their deadline (agent/runner.hpp) may still hold a reference to
  // the platform when we return, so it lives until the process ends.
  auto& os = *platform::make_native_platform("/").release();
  const auto& catalog = probes::registered_probes();
  if (!args.empty() && args.front() == kRoundChildFlag)
    return run_round_child(os, catalog, std::cin, std::cout, get_pod_beside_me);

  auto parsed = parse_agent_args(args, catalog);
  if (const auto* error = std::get_if<AgentUsageError>(&parsed)) {
    std::cerr << error->message << "\n";
    return 2;
  }
  if (const auto* help = std::get_if<AgentHelp>(&parsed)) {
    std::cout << help->text;
    return std::cout.flush() ? 0 : 1;
  }
  auto options = std::get<AgentOptions>(std::move(parsed));
  if (const auto level = os.env("CAPPROBE_LOG"); !level || level->empty())
    spdlog::set_level(spdlog::level::info);

  // Read and checked once, here, so that a wrong spec is a usage error at start; each round's
  // child parses the same text again.
  RoundRequest round{
      options.selection,
      std::nullopt,
      "",
      container_name(options.container, os),
      options.nfd_file,
      kNfdLifetimeIntervals * std::chrono::duration_cast<std::chrono::seconds>(options.interval),
      options.pod_lookup};
  auto load = load_pod_requests(options.pod_spec, round.container, os, std::cin);
  if (!load.requests) {
    std::cerr << "capprobe: " << load.error << "\n";
    return 2;
  }
  if (options.pod_spec) {
    logger("agent")->info("pod spec {}", load.pod_spec.detail);
    round.pod_spec = std::move(load.text);
    round.pod_spec_name = *options.pod_spec;
  }

  std::string why;
  const auto found = deliver_helper_beside_me(why);
  if (!found) {
    std::cerr << "capprobe: the agent delivers with "
              << platform::executable_name(kDeliverHelperName)
              << ", which must be installed beside capprobe: " << why << "\n";
    return 1;
  }
  const auto& helper = *found;

  auto opened =
      Spool::open(options.spool_dir, {options.spool_max_reports, options.spool_max_bytes});
  if (const auto* problem = std::get_if<std::string>(&opened)) {
    std::cerr << "capprobe: cannot use --spool-dir " << options.spool_dir << ": " << *problem
              << "\n";
    return 1;
  }

  platform::ignore_broken_pipe_signal();
  platform::default_child_signal();

  // No residue sweep here: each round's child sweeps before it probes. The agent's own process
  // never touches a filesystem it does not own (its spool), since one hung volume would stop
  // its loop for good.
  DeliveryConfig delivery{reports_url(options.collector), options.token_file, options.ca_file,
                          options.connect_timeout, options.timeout};
  auto random = std::make_shared<std::mt19937_64>(std::random_device{}());
  AgentDeps deps{
      [round, deadline = round_deadline(catalog)] { return run_round_in_child(round, deadline); },
      [helper, delivery](const std::string& body) {
        return deliver_with_helper(helper, delivery, body);
      },
      [random] { return std::uniform_real_distribution<double>(0.0, 1.0)(*random); },
      platform::release_free_memory,
  };
  Agent agent(std::move(options), std::move(deps),
              std::get<std::unique_ptr<Spool>>(std::move(opened)), std::cout);
  return agent.run();
}

}  // namespace capprobe::agent
