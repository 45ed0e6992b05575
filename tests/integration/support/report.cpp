// The contract checks are written from DESIGN.md alone, not from capprobe's own types, so that
// they catch a drift on either side.
#include "tests/integration/support/report.hpp"

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <stdexcept>

namespace capprobe::it {
namespace {

using nlohmann::json;
using Problems = std::vector<std::string>;

bool is_string_or_null(const json& value) {
  return value.is_string() || value.is_null();
}

bool is_array_of(const json& value, bool (json::*kind)() const noexcept) {
  return value.is_array() &&
         std::all_of(value.begin(), value.end(), [&](const json& item) { return (item.*kind)(); });
}

bool matches(const json& value, const char* pattern) {
  return value.is_string() && std::regex_match(value.get<std::string>(), std::regex(pattern));
}

bool one_of(const json& value, const std::set<std::string>& words) {
  return value.is_string() && words.count(value.get<std::string>()) > 0;
}

// Checks one key of `object`; `what` says where it sits ("evidence", "subject").
class KeyChecker {
 public:
  // Holds a copy: callers pass temporaries such as result.value("evidence", {}).
  KeyChecker(json object, std::string where, Problems& problems)
      : object_(std::move(object)), where_(std::move(where)), problems_(problems) {}

  // The key must exist and `ok` must hold for its value; `expected` says what was wanted.
  template <typename Predicate>
  void require(const std::string& key, Predicate ok, const std::string& expected) {
    if (!object_.is_object() || !object_.contains(key)) {
      problems_.push_back(where_ + "." + key + " is missing (want " + expected + ")");
      return;
    }
    if (!ok(object_.at(key)))
      problems_.push_back(where_ + "." + key + " is " + object_.at(key).dump() + " (want " +
                          expected + ")");
  }

