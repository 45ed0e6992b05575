// The contract every probe fulfils: a catalog entry (ProbeInfo) and a function from a context to
// one CapabilityResult. A probe is pure logic over platform::Platform; it may throw on a bug
// (the runner turns that into an `error` result) but reports OS failures as facts.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/platform.hpp"
#include "probes/requests.hpp"
#include "probes/result.hpp"

namespace capprobe::probes {

struct IsolationAssessment;  // probes/isolation/assess.hpp
class RoundReads;            // probes/round_reads.hpp

enum class Cost {
  light,  // reads and tiny writes; runs alongside the other light probes
  heavy,  // burns CPU or allocates memory on purpose: runs alone, skipped by --quick
};

struct ProbeInfo {
  std::string id;                      // stable API: "fs.symlink"
  std::string title;                   // "File and directory symlinks"
  std::string pod_spec_field;          // "securityContext.readOnlyRootFilesystem"
  SpecScope scope = SpecScope::pod;    // whose fields `requested` comes from (judge.hpp)
  std::vector<std::string> platforms;  // "linux", "windows"
  Cost cost = Cost::light;
  std::chrono::milliseconds timeout{2000};  // the runner's deadline for this probe
};

// One read-only GET of the API server with the service account's token: api.service_account's
// single request. The agent answers it through the capprobe-deliver helper (the same path as
// the own-pod GET: TLS verified against `ca_file` only, no proxy, the token read by the helper
// and never returned), so that no TLS library is loaded into capprobe.
struct ApiRead {
  std::string path;        // "/version"
  std::string token_file;  // the service account's token file
  std::string ca_file;     // its ca.crt
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds timeout{3000};  // the whole request
};

struct ApiAnswer {
  // "ok", "http_error", "no_token", "tls_failed", "timed_out", "failed" (the helper's words),
  // or "no_server" when no API server address is known (KUBERNETES_SERVICE_HOST unset).
  std::string result = "failed";
  long http_status = 0;
  int attempts = 0;
  std::string detail;  // the client's error or the API server's message; never the token
  std::string body;    // the answer when ok
};

using ApiReader = std::function<ApiAnswer(const ApiRead&)>;

// What the run lets api.service_account use: where the service account's files are
// (--service-account-dir; nullopt: the OS's default) and how to read the API server (null where
// nothing can: a unit test, --no-pod-lookup).
struct ApiAccess {
  std::optional<std::string> service_account_dir;
  ApiReader read = nullptr;
};

struct ProbeContext {
  platform::Platform& os;
  const PodRequests& requests;
  bool quick = false;
  // A name unique to this run, ".capprobe-<pid>-<nonce>". Everything a probe creates is named
  // scratch_name + "-" + purpose (e.g. ".capprobe-812-5f3a-symlink"), so that the residue sweeper
  // recognises leftovers of a crashed run by the prefix and the dead pid, and removes them.
  std::string scratch_name;
  std::chrono::steady_clock::time_point deadline;
  // The most a probe waits for one place (a volume, a socket path) whose filesystem may hang
  // (NFS, FUSE, CSI): the work there runs on a worker it abandons after this long
  // (probes/common/bounded.hpp), and the place is reported as not answering.
  std::chrono::milliseconds place_timeout{1000};
  // How this process is isolated (host, container, VM guest, sandbox), assessed once per round
  // by the runner and shared by the probes that need it (isolation.kernel, host.*, the CPU
  // limit) and the report's subject. Null: isolation_of() assesses it on first use.
  std::shared_ptr<const IsolationAssessment> isolation = nullptr;
  // What several probes read alike (the mount table, the /proc scan for node agents), read once
  // a round and shared through this (probes/round_reads.hpp). Null: made on first use.
  std::shared_ptr<RoundReads> reads = nullptr;
  // api.service_account's way to the API server (ApiAccess above); it says so when there is none.
  ApiAccess api = {};
};

struct Probe {
  ProbeInfo info;
  std::function<CapabilityResult(ProbeContext&)> run;
};

// The one list of probes for this build's platform (probes/registry_<os>.cpp). Throws at start
// if two probes claim the same id.
const std::vector<Probe>& registered_probes();

}  // namespace capprobe::probes
