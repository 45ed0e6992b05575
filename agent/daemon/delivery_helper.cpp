// Both sides of the agent <-> capprobe-deliver contract, and the agent's call of the helper.
#include "agent/daemon/delivery_helper.hpp"

#include <nlohmann/json.hpp>

#include "agent/log.hpp"
#include "platform/process/child_process.hpp"
#include "platform/utf8_path.hpp"

namespace capprobe::agent::daemon {
namespace {

// Process start and libcurl's loading, on top of the POST's own timeout.
constexpr Millis kHelperStartAllowance{10000};

std::optional<DeliveryResult> result_from_string(std::string_view text) {
  for (const auto result : {DeliveryResult::delivered, DeliveryResult::duplicate,
                            DeliveryResult::rejected, DeliveryResult::retry})
    if (to_string(result) == text) return result;
  return std::nullopt;
}

// The flags both modes take, as given: a mode says which it requires and fills in its defaults.
struct HelperFlags {
  std::optional<std::string> url;
  std::optional<std::string> token_file;
  std::optional<std::string> ca_file;
  std::optional<Millis> connect_timeout;
  std::optional<Millis> timeout;
};

std::variant<DeliverHelperUsage, HelperFlags> parse_helper_flags(
    const std::vector<std::string>& args) {
  HelperFlags flags;
  for (std::size_t i = 0; i < args.size(); i += 2) {
    const auto& flag = args[i];
    if (i + 1 >= args.size()) return DeliverHelperUsage{flag + " needs a value"};
    const auto& value = args[i + 1];
    if (flag == "--url") {
      flags.url = value;
    } else if (flag == "--token-file") {
      flags.token_file = value;
    } else if (flag == "--ca-file") {
      flags.ca_file = value;
    } else if (flag == "--connect-timeout" || flag == "--timeout") {
      const auto duration = parse_duration(value);
      if (!duration) return DeliverHelperUsage{flag + " '" + value + "' is not a duration"};
      (flag == "--timeout" ? flags.timeout : flags.connect_timeout) = *duration;
    } else {
      return DeliverHelperUsage{"unknown argument '" + flag + "'"};
    }
  }
  return flags;
}

}  // namespace

std::vector<std::string> deliver_helper_arguments(const DeliveryConfig& config) {
  std::vector<std::string> args{"--url",
                                config.reports_url,
                                "--connect-timeout",
                                format_duration(config.connect_timeout),
                                "--timeout",
                                format_duration(config.timeout)};
  if (config.token_file) args.insert(args.end(), {"--token-file", *config.token_file});
  if (config.ca_file) args.insert(args.end(), {"--ca-file", *config.ca_file});
  return args;
}

std::variant<DeliverHelperUsage, DeliveryConfig> parse_deliver_helper_arguments(
    const std::vector<std::string>& args) {
  auto parsed = parse_helper_flags(args);
  if (auto* usage = std::get_if<DeliverHelperUsage>(&parsed)) return *usage;
  auto& flags = std::get<HelperFlags>(parsed);
  if (!flags.url || flags.url->empty()) return DeliverHelperUsage{"--url is required"};
  DeliveryConfig config;
  config.reports_url = *flags.url;
  config.token_file = flags.token_file;
  config.ca_file = flags.ca_file;
  config.connect_timeout = flags.connect_timeout.value_or(config.connect_timeout);
  config.timeout = flags.timeout.value_or(config.timeout);
  return config;
}

std::string outcome_line(const DeliveryOutcome& outcome) {
  return nlohmann::json{{"result", to_string(outcome.result)},
                        {"http_status", outcome.http_status},
                        {"detail", outcome.detail}}
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

std::optional<DeliveryOutcome> parse_outcome_line(std::string_view line) {
  const auto json = nlohmann::json::parse(line, nullptr, false);
  if (!json.is_object()) return std::nullopt;
  const auto result = json.find("result");
  const auto status = json.find("http_status");
  const auto detail = json.find("detail");
  if (result == json.end() || !result->is_string() || status == json.end() ||
      !status->is_number_integer() || detail == json.end() || !detail->is_string())
    return std::nullopt;
  const auto parsed = result_from_string(result->get<std::string>());
  if (!parsed) return std::nullopt;
  return DeliveryOutcome{*parsed, status->get<long>(), detail->get<std::string>()};
}

DeliveryOutcome deliver_with_helper(const std::string& helper, const DeliveryConfig& config,
                                    const std::string& body) {
  platform::ChildRequest request;
  request.program = helper;
  request.argv = {helper};
  const auto args = deliver_helper_arguments(config);
  request.argv.insert(request.argv.end(), args.begin(), args.end());
  request.input = body;
  request.deadline = config.timeout + kHelperStartAllowance;
  request.max_output = 64 * 1024;
  const auto child = platform::run_child(request);
  if (child.exited_ok())
    if (auto outcome = parse_outcome_line(child.output)) return *outcome;
  return {DeliveryResult::retry, 0,
          std::string(kDeliverHelperName) + " failed (" + child.describe() + ")" +
              (child.exited_ok() ? ": no answer it could read" : "")};
}

PodGetConfig pod_get_config(const PodLookupPlan& plan) {
  return {plan.url, plan.token_file, plan.ca_file, plan.connect_timeout, plan.timeout};
}

std::vector<std::string> get_pod_helper_arguments(const PodGetConfig& config) {
  return {kGetPodMode,
          "--url",
          config.url,
          "--token-file",
          config.token_file,
          "--ca-file",
          config.ca_file,
          "--connect-timeout",
          format_duration(config.connect_timeout),
          "--timeout",
          format_duration(config.timeout)};
}

std::variant<DeliverHelperUsage, PodGetConfig> parse_get_pod_helper_arguments(
    const std::vector<std::string>& args) {
  auto parsed = parse_helper_flags(args);
  if (auto* usage = std::get_if<DeliverHelperUsage>(&parsed)) return *usage;
  auto& flags = std::get<HelperFlags>(parsed);
  // Each is required: the GET is never sent without its token, nor verified with another CA.
  for (const auto& [value, flag] : {std::pair{&flags.url, "--url"},
                                    {&flags.token_file, "--token-file"},
                                    {&flags.ca_file, "--ca-file"}})
    if (!*value || (*value)->empty()) return DeliverHelperUsage{std::string(flag) + " is required"};
  if (flags.url->rfind("https://", 0) != 0)
    return DeliverHelperUsage{"--url must be https:// (the API server)"};
  PodGetConfig config;
  config.url = *flags.url;
  config.token_file = *flags.token_file;
  config.ca_file = *flags.ca_file;
  config.connect_timeout = flags.connect_timeout.value_or(config.connect_timeout);
  config.timeout = flags.timeout.value_or(config.timeout);
  return config;
}

std::string pod_get_output(const PodGetAnswer& answer) {
  auto output = nlohmann::json{{"result", to_string(answer.result)},
                               {"http_status", answer.http_status},
                               {"attempts", answer.attempts},
                               {"detail", answer.detail}}
                    .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                "\n";
  if (answer.result == PodGetResult::ok) output += answer.body;
  return output;
}

std::optional<PodGetAnswer> parse_pod_get_output(std::string_view output) {
  const auto end = output.find('\n');
  if (end == std::string_view::npos) return std::nullopt;
  const auto json = nlohmann::json::parse(output.substr(0, end), nullptr, false);
  if (!json.is_object()) return std::nullopt;
  const auto result = json.find("result");
  const auto status = json.find("http_status");
  const auto attempts = json.find("attempts");
  const auto detail = json.find("detail");
  if (result == json.end() || !result->is_string() || status == json.end() ||
      !status->is_number_integer() || attempts == json.end() || !attempts->is_number_integer() ||
      detail == json.end() || !detail->is_string())
    return std::nullopt;
  const auto parsed = pod_get_result_from_string(result->get<std::string>());
  if (!parsed) return std::nullopt;
  PodGetAnswer answer{*parsed, status->get<long>(), attempts->get<int>(),
                      detail->get<std::string>(), std::string(output.substr(end + 1))};
  if ((answer.result == PodGetResult::ok) == answer.body.empty()) return std::nullopt;
  return answer;
}

PodGetAnswer get_pod_with_helper(const std::string& helper, const PodGetConfig& config) {
  platform::ChildRequest request;
  request.program = helper;
  request.argv = {helper};
  const auto args = get_pod_helper_arguments(config);
  request.argv.insert(request.argv.end(), args.begin(), args.end());
  request.deadline = config.timeout + kHelperStartAllowance;
  request.max_output = kMaxPodBytes + 64 * 1024;  // the body and its header line
  const auto child = platform::run_child(request);
  if (child.exited_ok())
    if (auto answer = parse_pod_get_output(child.output)) return *answer;
  PodGetAnswer failed;
  failed.detail = std::string(kDeliverHelperName) + " failed (" + child.describe() + ")" +
                  (child.exited_ok() ? ": no answer it could read" : "");
  return failed;
}

std::optional<std::string> deliver_helper_beside_me(std::string& why) {
  const auto own_dir = platform::own_executable_dir(why);
  if (!own_dir) {
    why = "cannot find capprobe's own directory: " + why;
    return std::nullopt;
  }
  auto helper =
      platform::utf8_string(platform::utf8_path(*own_dir) /
                            platform::utf8_path(platform::executable_name(kDeliverHelperName)));
  if (!platform::is_executable_file(helper)) {
    why = helper + " is missing";
    return std::nullopt;
  }
  return helper;
}

PodGetAnswer get_pod_beside_me(const PodLookupPlan& plan) {
  std::string why;
  const auto helper = deliver_helper_beside_me(why);
  if (!helper) {
    PodGetAnswer answer;
    answer.detail = std::string(kDeliverHelperName) +
                    ", which sends the request, is not installed beside capprobe (" + why + ")";
    return answer;
  }
  logger("pod-spec")->debug("GET own pod through {} url={}", *helper, plan.url);
  return get_pod_with_helper(*helper, pod_get_config(plan));
}

}  // namespace capprobe::agent::daemon