 private:
  json object_;
  std::string where_;
  Problems& problems_;
};

auto words(std::set<std::string> allowed) {
  return [allowed = std::move(allowed)](const json& v) { return one_of(v, allowed); };
}
auto words_or_null(std::set<std::string> allowed) {
  return
      [allowed = std::move(allowed)](const json& v) { return v.is_null() || one_of(v, allowed); };
}
const auto a_string = [](const json& v) { return v.is_string(); };
const auto a_nonempty_string = [](const json& v) {
  return v.is_string() && !v.get<std::string>().empty();
};
const auto string_or_null = [](const json& v) { return is_string_or_null(v); };
const auto number_or_null = [](const json& v) { return v.is_number() || v.is_null(); };
const auto integer_or_null = [](const json& v) { return v.is_number_integer() || v.is_null(); };
const auto an_integer = [](const json& v) { return v.is_number_integer(); };
const auto integers = [](const json& v) { return is_array_of(v, &json::is_number_integer); };

void check_namespace_result(const json& result, const std::string& ns_type, Problems& problems) {
  KeyChecker evidence(result.value("evidence", json::object()), "evidence", problems);
  evidence.require(
      "namespace", [&](const json& v) { return matches(v, (ns_type + R"(:\[[0-9]+\])").c_str()); },
      "\"" + ns_type + ":[<inode>]\"");
}

void check_symlink(const json& result, Problems& problems) {
  KeyChecker evidence(result.value("evidence", json::object()), "evidence", problems);
  evidence.require(
      "locations",
      [](const json& v) {
        if (!v.is_array()) return false;
        for (const auto& location : v) {
          if (!location.is_object() || !location.contains("path") || !location["path"].is_string())
            return false;
          for (const char* key : {"file_absolute", "file_relative", "dir_absolute", "dir_relative"})
            if (!location.contains(key) || !location[key].is_string()) return false;
        }
        return true;
      },
      "[{path, file_absolute, file_relative, dir_absolute, dir_relative}] of strings");
}

void check_pipe_mount(const json& result, Problems& problems) {
  KeyChecker evidence(result.value("evidence", json::object()), "evidence", problems);
  evidence.require(
      "endpoints",
      [](const json& v) {
        if (!v.is_array()) return false;
        for (const auto& endpoint : v) {
          if (!endpoint.is_object() || !endpoint.contains("path") || !endpoint["path"].is_string())
            return false;
          if (!one_of(endpoint.value("kind", json()), {"unix_socket", "named_pipe"})) return false;
          if (!one_of(endpoint.value("state", json()),
                      {"connected", "refused", "denied", "absent"}))
            return false;
        }
        return true;
      },
      "[{path, kind: unix_socket|named_pipe, state: connected|refused|denied|absent}]");
}

void check_cpu(const json& result, Problems& problems) {
  KeyChecker evidence(result.value("evidence", json::object()), "evidence", problems);
  evidence.require("limit_cpus", number_or_null, "a number or null");
  evidence.require("limit_source", words({"cgroup_v1", "cgroup_v2", "job_object", "vcpus", "none"}),
                   "cgroup_v1|cgroup_v2|job_object|vcpus|none");
  evidence.require("measured_cpus", number_or_null, "a number or null");
  evidence.require("visible_cpus", an_integer, "an integer");
}

void check_memory(const json& result, Problems& problems) {
  KeyChecker evidence(result.value("evidence", json::object()), "evidence", problems);
  evidence.require("limit_bytes", integer_or_null, "an integer or null");
  evidence.require("limit_source", a_nonempty_string, "a string");
  evidence.require("outcome",
                   words({"oom_killed", "alloc_failed", "not_enforced", "approach_only",
                          "skipped_unsafe", "not_run"}),
                   "oom_killed|alloc_failed|not_enforced|approach_only|skipped_unsafe|not_run");
  evidence.require("reached_bytes", integer_or_null, "an integer or null");
}

void check_numa(const json& result, Problems& problems) {
  KeyChecker evidence(result.value("evidence", json::object()), "evidence", problems);
  evidence.require("node_count", an_integer, "an integer");
  evidence.require(
      "nodes",
      [](const json& v) {
        if (!v.is_array()) return false;
        for (const auto& node : v) {
          if (!node.is_object()) return false;
          if (!node.contains("id") || !node["id"].is_number_integer()) return false;
          if (!node.contains("cpus") || !is_array_of(node["cpus"], &json::is_number_integer))
            return false;
          if (!node.contains("memory_bytes") || !node["memory_bytes"].is_number_integer())
            return false;
        }
        return true;
      },
      "[{id, cpus: [integers], memory_bytes}]");
  evidence.require("allowed_cpus", integers, "a list of CPU numbers");
  evidence.require("allowed_nodes", integers, "a list of node ids");
}

void check_kernel(const json& result, Problems& problems) {
  KeyChecker evidence(result.value("evidence", json::object()), "evidence", problems);
  evidence.require("hypervisor", string_or_null, "a string or null");
  evidence.require("flavor", words_or_null({"kata", "firecracker", "crx", "hyperv", "gvisor"}),
                   "kata|firecracker|crx|hyperv|gvisor or null");
  evidence.require(
      "signals", [](const json& v) { return is_array_of(v, &json::is_string); },
      "a list of strings");
  evidence.require("boot_id", a_nonempty_string, "the kernel's boot id");
}

void check_os(const json& result, Problems& problems) {
  const json evidence_json = result.value("evidence", json::object());
  KeyChecker evidence(evidence_json, "evidence", problems);
  evidence.require("os", a_nonempty_string, "a string");
  evidence.require("version", a_string, "a string");
  evidence.require("release", string_or_null, "a string or null");
  evidence.require("kernel", a_string, "a string");
  if (evidence_json.value("os", "") == "windows")
    evidence.require(
        "build", [](const json& v) { return !v.is_null(); }, "the Windows build");
}

// The observed keyword is only promised for a verdict; untested/error results may say "unknown".
void check_observed(const json& result, const std::set<std::string>& allowed, Problems& problems) {
  const std::string status = result.value("status", "");
  if (status != "supported" && status != "partial" && status != "unsupported") return;
  if (!one_of(result.value("observed", json()), allowed)) {
    std::string list;
    for (const auto& word : allowed) list += (list.empty() ? "" : "|") + word;
    problems.push_back("observed is " + result.value("observed", json()).dump() + " (want " + list +
                       ")");
  }
}

// The five capabilities of issue 11 (README, "Capabilities beyond DESIGN.md's table"): their
// observed words and evidence keys.
void check_entries(const json& list, const std::string& where,
                   const std::map<std::string, std::set<std::string>>& words,
                   const std::vector<std::string>& strings, Problems& problems) {
  if (!list.is_array()) {
    problems.push_back(where + " is " + list.dump() + " (want an array)");
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    KeyChecker entry(list[i], where + "[" + std::to_string(i) + "]", problems);
    for (const auto& [key, allowed] : words)
      entry.require(
          key, [&](const json& v) { return v.is_null() || one_of(v, allowed); },
          "one of its words or null");
    for (const auto& key : strings) entry.require(key, a_string, "a string");
  }
}

void check_sub_path(const json& result, Problems& problems) {
  check_observed(result, {"consistent", "inconsistent", "missing", "mounted"}, problems);
  const auto evidence = result.value("evidence", json::object());
  KeyChecker(evidence, "evidence", problems)
      .require(
          "mount_table", [](const json& v) { return v.is_boolean(); }, "a boolean");
  check_entries(
      evidence.value("mounts", json()), "evidence.mounts",
      {{"state",
        {"consistent", "inconsistent", "missing", "write_failed", "unanswered", "mounted"}},
       {"origin", {"pod_spec", "mountinfo"}}},
      {"mount_path", "sub_path"}, problems);
}

void check_empty_dir(const json& result, Problems& problems) {
  check_observed(
      result,
      {"writable", "size_enforced", "size_unenforced", "medium_ignored", "not_writable", "missing"},
      problems);
  const auto evidence = result.value("evidence", json::object());
  check_entries(evidence.value("volumes", json()), "evidence.volumes",
                {{"medium_seen", {"memory", "disk"}},
                 {"limit_enforcement", {"filesystem", "eviction", "not_by_filesystem", "unknown"}},
                 {"origin", {"pod_spec", "mountinfo"}}},
                {"mount_path", "medium_asked"}, problems);
}

void check_service_account(const json& result, Problems& problems) {
  check_observed(result,
                 {"authenticated", "rejected", "forbidden", "tls_failed", "unreachable",
                  "unreadable", "expired", "missing"},
                 problems);
  const auto evidence = result.value("evidence", json::object());
  KeyChecker check(evidence, "evidence", problems);
  check.require("dir", a_nonempty_string, "a path");
  check.require(
      "files", [](const json& v) { return v.is_array(); }, "an array");
  check.require(
      "token", [](const json& v) { return v.is_object() || v.is_null(); }, "an object or null");
  check.require(
      "api_request", [](const json& v) { return v.is_object() || v.is_null(); },
      "an object or null");
  // The token itself never shows: a JWT's header starts eyJ ({" in base64).
  if (std::regex_search(result.dump(), std::regex(R"(eyJ[A-Za-z0-9_-]{8,}\.)")))
    problems.push_back("the result holds something that looks like a JWT");
}

void check_dns(const json& result, Problems& problems) {
  check_observed(result, {"resolved", "unresolved", "config_ignored", "config_mismatch"}, problems);
  const auto evidence = result.value("evidence", json::object());
  KeyChecker check(evidence, "evidence", problems);
  check.require(
      "resolv_conf", [](const json& v) { return v.is_object() || v.is_null(); },
      "an object or null");
  check.require(
      "query", [](const json& v) { return v.is_object(); }, "an object");
  check.require(
      "mismatches", [](const json& v) { return v.is_array(); }, "an array");
}

void check_host_port(const json& result, Problems& problems) {
  check_observed(result, {"reached", "not_forwarded", "other_listener"}, problems);
  const auto evidence = result.value("evidence", json::object());
  KeyChecker(evidence, "evidence", problems).require("host_ip", string_or_null, "a string or null");
  check_entries(
      evidence.value("ports", json()), "evidence.ports",
      {{"state",
        {"reached", "not_forwarded", "other_listener", "port_in_use", "listen_failed", "skipped"}}},
      {"protocol"}, problems);
}

}  // namespace

const std::vector<std::string>& catalog_ids() {
  static const std::vector<std::string> ids = {"fs.symlink",
                                               "fs.readonly_root",
                                               "fs.host_path",
                                               "fs.pipe_mount",
                                               "host.network",
                                               "host.pid",
                                               "host.ipc",
                                               "resources.cpu_limit",
                                               "resources.memory_limit",
                                               "topology.numa",
                                               "isolation.kernel",
                                               "security.identity",
                                               "security.capabilities",
                                               "security.confinement",
                                               "platform.os",
                                               "fs.subpath",
                                               "fs.empty_dir",
                                               "api.service_account",
                                               "net.dns",
                                               "net.host_port"};
  return ids;
}

json parse_report(const RunResult& run) {
  json report;
  try {
    report = json::parse(run.out);
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("stdout is not JSON (") + e.what() + ")\n" +
                             describe(run));
  }
  if (!report.is_object())
    throw std::runtime_error("stdout is JSON but not an object\n" + describe(run));
  return report;
}

