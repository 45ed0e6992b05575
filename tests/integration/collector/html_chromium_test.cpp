// The matrix page as a person sees it: headless Chromium renders GET / and the node page of a
// small mixed fleet, takes a screenshot (kept in the build tree to look at) and dumps the DOM.
// The collector asks for the read credential, which the browser gives as HTTP Basic (from the
// URL here, from its password dialog for a person).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "support/collector_process.hpp"
#include "support/http_client.hpp"
#include "support/raw_socket.hpp"
#include "support/sample_report.hpp"

using namespace capprobe::collector::testing;

#ifndef CAPPROBE_SCREENSHOT_DIR
#define CAPPROBE_SCREENSHOT_DIR "."
#endif

namespace {

std::string find_chromium() {
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser",
                                "/usr/bin/google-chrome", "/usr/local/bin/chromium"})
    if (std::filesystem::exists(candidate)) return candidate;
  return "";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

constexpr const char* kToken = "chromium-test-token";

void post_fleet(std::uint16_t port) {
  struct Node {
    const char* name;
    std::optional<std::string> runtime_class;
    const char* environment;
    bool ignored;
  };
  const std::vector<Node> fleet{
      {"worker-1", std::nullopt, "container", false},
      {"worker-2", std::nullopt, "container", false},
      {"worker-3", std::string("kata"), "vm_guest", true},
      {"worker-4", std::string("kata"), "vm_guest", false},
      {"esx-crx-1", std::string("vsphere"), "vm_guest", true},
      {"<win&1>", std::nullopt, "windows_process", false},
  };
  unsigned seed = 1;
  for (const auto& node : fleet) {
    SampleOptions options;
    options.subject.node = node.name;
    options.subject.runtime_class = node.runtime_class;
    options.subject.environment = node.environment;
    if (std::string(node.environment) == "windows_process") options.subject.os = "windows";
    options.request_host_pid = node.ignored;
    options.seed = seed++;
    options.target_bytes = 4096;
    REQUIRE(http_request(port, "POST", "/api/v1/reports", sample_report_text(options),
                         {{"Authorization", std::string("Bearer ") + kToken}})
                .status == 202);
  }
}

// Renders `url` to `png` and returns the DOM Chromium built from it.
std::string render(const std::string& chromium, const TempDir& dir, const std::string& url,
                   const std::string& png) {
  const std::vector<std::string> common{chromium,
                                        "--headless",
                                        "--no-sandbox",
                                        "--disable-gpu",
                                        "--disable-quic",
                                        "--no-first-run",
                                        "--disable-background-networking",
                                        "--disable-component-update",
                                        "--disable-sync",
                                        "--disable-dev-shm-usage",
                                        "--user-data-dir=" + dir.path() + "/profile"};
  auto shot = common;
  shot.insert(shot.end(), {"--screenshot=" + png, "--window-size=1400,900", url});
  const int shot_status =
      run_with_timeout(shot, std::chrono::seconds(90), dir.path() + "/shot.log");
  INFO(read_file(dir.path() + "/shot.log"));
  REQUIRE(shot_status == 0);
  auto dump = common;
  dump.insert(dump.end(), {"--dump-dom", url});
  const int dump_status =
      run_with_timeout(dump, std::chrono::seconds(90), dir.path() + "/dom.html");
  REQUIRE(dump_status == 0);
  return read_file(dir.path() + "/dom.html");
}

void check_png(const std::string& path, unsigned width, unsigned height) {
  const auto png = read_file(path);
  REQUIRE(png.size() > 20000);  // a blank page is far smaller than a rendered table
  REQUIRE(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  const auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned>(static_cast<unsigned char>(png[at])) << 24) |
           (static_cast<unsigned>(static_cast<unsigned char>(png[at + 1])) << 16) |
           (static_cast<unsigned>(static_cast<unsigned char>(png[at + 2])) << 8) |
           static_cast<unsigned>(static_cast<unsigned char>(png[at + 3]));
  };
  CHECK(png.compare(12, 4, "IHDR") == 0);
  CHECK(be32(16) == width);
  CHECK(be32(20) == height);
}

}  // namespace

TEST_CASE("headless Chromium renders the matrix page and a node page") {
  const auto chromium = find_chromium();
  if (chromium.empty()) {
    std::cout << "SKIPPED: no chromium (apt-get install chromium)" << std::endl;
    return;
  }
  TempDir dir;
  { std::ofstream(dir.path() + "/token") << kToken << "\n"; }
  CollectorProcess collector(dir.path() + "/c.db", {"--token-file", dir.path() + "/token"});
  post_fleet(collector.port());
  const std::string port = std::to_string(collector.port());

  // Without the credential the browser gets no page (headless, it cannot ask for a password).
  const auto refused =
      render(chromium, dir, "http://127.0.0.1:" + port + "/", dir.path() + "/refused.png");
  CHECK(refused.find("Capability matrix") == std::string::npos);
  CHECK(refused.find("worker-1") == std::string::npos);

  // Any user name, the token as the password.
  const std::string base = std::string("http://viewer:") + kToken + "@127.0.0.1:" + port;

  const std::string matrix_png = std::string(CAPPROBE_SCREENSHOT_DIR) + "/collector-matrix.png";
  const auto dom = render(chromium, dir, base + "/", matrix_png);
  check_png(matrix_png, 1400, 900);
  CHECK(dom.find("Capability matrix") != std::string::npos);
  CHECK(dom.find("REQUESTED BUT IGNORED") != std::string::npos);
  CHECK(dom.find("vsphere") != std::string::npos);
  CHECK(dom.find("&lt;win&amp;1&gt;") != std::string::npos);  // escaped, not markup
  CHECK(dom.find("<win&1>") == std::string::npos);

  const std::string node_png = std::string(CAPPROBE_SCREENSHOT_DIR) + "/collector-node.png";
  const auto node_dom = render(chromium, dir, base + "/nodes/worker-3", node_png);
  check_png(node_png, 1400, 900);
  CHECK(node_dom.find("hostPID was requested") != std::string::npos);
  CHECK(node_dom.find("kata") != std::string::npos);
}
