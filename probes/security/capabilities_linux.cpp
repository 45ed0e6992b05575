// security.capabilities on Linux: /proc/self/status, cap_last_cap, the LSM label, the user
// namespace and the device nodes in this process's /dev, handed to the judge in capabilities.cpp.
#include "probes/security/capabilities_linux.hpp"

#include "platform/linux_facts.hpp"

namespace capprobe::probes {
namespace {

constexpr const char* kCapLastCapPath = "/proc/sys/kernel/cap_last_cap";
// A node's /dev holds a few hundred entries; more than this is not worth lstat-ing one by one.
constexpr std::size_t kMaxDevEntries = 2048;

}  // namespace

CapabilityFacts collect_capabilities(const platform::Platform& os) {
  CapabilityFacts facts{
      read_proc_status(os), platform::linux_facts(os).read_file(kCapLastCapPath, 64),
      read_lsm_facts(os), std::vector<DeviceNode>{}, read_user_namespace_facts(os)};
  // /dev as this process sees it (list_through/link_info, not the system root): the question
  // is which devices the container was given.
  const auto names = os.list_through("/dev");
  if (!names) {
    facts.devices = names.error();
    return facts;
  }
  std::vector<DeviceNode> nodes;
  for (const auto& name : names.value()) {
    if (nodes.size() >= kMaxDevEntries) break;
    const auto path = "/dev/" + name;
    const auto info = os.link_info(path);
    if (!info) continue;  // gone between the listing and the lstat
    const auto kind = info.value().kind;
    if (kind == platform::FileKind::block_device || kind == platform::FileKind::char_device)
      nodes.push_back({path, kind});
  }
  facts.devices = std::move(nodes);
  return facts;
}

Probe security_capabilities_linux_probe() {
  return {security_capabilities_info(), [](ProbeContext& ctx) {
            return judge_capabilities(collect_capabilities(ctx.os), ctx.requests);
          }};
}

}  // namespace capprobe::probes