std::vector<std::string> result_ids(const json& report) {
  std::vector<std::string> ids;
  if (!report.contains("results") || !report["results"].is_array()) return ids;
  for (const auto& result : report["results"]) ids.push_back(result.value("id", "<no id>"));
  return ids;
}

const json& result_of(const json& report, std::string_view id) {
  if (report.contains("results") && report["results"].is_array())
    for (const auto& result : report["results"])
      if (result.is_object() && result.value("id", "") == id) return result;
  std::string present;
  for (const auto& other : result_ids(report)) present += " " + other;
  throw std::runtime_error("the report has no result " + std::string(id) + " (it has:" + present +
                           ")");
}

Problems envelope_problems(const json& report) {
  Problems problems;
  KeyChecker top(report, "report", problems);
  top.require(
      "schema", [](const json& v) { return v == "capprobe.report/v1"; }, "\"capprobe.report/v1\"");
  top.require(
      "report_id",
      [](const json& v) {
        return matches(v, "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
      },
      "a UUID");
  top.require(
      "agent", [](const json& v) { return v.is_object(); }, "an object");
  top.require(
      "subject", [](const json& v) { return v.is_object(); }, "an object");
  top.require(
      "started_at",
      [](const json& v) {
        return matches(
            v,
            R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))");
      },
      "an RFC 3339 time");
  top.require(
      "duration_ms", [](const json& v) { return v.is_number_integer() && v >= 0; },
      "a non-negative integer");
  top.require(
      "results", [](const json& v) { return v.is_array(); }, "an array");
  top.require(
      "pod_spec", [](const json& v) { return v.is_object(); }, "an object");

  if (report.contains("agent") && report["agent"].is_object()) {
    KeyChecker agent(report["agent"], "agent", problems);
    agent.require("version", a_nonempty_string, "a string");
    agent.require("mode", words({"oneshot", "agent"}), "oneshot|agent");
  }
  if (report.contains("pod_spec") && report["pod_spec"].is_object()) {
    KeyChecker pod_spec(report["pod_spec"], "pod_spec", problems);
    pod_spec.require("source", words({"api", "file", "none"}), "api|file|none");
    pod_spec.require("detail", a_string, "a string");
  }
  if (report.contains("subject") && report["subject"].is_object()) {
    KeyChecker subject(report["subject"], "subject", problems);
    subject.require("node", a_nonempty_string, "a string");
    subject.require("pod", string_or_null, "a string or null");
    subject.require("container", string_or_null, "a string or null");
    subject.require("runtime_class", string_or_null, "a string or null");
    subject.require("os", words({"linux", "windows"}), "linux|windows");
    subject.require("arch", a_nonempty_string, "a string");
    subject.require("os_version", a_string, "a string");
    subject.require("kernel", a_string, "a string");
    subject.require("environment",
                    words({"host", "container", "vm_guest", "sandbox", "windows_process",
                           "windows_hyperv", "windows_hostprocess"}),
                    "host|container|vm_guest|sandbox|windows_process|windows_hyperv|"
                    "windows_hostprocess");
  }
  return problems;
}

