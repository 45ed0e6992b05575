# Sourced by the Windows agent's end-to-end scripts (agent_collector_e2e.sh, pod_get_e2e.sh): a
# scratch directory `work` and the Linux servers they start (`server_pids`), both gone on exit;
# failing and skipping as ctest reads them; Windows paths for Wine.

work="$(mktemp -d)"
server_pids=()
cleanup() {
  local pid
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

# Stops the server started last and waits for it to end; `stopped_status` is how it ended.
# Only the script's own shell can wait for its servers: in a subshell ("$(...)") `wait` returns
# at once, so whatever the server writes as it stops would be read too early.
stopped_status=""
stop_last_server() {
  ((BASHPID == $$)) || fail "stop_last_server ran in a subshell, which cannot wait for the server"
  ((${#server_pids[@]} > 0)) || return 0
  kill "${server_pids[-1]}" 2>/dev/null
  wait "${server_pids[-1]}" 2>/dev/null
  stopped_status=$?
  unset 'server_pids[-1]'
}

fail() {
  echo "FAILED: $*"
  exit 1
}

# Skips the test (exit 0 with "SKIPPED: why") unless every named tool is installed.
need_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "SKIPPED: $tool is not installed"; exit 0; }
  done
}

windows_path() { echo "Z:${1//\//\\}"; }
free_port() { echo $((20000 + RANDOM % 20000)); }
