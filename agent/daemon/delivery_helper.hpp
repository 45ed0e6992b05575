// The agent's deliveries run in `capprobe-deliver`, a helper executable beside `capprobe`: one
// child process per POST, so that libcurl and its TLS libraries never stay resident in the
// long-running agent (its idle-memory target is 10 MiB; they alone take 6 MiB). This is the
// contract between the two: the helper's command line, and the one line it answers with.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/daemon/delivery.hpp"

namespace capprobe::agent::daemon {

inline constexpr const char* kDeliverHelperName = "capprobe-deliver";

// The helper's arguments (after argv[0]) for `config`; the report's JSON goes to its stdin.
std::vector<std::string> deliver_helper_arguments(const DeliveryConfig& config);

struct DeliverHelperUsage {
  std::string message;  // one line: what was wrong with the arguments
};

// The helper's side of deliver_helper_arguments.
std::variant<DeliverHelperUsage, DeliveryConfig> parse_deliver_helper_arguments(
    const std::vector<std::string>& args);

// The helper's answer on stdout: one JSON object on one line, {"result", "http_status",
// "detail"}; and its reading by the agent (nullopt for anything else).
std::string outcome_line(const DeliveryOutcome& outcome);
std::optional<DeliveryOutcome> parse_outcome_line(std::string_view line);

// Runs `helper` (the path of capprobe-deliver) for one report and waits for its answer, at most
// config.timeout plus the helper's start. A helper that fails or says nothing usable is a retry
// whose detail says why.
DeliveryOutcome deliver_with_helper(const std::string& helper, const DeliveryConfig& config,
                                    const std::string& body);

}  // namespace capprobe::agent::daemon