Problems result_problems(const json& result) {
  Problems problems;
  const std::string where = "result " + result.value("id", "<no id>");
  KeyChecker check(result, where, problems);
  check.require("id", a_nonempty_string, "a string");
  check.require(
      "status",
      words({"supported", "partial", "unsupported", "untested", "not_applicable", "error"}),
      "supported|partial|unsupported|untested|not_applicable|error");
  check.require("observed", a_string, "a string");
  check.require(
      "requested", [](const json& v) { return v.is_boolean() || v.is_null(); },
      "true, false or null");
  check.require("summary", a_nonempty_string, "a sentence");
  check.require(
      "evidence", [](const json& v) { return v.is_object(); }, "an object");
  check.require(
      "duration_ms", [](const json& v) { return v.is_number_integer() && v >= 0; },
      "a non-negative integer");
  return problems;
}

Problems evidence_problems(const json& result) {
  Problems problems;
  const std::string id = result.value("id", "");
  if (id == "host.network" || id == "host.pid" || id == "host.ipc") {
    check_observed(result, {"shared", "isolated"}, problems);
    check_namespace_result(result, id == "host.network" ? "net" : id.substr(5), problems);
  } else if (id == "fs.readonly_root") {
    check_observed(result, {"read_only", "writable"}, problems);
    KeyChecker(result.value("evidence", json::object()), "evidence", problems)
        .require("write_errno", string_or_null, "an errno name or null");
  } else if (id == "fs.symlink") {
    check_observed(result, {"ok", "partial", "failed"}, problems);
    check_symlink(result, problems);
  } else if (id == "fs.pipe_mount") {
    check_pipe_mount(result, problems);
  } else if (id == "resources.cpu_limit") {
    check_cpu(result, problems);
  } else if (id == "resources.memory_limit") {
    check_memory(result, problems);
  } else if (id == "topology.numa") {
    check_numa(result, problems);
  } else if (id == "isolation.kernel") {
    check_observed(result, {"host", "shared_kernel", "vm_guest", "sandbox"}, problems);
    check_kernel(result, problems);
  } else if (id == "platform.os") {
    check_os(result, problems);
  } else if (id == "fs.subpath") {
    check_sub_path(result, problems);
  } else if (id == "fs.empty_dir") {
    check_empty_dir(result, problems);
  } else if (id == "api.service_account") {
    check_service_account(result, problems);
  } else if (id == "net.dns") {
    check_dns(result, problems);
  } else if (id == "net.host_port") {
    check_host_port(result, problems);
  }
  for (auto& problem : problems) problem = id + ": " + problem;
  return problems;
}

std::string brief(const json& result) {
  return result.value("id", "<no id>") + " status=" + result.value("status", json()).dump() +
         " observed=" + result.value("observed", json()).dump() +
         " requested=" + result.value("requested", json()).dump() +
         " summary=" + result.value("summary", json()).dump() +
         " evidence=" + result.value("evidence", json()).dump();
}

}  // namespace capprobe::it
