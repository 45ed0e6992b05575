// The pod-spec reader (agent/pod_spec.hpp, --pod-spec and the agent's own-pod GET) on any
// document: never a crash or an exception, always either requests or a one-line error, and the
// requests it makes say what they were made from. The input is the JSON text; a first line
// starting with '#' gives the container name, the machine's OS and the "self" text (cgroup and
// mountinfo lines), separated by '|', so that the fuzzer reaches the container choice too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/pod_spec.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace capprobe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string_view container, machine_os, self;
  if (text.starts_with('#')) {
    const auto end = text.find('\n');
    std::string_view options = text.substr(1, end == std::string_view::npos ? text.npos : end - 1);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const auto take = [&options] {
      const auto bar = options.find('|');
      const auto part = options.substr(0, bar);
      options = bar == std::string_view::npos ? std::string_view() : options.substr(bar + 1);
      return part;
    };
    container = take();
    machine_os = take();
    self = options;
  }

  agent::PodSpecParse parsed;
  try {
    parsed = agent::parse_pod_spec(text, container, self, machine_os);
  } catch (const std::exception& error) {
    fuzz::fail("parse_pod_spec threw", error.what());
  }
  if (!parsed.requests) {
    fuzz::check(!parsed.error.empty(), "no requests and no error");
    fuzz::check(parsed.error.find('\n') == std::string::npos, "the error is not one line",
                parsed.error);
    return 0;
  }
  const auto& requests = *parsed.requests;
  fuzz::check(requests.from_pod_spec, "requests from a pod spec that do not say so");
  if (requests.container_unknown) {
    fuzz::check(!requests.container_name && !requests.privileged && !requests.read_only_root &&
                    !requests.cpu_limit_cpus && !requests.memory_limit_bytes,
                "the container is unknown, yet its fields are known");
  }
  if (requests.cpu_limit_cpus)
    fuzz::check(*requests.cpu_limit_cpus >= 0, "a negative CPU limit was taken as a request");
  for (const auto& warning : parsed.warnings)
    fuzz::check(!warning.empty() && warning.find('\n') == std::string::npos,
                "a warning is empty or not one line", warning);
  return 0;
}
