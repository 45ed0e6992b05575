#!/usr/bin/env bash
# The Windows agent against Linux's collector, on loopback, under Wine:
#   agent_collector_e2e.sh http WINE_RUN PREFIX CAPPROBE_EXE LINUX_BUILD_DIR
#     starts the Linux build's `capprobe collector` on a free port, runs
#     `capprobe.exe agent --once` (NODE_NAME set to a name of this run), and finds the report in
#     the collector's /api/v1/nodes/NODE and /api/v1/matrix.
#   agent_collector_e2e.sh tls WINE_RUN PREFIX CAPPROBE_EXE
#     capprobe-deliver.exe against an openssl s_server whose certificate a test CA signed: refused
#     without --ca-file (Wine's roots do not have that CA); with --ca-file, with or without a
#     token, refused before connecting under Wine, whose crypt32 has no exclusive root engine
#     (CERT_CHAIN_ENGINE_CONFIG.hExclusiveRoot), so the chain cannot be checked against the
#     bundle alone: never delivered unchecked.
# Prints "SKIPPED: why" and exits 0 when it cannot run here.
set -uo pipefail

mode="$1" wine_run="$2" prefix="$3" capprobe_exe="$4" linux_build="${5:-}"
deliver_exe="$(dirname "$capprobe_exe")/capprobe-deliver.exe"
source "$(dirname "${BASH_SOURCE[0]}")/e2e_lib.sh"
need_tools curl timeout

if [[ "$mode" == http ]]; then
  collector="$linux_build/agent/capprobe"
  if [[ -z "$linux_build" || ! -x "$collector" ]]; then
    echo "SKIPPED: no Linux capprobe to run the collector with (CAPPROBE_LINUX_BUILD_DIR is" \
      "'${linux_build}'; scripts/test.sh sets it to the Linux build)"
    exit 0
  fi
  # A free port: the collector refuses to start on a taken one, and we try another.
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    # No token: the agent posts without one, and --public-read lets curl read the result.
    "$collector" collector --listen "127.0.0.1:$port" --db "$work/collector.db" --public-read \
      >"$work/collector.log" 2>&1 </dev/null &
    server_pids+=($!)
    for _ in $(seq 50); do
      curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break 2
      kill -0 "${server_pids[-1]}" 2>/dev/null || break
      sleep 0.1
    done
    stop_last_server
  done
  ((${#server_pids[@]} > 0)) || fail "the Linux collector did not start: $(tail -3 "$work/collector.log")"

  node="capprobe-wine-e2e-$$"
  mkdir -p "$work/spool"
  output="$(NODE_NAME="$node" bash "$wine_run" --prefix "$prefix" "$capprobe_exe" agent --once \
    --quick --collector "http://127.0.0.1:$port" --spool-dir "$(windows_path "$work/spool")" \
    2>"$work/agent.err")"
  status=$?
  echo "$output"
  ((status == 0)) || fail "capprobe.exe agent --once exited $status: $(tail -5 "$work/agent.err")"
  [[ "$output" =~ delivered\ report\ ([0-9a-f-]+) ]] || fail "no delivery: $output"
  report_id="${BASH_REMATCH[1]}"
  latest="$(curl -fsS "http://127.0.0.1:$port/api/v1/nodes/$node")" || fail "GET /api/v1/nodes/$node"
  [[ "$latest" == *"\"report_id\":\"$report_id\""* ]] || fail "the collector's latest report of $node is not $report_id: ${latest:0:300}"
  [[ "$latest" == *'"os":"windows"'* ]] || fail "the stored report is not a Windows one: ${latest:0:300}"
  matrix="$(curl -fsS "http://127.0.0.1:$port/api/v1/matrix")" || fail "GET /api/v1/matrix"
  [[ "$matrix" == *"\"$node\""* ]] || fail "$node is not in the matrix: ${matrix:0:300}"
  echo "delivered $report_id; it is $node's latest report and in the matrix"
  exit 0
fi

if [[ "$mode" == tls ]]; then
  need_tools openssl
  cd "$work"
  ca_args=(-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign")
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj "/CN=capprobe test CA" "${ca_args[@]}" 2>/dev/null || fail "openssl: the CA"
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" \
    2>/dev/null || fail "openssl: the server key"
  printf '%s\n' "basicConstraints=CA:FALSE" "extendedKeyUsage=serverAuth" \
    "subjectAltName=DNS:localhost,IP:127.0.0.1" >server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
    -days 2 -extfile server.ext 2>/dev/null || fail "openssl: the server certificate"
  port="$(free_port)"
  openssl s_server -accept "127.0.0.1:$port" -cert server.pem -key server.key -www -quiet \
    >s_server.log 2>&1 </dev/null &
  server_pids+=($!)
  sleep 1
  echo '{}' >body.json
  # wine-run.sh gives the program no stdin: the body goes in through a file instead.
  deliver() {
    WINEPREFIX="$prefix" WINEDEBUG=-all timeout 60 wine "$deliver_exe" \
      --url "https://localhost:$port/api/v1/reports" --timeout 10s "$@" <body.json 2>>deliver.err
  }
  bash "$wine_run" --prefix "$prefix" "$deliver_exe" --help >/dev/null || fail "capprobe-deliver.exe --help"
  unverified="$(deliver)"
  echo "without --ca-file: $unverified"
  [[ "$unverified" == *'"result":"retry"'* && "$unverified" == *'"http_status":0'* ]] ||
    fail "a server signed by an unknown CA was not refused: $unverified"
  bundle="$(deliver --ca-file "$(windows_path "$work/ca.pem")")"
  echo "with --ca-file: $bundle"
  [[ "$bundle" == *'"result":"retry"'* && "$bundle" == *'"http_status":0'* &&
    "$bundle" == *"chain engine"* ]] ||
    fail "under Wine, --ca-file must be refused (no exclusive root engine), not skipped: $bundle"
  echo "token" >token
  with_token="$(deliver --ca-file "$(windows_path "$work/ca.pem")" --token-file "$(windows_path "$work/token")")"
  echo "with --ca-file and --token-file: $with_token"
  # Refused before any connection (no exclusive root engine), so the token never left.
  [[ "$with_token" == *'"result":"retry"'* && "$with_token" == *"chain engine"* ]] ||
    fail "a token was not held back under Wine: $with_token"
  exit 0
fi

echo "usage: agent_collector_e2e.sh http|tls WINE_RUN PREFIX CAPPROBE_EXE [LINUX_BUILD_DIR]" >&2
exit 2
