// The fake API server (fake_api_server.hpp) as a program of its own, for tests of a capprobe that
// is not this Linux build's: the Windows build's capprobe-deliver.exe under Wine
// (tests/windows/agent/pod_get_e2e.sh) asks it for its pod over loopback.
//
//   capprobe-fake-api-server DIR [ADDRESS]
//
// DIR holds the server's certificate and key (apiserver-cert.pem, apiserver-key.pem: the caller
// makes them, as ca.crt is to the API server) and DIR/serviceaccount/token, the one token it
// accepts. It serves the recorded DaemonSet pod "capprobe/capprobe-agent-linux-x7k2p" on ADDRESS
// (default 127.0.0.1), RBAC letting the token read pods in namespace "capprobe" only, and prints
// "port N" once it listens. On SIGTERM or SIGINT it writes DIR/requests.log, one line a request it
// was sent
// ("GET /api/v1/... 200 bearer" or "... 401 no-bearer": whether an Authorization header came,
// never its value), and exits 0.
#include <signal.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>

#include "fake_api_server.hpp"

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  using namespace capprobe::it;
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: capprobe-fake-api-server DIR [ADDRESS]\n";
    return 2;
  }
  const std::string dir = argv[1];
  const std::string address = argc == 3 ? argv[2] : "127.0.0.1";
  // Blocked before any thread starts, so that sigwait below is the only one to take them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  try {
    const TlsFiles tls{dir + "/apiserver-cert.pem", dir + "/apiserver-key.pem"};
    auto token = read_text(dir + "/serviceaccount/token");
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (token.empty()) throw std::runtime_error("no token in " + dir + "/serviceaccount/token");
    FakeApiServer api(tls, "capprobe", token, address);
    api.add_pod("capprobe", "capprobe-agent-linux-x7k2p",
                read_text(std::string(CAPPROBE_FIXTURES) + "/pods/agent-linux-from-api.json"));
    std::cout << "port " << api.port() << std::endl;
    int signal = 0;
    sigwait(&stop, &signal);
    std::ofstream log(dir + "/requests.log", std::ios::trunc);
    for (const auto& request : api.requests())
      log << request.method << ' ' << request.target << ' ' << request.answered << ' '
          << (request.authorization.rfind("Bearer ", 0) == 0 ? "bearer" : "no-bearer") << '\n';
    log << "failed_handshakes " << api.failed_handshakes() << '\n';
  } catch (const std::exception& error) {
    std::cerr << "capprobe-fake-api-server: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
