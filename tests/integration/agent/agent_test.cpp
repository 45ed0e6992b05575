// `capprobe agent` as a real process against a fake collector on loopback: end to end, an
// outage, a rejection, SIGTERM during a round and during a delivery, the NFD file, /metrics
// and /healthz, a restart with a spool, the idle footprint, and usage errors.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent_run.hpp"
#include "child_process.hpp"
#include "loopback_http.hpp"
#include "scratch.hpp"

using namespace capprobe::it;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kEnv = loopback_only_env();

std::vector<std::string> agent(const Scratch& scratch, std::vector<std::string> flags) {
  std::vector<std::string> argv = {CAPPROBE_AGENT_BIN, "agent", "--spool-dir", scratch / "spool"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return argv;
}

std::vector<std::string> spooled_files(const Scratch& scratch) {
  std::vector<std::string> names;
  if (!fs::exists(scratch / "spool")) return names;
  for (const auto& entry : fs::directory_iterator(scratch / "spool"))
    names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

std::string describe(ChildProcess& child) {
  return "stdout:\n" + child.out() + "\nstderr:\n" + child.err();
}

// /proc/<pid>/status field in kB.
long status_kib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

long pss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Pss:", 0) == 0) return std::stol(line.substr(4));
  return -1;
}

// utime + stime in clock ticks.
long cpu_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) {
      stime = std::stol(field);
      break;
    }
  }
  return utime + stime;
}

// The agent's count of deliveries the collector took, from its /metrics; -1 while it does not
// answer.
long delivered_ok(std::uint16_t port) {
  const std::string counter = "capprobe_agent_deliveries_total{result=\"ok\"} ";
  const auto metrics = http_get(port, "/metrics");
  const auto at = metrics.body.find(counter);
  if (metrics.status != 200 || at == std::string::npos) return -1;
  return std::stol(metrics.body.substr(at + counter.size()));
}

}  // namespace

TEST_CASE("end to end: the agent's report reaches the collector with the bearer token") {
  Scratch scratch("agent-it");
  FakeCollector collector;
  std::ofstream(scratch / "token") << "tok-s3cret-123\n";
  ChildProcess child(agent(scratch, {"--collector", collector.url(), "--once", "--quick",
                                     "--token-file", scratch / "token"}),
                     kEnv, scratch.str());
  const auto code = child.wait_exit(60s);
  INFO(describe(child));
  REQUIRE(code == 0);
  const auto stored = collector.stored_ids();
  REQUIRE(stored.size() == 1);
  REQUIRE(child.out() == "delivered report " + stored[0] + " to " + collector.url() + "\n");
  const auto received = collector.received();
  REQUIRE(received.size() == 1);
  REQUIRE(received[0].agent_mode == "agent");
  REQUIRE(received[0].authorization == "Bearer tok-s3cret-123");
  REQUIRE(rounds_logged(child) == stored);
  // The token is never in what the agent says.
  REQUIRE(child.err().find("s3cret") == std::string::npos);
  REQUIRE(child.out().find("s3cret") == std::string::npos);
  REQUIRE(spooled_files(scratch).empty());
}

TEST_CASE("outage: reports made while the collector is down all arrive, each exactly once") {
  Scratch scratch("agent-it");
  const auto port = free_loopback_port();  // nobody listens there until the collector starts
  ChildProcess child(agent(scratch, {"--collector", url_of_port(port), "--interval", "1s",
                                     "--retry-max", "1s", "--quick"}),
                     kEnv, scratch.str());
  INFO(describe(child));
  REQUIRE(wait_until([&] { return rounds_logged(child).size() >= 3; }, 30s));
  REQUIRE(child.running());
  const auto made_during_outage = rounds_logged(child);
  // A round is logged just before its report is spooled (written and fsynced): give the last
  // one that moment.
  REQUIRE(
      wait_until([&] { return spooled_files(scratch).size() >= made_during_outage.size(); }, 10s));

  FakeCollector collector(port);
  REQUIRE(wait_until(
      [&] {
        const auto stored = collector.stored_ids();
        return std::set<std::string>(stored.begin(), stored.end()).size() >=
               made_during_outage.size() + 1;
      },
      30s));
  child.signal(SIGTERM);
  REQUIRE(child.wait_exit(30s) == 0);

  const auto made = rounds_logged(child);
  const auto stored = collector.stored_ids();
  INFO(describe(child));
  // Oldest first: what arrived is the start of what was made, in the same order.
  REQUIRE(stored.size() <= made.size());
  for (std::size_t i = 0; i < stored.size(); ++i) REQUIRE(stored[i] == made[i]);
  for (const auto& id : made_during_outage)
    REQUIRE(std::find(stored.begin(), stored.end(), id) != stored.end());
  // Exactly once: no report was posted twice (the collector would have answered 200).
  std::map<std::string, int> posts;
  for (const auto& got : collector.received()) ++posts[got.report_id];
  for (const auto& [id, count] : posts) {
    INFO(id);
    REQUIRE(count == 1);
  }
  // Whatever was made but not delivered (a round that ended at the stop) is still spooled.
  REQUIRE(spooled_files(scratch).size() == made.size() - stored.size());
}

