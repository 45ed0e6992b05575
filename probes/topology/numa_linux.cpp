// topology.numa on Linux: reads /sys/devices/system/node, intersects it with the cpuset and the
// affinity mask, and hands the layout this process really has to the judge (numa.cpp).
#include "probes/topology/numa_linux.hpp"

#include <algorithm>
#include <set>

#include "platform/linux_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/proc_status.hpp"
#include "probes/common/text.hpp"
#include "probes/probe_list.hpp"
#include "probes/resources/cgroup_linux.hpp"
#include "probes/round_reads.hpp"

namespace capprobe::probes {
namespace {

constexpr const char* kNodeRoot = "/sys/devices/system/node";

std::vector<int> intersect(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<int> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<int> sorted(std::vector<int> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

}  // namespace

std::optional<int> node_id(std::string_view entry) {
  if (!text::starts_with(entry, "node") || entry.size() == 4) return std::nullopt;
  const auto id = text::parse_int(entry.substr(4));
  if (!id || *id < 0 || entry[4] == '+' || entry[4] == '-') return std::nullopt;
  return static_cast<int>(*id);
}

std::optional<std::uint64_t> parse_node_memtotal(std::string_view meminfo) {
  for (const auto& line : text::lines(meminfo)) {
    const auto fields = text::split_whitespace(line);
    // "Node 0 MemTotal:       4679884 kB"
    if (fields.size() >= 4 && fields[0] == "Node" && fields[2] == "MemTotal:") {
      const auto value = text::parse_uint(fields[3]);
      if (!value) return std::nullopt;
      return fields.size() >= 5 && fields[4] == "kB" ? *value * 1024 : *value;
    }
  }
  return std::nullopt;
}

namespace {

CapabilityResult run(ProbeContext& ctx) {
  CapabilityResult result;
  result.id = "topology.numa";
  auto& evidence = result.evidence;
  evidence["node_count"] = 0;
  evidence["nodes"] = nlohmann::json::array();
  evidence["allowed_cpus"] = nlohmann::json::array();
  evidence["allowed_nodes"] = nlohmann::json::array();

  NumaFacts facts;
  facts.source = "under /sys/devices/system/node";
  facts.restrictor = "cpuset/affinity";
  if (const auto leaf = ctx.os.cpuid(1, 0); leaf) {
    facts.hypervisor = (leaf.value().ecx >> 31) & 1u;
    evidence["hypervisor_present"] = *facts.hypervisor;
  } else {
    evidence["hypervisor_present"] = nullptr;
    evidence["cpuid_errno"] = leaf.error().name;
  }
  evidence["topology"] =
      facts.hypervisor ? (*facts.hypervisor ? "synthetic" : "physical") : "unknown";

  const auto entries = platform::linux_facts(ctx.os).list_dir(kNodeRoot);
  if (!entries) {
    evidence["node_dir_errno"] = entries.error().name;
    result.status = Status::untested;
    result.observed = "no_nodes";
    result.summary = entries.error().is_absent()
                         ? "no /sys/devices/system/node: the kernel exposes no NUMA topology here "
                           "(built without NUMA, or /sys not mounted)"
                         : "cannot read /sys/devices/system/node (" + entries.error().name + ")";
    return result;
  }

  auto problems = nlohmann::json::array();
  for (const auto& entry : entries.value()) {
    const auto id = node_id(entry);
    if (!id) continue;
    NumaNode node;
    node.id = *id;
    const auto dir = std::string(kNodeRoot) + "/" + entry;
    if (const auto cpulist = platform::linux_facts(ctx.os).read_file(dir + "/cpulist", 4096);
        cpulist) {
      if (auto cpus = text::parse_cpu_list(cpulist.value())) node.cpus = std::move(*cpus);
    } else {
      problems.push_back(dir + "/cpulist: " + cpulist.error().name);
    }
    if (const auto meminfo = platform::linux_facts(ctx.os).read_file(dir + "/meminfo", 16 << 10);
        meminfo)
      node.memory_bytes = parse_node_memtotal(meminfo.value());
    else
      problems.push_back(dir + "/meminfo: " + meminfo.error().name);
    if (const auto distance = platform::linux_facts(ctx.os).read_file(dir + "/distance", 4096);
        distance) {
      for (const auto& field : text::split_whitespace(distance.value()))
        if (const auto value = text::parse_int(field))
          node.distances.push_back(static_cast<int>(*value));
    } else {
      problems.push_back(dir + "/distance: " + distance.error().name);
    }
    facts.nodes.push_back(std::move(node));
  }
  std::sort(facts.nodes.begin(), facts.nodes.end(),
            [](const NumaNode& a, const NumaNode& b) { return a.id < b.id; });

  std::vector<int> node_ids;
  for (const auto& node : facts.nodes) node_ids.push_back(node.id);

  // What this process may use: its affinity mask within the cpuset, and the cpuset's memory
  // nodes (or the kernel's Mems_allowed when the cpuset cannot be read).
  const auto discovery = cgroup::discover(ctx.os, mounts_of(ctx));
  const auto cpuset = cgroup::read_cpuset_config(ctx.os, discovery);
  const auto affinity = ctx.os.allowed_cpus();
  std::vector<int> allowed = affinity ? sorted(affinity.value()) : std::vector<int>{};
  if (!affinity) problems.push_back("sched_getaffinity: " + affinity.error().name);
  if (cpuset.cpus)
    allowed = affinity ? intersect(allowed, sorted(*cpuset.cpus)) : sorted(*cpuset.cpus);
  facts.allowed_cpus = allowed;

  std::optional<std::vector<int>> mems = cpuset.mems;
  std::string mems_source = mems ? "cpuset" : "";
  if (const auto status = read_proc_status(ctx.os); status && status.value().mems_allowed) {
    const auto& list = *status.value().mems_allowed;
    mems = mems ? intersect(sorted(*mems), sorted(list)) : sorted(list);
    mems_source = mems_source.empty() ? "Mems_allowed_list" : "cpuset+Mems_allowed_list";
  }
  facts.allowed_nodes = mems ? intersect(sorted(*mems), node_ids) : node_ids;

  evidence["node_count"] = facts.nodes.size();
  for (const auto& node : facts.nodes)
    evidence["nodes"].push_back(
        {{"id", node.id}, {"cpus", node.cpus}, {"memory_bytes", json_or_null(node.memory_bytes)}});
  evidence["allowed_cpus"] = facts.allowed_cpus;
  evidence["allowed_nodes"] = facts.allowed_nodes;
  auto distances = nlohmann::json::object();
  for (const auto& node : facts.nodes) distances[std::to_string(node.id)] = node.distances;
  evidence["distances"] = distances;
  auto cpuset_json = cpuset.to_json();  // hierarchy, reads, hidden, unlocated
  cpuset_json["cpus"] =
      cpuset.cpus ? nlohmann::json(text::format_cpu_list(*cpuset.cpus)) : nlohmann::json(nullptr);
  cpuset_json["mems"] =
      cpuset.mems ? nlohmann::json(text::format_cpu_list(*cpuset.mems)) : nlohmann::json(nullptr);
  evidence["cpuset"] = cpuset_json;
  evidence["affinity"] = affinity ? nlohmann::json(text::format_cpu_list(sorted(affinity.value())))
                                  : nlohmann::json(nullptr);
  evidence["mems_source"] =
      mems_source.empty() ? nlohmann::json(nullptr) : nlohmann::json(mems_source);
  evidence["problems"] = problems;

  judge_numa(facts, result);
  return result;
}

}  // namespace

Probe topology_numa_linux_probe() {
  return {topology_numa_info(), run};
}

}  // namespace capprobe::probes
