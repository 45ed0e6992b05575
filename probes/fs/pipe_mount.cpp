// fs.pipe_mount's catalog entry and endpoint states, shared by both OSes; see pipe_mount.hpp.
#include "probes/fs/pipe_mount.hpp"

namespace capprobe::probes::fs {

ProbeInfo pipe_mount_info() {
  // Each connect is bounded (200 ms for a unix socket; a named pipe answers at once) and the
  // endpoints are capped, so the whole probe takes milliseconds.
  return {.id = "fs.pipe_mount",
          .title = "Host IPC endpoints (unix sockets, named pipes) mounted in",
          .pod_spec_field = "volumes[].hostPath (sockets, \\\\.\\pipe\\ named pipes)",
          .scope = SpecScope::container,
          .platforms = {"linux", "windows"},
          .timeout = std::chrono::milliseconds(8000)};
}

std::string endpoint_state(const std::optional<platform::ErrorKind>& connect_error) {
  if (!connect_error) return "connected";
  if (*connect_error == platform::ErrorKind::absent) return "absent";
  if (*connect_error == platform::ErrorKind::denied) return "denied";
  // ECONNREFUSED, and a listener too busy to accept within the timeout (ETIMEDOUT, EAGAIN;
  // ERROR_PIPE_BUSY on Windows): present, but not taking this connection. The error's name
  // stays visible in `errno`.
  return "refused";
}

}  // namespace capprobe::probes::fs