TEST_CASE("a rejected report is dropped and never retried") {
  Scratch scratch("agent-it");
  FakeCollector collector;
  collector.answer_with(400);

  SECTION("--once exits 1 and says so") {
    ChildProcess child(agent(scratch, {"--collector", collector.url(), "--once", "--quick"}), kEnv,
                       scratch.str());
    const auto code = child.wait_exit(60s);
    INFO(describe(child));
    REQUIRE(code == 1);
    REQUIRE(child.out().find("the collector rejected report") != std::string::npos);
    REQUIRE(collector.received().size() == 1);
    REQUIRE(spooled_files(scratch).empty());
  }
  SECTION("the running agent posts each report once, then moves on") {
    ChildProcess child(agent(scratch, {"--collector", collector.url(), "--interval", "1s",
                                       "--retry-max", "1s", "--quick"}),
                       kEnv, scratch.str());
    INFO(describe(child));
    REQUIRE(wait_until([&] { return collector.received().size() >= 2; }, 30s));
    std::this_thread::sleep_for(1500ms);  // long enough for a retry, if there were one
    child.signal(SIGTERM);
    REQUIRE(child.wait_exit(30s) == 0);
    std::map<std::string, int> posts;
    for (const auto& got : collector.received()) ++posts[got.report_id];
    for (const auto& [id, count] : posts) REQUIRE(count == 1);
    REQUIRE(spooled_files(scratch).size() + posts.size() == rounds_logged(child).size());
    REQUIRE(child.err().find("collector rejected the report") != std::string::npos);
  }
}

TEST_CASE("SIGTERM during a round: the round's report is spooled and the agent exits 0") {
  Scratch scratch("agent-it");
  const auto port = free_loopback_port();  // no collector: the report can only be spooled
  // The CPU burn makes a round of about a second: time enough to signal in the middle of it.
  ChildProcess child(agent(scratch, {"--collector", url_of_port(port), "--only",
                                     "resources.cpu_limit,platform.os"}),
                     kEnv, scratch.str());
  INFO(describe(child));
  REQUIRE(wait_until([&] { return child.err().find("agent started") != std::string::npos; }, 30s));
  child.signal(SIGTERM);
  REQUIRE(child.wait_exit(30s) == 0);
  REQUIRE(child.err().find("round_in_flight=true") != std::string::npos);
  REQUIRE(rounds_logged(child).size() == 1);
  const auto spooled = spooled_files(scratch);
  REQUIRE(spooled.size() == 1);
  REQUIRE(spooled[0].find(rounds_logged(child)[0]) != std::string::npos);
}

TEST_CASE("SIGTERM during a delivery waits for the collector's answer") {
  Scratch scratch("agent-it");
  FakeCollector collector;
  collector.delay_answers(1500ms);
  ChildProcess child(agent(scratch, {"--collector", collector.url(), "--quick"}), kEnv,
                     scratch.str());
  INFO(describe(child));
  REQUIRE(wait_until([&] { return collector.received().size() == 1; }, 30s));
  child.signal(SIGTERM);
  REQUIRE(child.wait_exit(30s) == 0);
  REQUIRE(child.err().find("delivering=true") != std::string::npos);
  REQUIRE(child.err().find("delivered report_id=" + collector.stored_ids().at(0)) !=
          std::string::npos);
  REQUIRE(spooled_files(scratch).empty());  // answered 202: removed from the spool
}

TEST_CASE("the spool survives a restart and is flushed oldest first") {
  Scratch scratch("agent-it");
  const auto port = free_loopback_port();
  std::string first_id;
  {
    ChildProcess down(agent(scratch, {"--collector", url_of_port(port), "--once", "--quick"}), kEnv,
                      scratch.str());
    INFO(describe(down));
    REQUIRE(down.wait_exit(60s) == 0);
    REQUIRE(down.out().rfind("spooled report ", 0) == 0);
    first_id = rounds_logged(down).at(0);
    REQUIRE(spooled_files(scratch).size() == 1);
  }
  FakeCollector collector(port);
  ChildProcess up(agent(scratch, {"--collector", collector.url(), "--once", "--quick"}), kEnv,
                  scratch.str());
  INFO(describe(up));
  REQUIRE(up.wait_exit(60s) == 0);
  REQUIRE(collector.stored_ids() == std::vector<std::string>{first_id, rounds_logged(up).at(0)});
  REQUIRE(spooled_files(scratch).empty());
}

