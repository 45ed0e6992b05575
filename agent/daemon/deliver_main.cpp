// capprobe-deliver: the helper capprobe runs for each network request (delivery_helper.hpp has
// the contract). By default it POSTs the report on its stdin to the collector and prints what
// came of it as one JSON line; `get-pod` GETs the pod's own spec from the API server. A
// separate executable so that only this short-lived process ever loads libcurl and TLS.
#include <iostream>
#include <iterator>
#include <string>
#include <variant>
#include <vector>

#include "agent/daemon/delivery_helper.hpp"
#include "agent/daemon/http_delivery.hpp"
#include "agent/daemon/pod_get.hpp"
#include "platform/process/process.hpp"

namespace {

// Far above a real report (15-30 KiB), far below anything that could hurt the node.
constexpr std::size_t kMaxReportBytes = 16u << 20;

constexpr const char* kHelp =
    "Usage: capprobe-deliver --url URL [--token-file FILE] [--ca-file FILE]\n"
    "                        [--connect-timeout DURATION] [--timeout DURATION] < REPORT.json\n"
    "\n"
    "POSTs one report to a capprobe collector and prints the outcome as one JSON line:\n"
    "  {\"result\":\"delivered|duplicate|rejected|retry\",\"http_status\":N,\"detail\":\"...\"}\n"
    "`capprobe agent` runs it for every delivery; it is not meant to be run by hand.\n"
    "\n"
    "       capprobe-deliver get-pod --url URL --token-file FILE --ca-file FILE\n"
    "                        --connect-timeout DURATION --timeout DURATION\n"
    "\n"
    "GETs the pod's own spec from the API server (HTTPS verified against --ca-file only, no\n"
    "proxy, one retry after a 401 with the token read again) and prints one JSON line\n"
    "  {\"result\":\"ok|http_error|no_token|tls_failed|timed_out|failed\",\"http_status\":N,\n"
    "   \"attempts\":N,\"detail\":\"...\"}\n"
    "followed, when the result is ok, by the Pod's JSON.\n";

// The get-pod mode: `args` are the words after the mode word.
int get_pod_main(const std::vector<std::string>& args) {
  using namespace capprobe::agent::daemon;
  const auto parsed = parse_get_pod_helper_arguments(args);
  if (const auto* usage = std::get_if<DeliverHelperUsage>(&parsed)) {
    std::cerr << "capprobe-deliver: " << usage->message << " (see capprobe-deliver --help)\n";
    return 2;
  }
  capprobe::platform::ignore_broken_pipe_signal();
  init_http_client();
  std::cout << pod_get_output(get_pod(std::get<PodGetConfig>(parsed)));
  return std::cout.flush() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace capprobe::agent::daemon;
  const auto args = capprobe::platform::utf8_arguments(argc, argv);
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kHelp;
    return 0;
  }
  if (!args.empty() && args[0] == kGetPodMode)
    return get_pod_main(std::vector<std::string>(args.begin() + 1, args.end()));
  const auto parsed = parse_deliver_helper_arguments(args);
  if (const auto* usage = std::get_if<DeliverHelperUsage>(&parsed)) {
    std::cerr << "capprobe-deliver: " << usage->message << " (see capprobe-deliver --help)\n";
    return 2;
  }
  std::string body;
  char buffer[65536];
  while (std::cin.read(buffer, sizeof buffer) || std::cin.gcount() > 0) {
    body.append(buffer, static_cast<std::size_t>(std::cin.gcount()));
    if (body.size() > kMaxReportBytes) {
      std::cout << outcome_line(
          {DeliveryResult::rejected, 0,
           "the report is larger than " + std::to_string(kMaxReportBytes) + " bytes"});
      return 0;
    }
  }
  capprobe::platform::ignore_broken_pipe_signal();
  init_http_client();
  std::cout << outcome_line(deliver(std::get<DeliveryConfig>(parsed), body));
  return std::cout.flush() ? 0 : 1;
}
