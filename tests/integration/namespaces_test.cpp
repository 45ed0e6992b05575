// host.pid / host.network / host.ipc against real namespaces: unshare(1) gives capprobe its
// own PID, network and IPC namespaces; run directly it shares the test's (the host's).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <climits>
#include <fstream>
#include <string>

#include "tests/integration/support/report.hpp"
#include "tests/integration/support/run.hpp"
#include "tests/integration/support/sandbox.hpp"

namespace {

using namespace capprobe::it;

const char* const kHostIds = "host.pid,host.network,host.ipc";

struct Namespace {
  const char* id;    // the capability
  const char* type;  // the /proc/self/ns entry
};
const Namespace kNamespaces[] = {{"host.pid", "pid"}, {"host.network", "net"}, {"host.ipc", "ipc"}};

std::string own_namespace(const char* type) {
  char target[PATH_MAX] = {};
  const auto path = std::string("/proc/self/ns/") + type;
  const auto length = readlink(path.c_str(), target, sizeof target - 1);
  return length > 0 ? std::string(target, static_cast<std::size_t>(length)) : "";
}

enum class Initial { yes, no, unknown };

// The kernel's initial namespaces have fixed inode numbers (include/linux/proc_ns.h); net got
// one (0xEFFFFFF9) only in recent kernels, before that it is compared with init's, which a
// hardened pid 1 may refuse to show even to root.
Initial initial_namespace(const char* type) {
  const std::string ns = own_namespace(type);
  const std::string name = type;
  if (name == "pid") return ns == "pid:[4026531836]" ? Initial::yes : Initial::no;
  if (name == "ipc") return ns == "ipc:[4026531839]" ? Initial::yes : Initial::no;
  if (ns == "net:[4026531833]") return Initial::yes;
  char target[PATH_MAX] = {};
  const auto length = readlink("/proc/1/ns/net", target, sizeof target - 1);
  if (length <= 0) return Initial::unknown;
  return ns == std::string(target, static_cast<std::size_t>(length)) ? Initial::yes : Initial::no;
}

}  // namespace

TEST_CASE("host namespaces: run on the host, capprobe reports them shared", "[namespaces]") {
  for (const auto& ns : kNamespaces) {
    INFO("the test itself must run in the host's " << ns.type << " namespace, not "
                                                   << own_namespace(ns.type));
    REQUIRE(initial_namespace(ns.type) != Initial::no);
  }

  const auto run =
      capprobe::it::run({capprobe_path(), "probe", "--json", "--only", kHostIds}, kQuickRunTimeout);
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto report = parse_report(run);
  CHECK(result_ids(report).size() == 3);

  for (const auto& ns : kNamespaces) {
    const auto& result = result_of(report, ns.id);
    INFO(brief(result));
    CHECK(result["observed"] == "shared");
    CHECK(result["evidence"].value("namespace", "") == own_namespace(ns.type));
    CHECK(result["requested"].is_null());  // no pod spec, not in a cluster: unknown
    CHECK(evidence_problems(result) == std::vector<std::string>{});
  }
}

TEST_CASE("host namespaces: inside unshare --pid --net --ipc, capprobe reports them isolated",
          "[namespaces]") {
  CAPPROBE_IT_NEEDS(Facility::root, Facility::unshare);
  const auto before = capprobe_entries();

  const auto run =
      capprobe::it::run({"unshare", "--pid", "--fork", "--mount-proc", "--net", "--ipc",
                         capprobe_path(), "probe", "--json", "--only", kHostIds},
                        kQuickRunTimeout);
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto report = parse_report(run);
  CHECK(result_ids(report).size() == 3);

  for (const auto& ns : kNamespaces) {
    const auto& result = result_of(report, ns.id);
    INFO(brief(result));
    CHECK(result["observed"] == "isolated");
    CHECK(result["status"] != "error");
    const std::string seen = result["evidence"].value("namespace", "");
    CHECK(seen.rfind(std::string(ns.type) + ":[", 0) == 0);
    CHECK(seen != own_namespace(ns.type));
    CHECK(evidence_problems(result) == std::vector<std::string>{});
  }
  // capprobe was pid 1 of its namespace: its scratch would be named .capprobe-1-...
  CHECK(new_residue(before, capprobe_entries(), {1}) == std::vector<std::string>{});
}

TEST_CASE("isolation.kernel: a process in namespaces shares the node's kernel", "[namespaces]") {
  CAPPROBE_IT_NEEDS(Facility::root, Facility::unshare);
  std::string boot_id;
  std::ifstream("/proc/sys/kernel/random/boot_id") >> boot_id;
  REQUIRE(!boot_id.empty());

  const auto host = capprobe::it::run(
      {capprobe_path(), "probe", "--json", "--only", "isolation.kernel"}, kQuickRunTimeout);
  const auto contained =
      capprobe::it::run({"unshare", "--pid", "--fork", "--mount-proc", "--net", "--ipc", "--uts",
                         capprobe_path(), "probe", "--json", "--only", "isolation.kernel"},
                        kQuickRunTimeout);
  INFO(describe(host) << "\n" << describe(contained));
  REQUIRE(host.exited_zero());
  REQUIRE(contained.exited_zero());
  const auto host_report = parse_report(host);
  const auto contained_report = parse_report(contained);
  const auto& on_host = result_of(host_report, "isolation.kernel");
  const auto& in_namespaces = result_of(contained_report, "isolation.kernel");
  INFO(brief(on_host) << "\n" << brief(in_namespaces));

  CHECK(on_host["observed"] == "host");
  CHECK(host_report["subject"]["environment"] == "host");
  CHECK(in_namespaces["observed"] == "shared_kernel");
  CHECK(contained_report["subject"]["environment"] == "container");
  // One kernel, one boot id: the collector tells kernels apart by it.
  CHECK(on_host["evidence"].value("boot_id", "") == boot_id);
  CHECK(in_namespaces["evidence"].value("boot_id", "") == boot_id);
  CHECK(evidence_problems(on_host) == std::vector<std::string>{});
  CHECK(evidence_problems(in_namespaces) == std::vector<std::string>{});
}