TEST_CASE("the NFD file is replaced atomically each round") {
  Scratch scratch("agent-it");
  FakeCollector collector;
  fs::create_directories(scratch / "features.d");
  const auto nfd = scratch / "features.d/capprobe";
  ChildProcess child(agent(scratch, {"--collector", collector.url(), "--interval", "1s", "--quick",
                                     "--nfd-file", nfd}),
                     kEnv, scratch.str());
  INFO(describe(child));
  // A reader that never stops looking must only ever see whole files.
  std::set<std::string> first_lines;  // the report header lines seen
  std::size_t reads = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (first_lines.size() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(nfd);
    if (!in) {
      std::this_thread::yield();  // not written yet
      continue;
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ++reads;
    INFO(text);
    // NFD's expiry directive first (three intervals on), then the report's own header line.
    REQUIRE(text.rfind("# +expiry-time=", 0) == 0);
    const auto header = text.find('\n') + 1;
    REQUIRE(text.compare(header, 11, "# capprobe ") == 0);
    REQUIRE(text.find("capprobe.io/platform.os=") != std::string::npos);
    REQUIRE(text.back() == '\n');
    first_lines.insert(text.substr(header, text.find('\n', header) - header));
  }
  child.signal(SIGTERM);
  REQUIRE(child.wait_exit(30s) == 0);
  REQUIRE(first_lines.size() >= 3);  // three rounds, three different reports
  std::cout << "nfd file: " << reads << " whole reads across " << first_lines.size()
            << " replacements\n";
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(scratch / "features.d"))
    left.push_back(entry.path().filename());
  REQUIRE(left == std::vector<std::string>{"capprobe"});  // no temp file behind
  struct stat info {};
  REQUIRE(::stat(nfd.c_str(), &info) == 0);
  REQUIRE((info.st_mode & 0777) == 0644);
}

TEST_CASE("/healthz and /metrics answer on --listen") {
  Scratch scratch("agent-it");
  FakeCollector collector;
  const auto port = free_loopback_port();
  ChildProcess child(agent(scratch, {"--collector", collector.url(), "--interval", "1h", "--quick",
                                     "--listen", "127.0.0.1:" + std::to_string(port)}),
                     kEnv, scratch.str());
  INFO(describe(child));
  // The collector has the report a moment before the agent has read the helper's answer.
  REQUIRE(wait_until([&] { return delivered_ok(port) == 1; }, 60s));
  REQUIRE(collector.stored_ids().size() == 1);
  const auto health = http_get(port, "/healthz");
  REQUIRE(health.status == 200);
  REQUIRE(health.body == "ok\n");
  const auto metrics = http_get(port, "/metrics");
  REQUIRE(metrics.status == 200);
  REQUIRE(metrics.content_type.find("text/plain; version=0.0.4") == 0);
  for (const char* expected :
       {"capprobe_capability_status{", "capprobe_probe_duration_seconds{",
        "capprobe_agent_deliveries_total{result=\"ok\"} 1\n",
        "capprobe_agent_deliveries_total{result=\"failed\"} 0\n",
        "capprobe_agent_deliveries_total{result=\"rejected\"} 0\n",
        "capprobe_agent_spool_reports 0\n", "capprobe_agent_dropped_reports_total 0\n",
        "capprobe_agent_last_delivery_timestamp_seconds ", "capprobe_agent_rounds_total 1\n"}) {
    INFO(expected);
    REQUIRE(metrics.body.find(expected) != std::string::npos);
  }
  REQUIRE(http_get(port, "/nope").status == 404);
  child.signal(SIGTERM);
  REQUIRE(child.wait_exit(30s) == 0);
}

TEST_CASE("an idle agent uses no CPU and little memory") {
  Scratch scratch("agent-it");
  FakeCollector collector;
  const auto port = free_loopback_port();
  ChildProcess child(agent(scratch, {"--collector", collector.url(), "--interval", "1h", "--quick",
                                     "--listen", "127.0.0.1:" + std::to_string(port)}),
                     kEnv, scratch.str());
  INFO(describe(child));
  REQUIRE(wait_until([&] { return delivered_ok(port) == 1; }, 60s));
  std::this_thread::sleep_for(300ms);
  const auto ticks_before = cpu_ticks(child.pid());
  std::this_thread::sleep_for(3s);
  const auto ticks_after = cpu_ticks(child.pid());
  const auto rss = status_kib(child.pid(), "VmRSS");
  const auto anon = status_kib(child.pid(), "RssAnon");
  const auto file = status_kib(child.pid(), "RssFile");
  const auto pss = pss_kib(child.pid());
  std::cout << "idle agent: VmRSS=" << rss << " KiB (RssAnon=" << anon << " RssFile=" << file
            << ") Pss=" << pss << " KiB threads=" << status_kib(child.pid(), "Threads")
            << " cpu_ticks_in_3s=" << ticks_after - ticks_before << "\n";
  REQUIRE(ticks_after == ticks_before);  // no timer, no poll: nothing runs between rounds
  // What the agent itself holds (heap, stacks). The rest of VmRSS is shared-library code
  // (libcurl's TLS and auth dependencies among it), shared with other processes.
  REQUIRE(anon <= 10 * 1024);
  // Rounds and deliveries ran in child processes: neither the probes' leftovers nor libcurl
  // and its TLS libraries are in the agent after them.
  const auto maps = read_text("/proc/" + std::to_string(child.pid()) + "/maps");
  for (const char* library : {"libcurl", "libssl", "libcrypto", "libgnutls"}) {
    INFO(library);
    REQUIRE(maps.find(library) == std::string::npos);
  }
  REQUIRE(status_kib(child.pid(), "Threads") <= 3);  // the loop, the worker, nothing abandoned
  child.signal(SIGTERM);
  REQUIRE(child.wait_exit(30s) == 0);
}

TEST_CASE(
    "the pod spec given by --pod-spec reaches every round's report, a bad one is a usage error") {
  Scratch scratch("agent-it");
  FakeCollector collector;
  std::ofstream(scratch / "pod.json") << R"({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "probe-x", "namespace": "capprobe"},
    "spec": {"hostPID": true, "containers": [{"name": "probe", "image": "capprobe"}]}})";
  ChildProcess child(agent(scratch, {"--collector", collector.url(), "--once", "--quick", "--only",
                                     "host.pid", "--pod-spec", scratch / "pod.json"}),
                     kEnv, scratch.str());
  INFO(describe(child));
  REQUIRE(child.wait_exit(60s) == 0);
  const auto received = collector.received();
  REQUIRE(received.size() == 1);
  const auto report = nlohmann::json::parse(received[0].body);
  REQUIRE(report.at("results").size() == 1);
  REQUIRE(report.at("results").at(0).at("id") == "host.pid");
  REQUIRE(report.at("results").at(0).at("requested") == true);
  REQUIRE(report.at("pod_spec").at("source") == "file");
  REQUIRE(report.at("pod_spec").at("detail") ==
          scratch / "pod.json" + "; container probe, the pod's only one");

  // --container travels to the round child, and the envelope comes back through it.
  std::ofstream(scratch / "two.json") << R"({"kind": "Pod", "spec": {"containers": [
    {"name": "app"}, {"name": "probe", "securityContext": {"runAsUser": 0}}]}})";
  ChildProcess named(agent(scratch, {"--collector", collector.url(), "--once", "--quick", "--only",
                                     "security.identity", "--pod-spec", scratch / "two.json",
                                     "--container", "probe"}),
                     kEnv, scratch.str());
  INFO(describe(named));
  REQUIRE(named.wait_exit(60s) == 0);
  REQUIRE(collector.received().size() == 2);
  const auto second = nlohmann::json::parse(collector.received()[1].body);
  REQUIRE(second.at("subject").at("container") == "probe");
  REQUIRE(second.at("pod_spec").at("detail") ==
          scratch / "two.json" + "; container probe, as named");
  REQUIRE(second.at("results").at(0).at("requested") == true);

  std::ofstream(scratch / "bad.json") << "{ not json";
  ChildProcess bad(agent(scratch, {"--collector", collector.url(), "--once", "--pod-spec",
                                   scratch / "bad.json"}),
                   kEnv, scratch.str());
  REQUIRE(bad.wait_exit(30s) == 2);
  REQUIRE(bad.err().rfind("capprobe: --pod-spec ", 0) == 0);
  REQUIRE(collector.received().size() == 2);  // nothing probed, nothing sent
}

TEST_CASE("agent usage errors exit 2 with one line, --help exits 0") {
  Scratch scratch("agent-it");
  {
    ChildProcess child({CAPPROBE_AGENT_BIN, "agent", "--bogus"}, kEnv, scratch.str());
    REQUIRE(child.wait_exit(10s) == 2);
    REQUIRE(child.err() == "capprobe: unknown flag '--bogus' (see capprobe agent --help)\n");
  }
  {
    ChildProcess child({CAPPROBE_AGENT_BIN, "agent", "--help"}, kEnv, scratch.str());
    REQUIRE(child.wait_exit(10s) == 0);
    REQUIRE(child.out().find("--collector URL") != std::string::npos);
  }
  {
    std::ofstream(scratch / "file") << "x";
    ChildProcess child({CAPPROBE_AGENT_BIN, "agent", "--collector", "http://127.0.0.1:1",
                        "--spool-dir", scratch / "file", "--once"},
                       kEnv, scratch.str());
    REQUIRE(child.wait_exit(10s) == 1);
    REQUIRE(child.err().find("capprobe: cannot use --spool-dir") == 0);
  }
}
