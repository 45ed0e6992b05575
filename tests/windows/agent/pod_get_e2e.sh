#!/usr/bin/env bash
# The own-pod GET of the Windows build under Wine, against the Linux build's fake API server
# (capprobe-fake-api-server: HTTPS on loopback with a certificate made here, the recorded pod,
# RBAC, a Status object for each refusal):
#   pod_get_e2e.sh deliver WINE_RUN PREFIX CAPPROBE_EXE LINUX_BUILD_DIR
#     capprobe-deliver.exe get-pod, as capprobe runs it: refused before any connection, with
#     the reason (Wine's crypt32 has no exclusive root engine, so the API server's certificate
#     cannot be checked against ca.crt alone), the token nowhere in the output, no request at
#     the API server; the same over an IPv6 URL; no token and no ca.crt each say why.
#   pod_get_e2e.sh probe WINE_RUN PREFIX CAPPROBE_EXE LINUX_BUILD_DIR
#     capprobe.exe probe in a HostProcess pod's environment (KUBERNETES_SERVICE_HOST=::1,
#     CONTAINER_SANDBOX_MOUNT_POINT, POD_NAME, POD_NAMESPACE): the service-account directory
#     found under the mount point, the URL bracketed, and the report's pod_spec "none" saying why;
#     the token nowhere in stdout or stderr.
# What Wine cannot show (it never connects): a 200 read as the pod, the 401 retry, 403 and 404
# read from the Status object, a wrong CA refused by the chain check. The Linux build's tests
# show those for libcurl against the same fake (tests/integration/agent/pod_lookup_test.cpp);
# the Windows ones need Windows. Prints "SKIPPED: why" and exits 0 when it cannot run here.
set -uo pipefail

mode="$1" wine_run="$2" prefix="$3" capprobe_exe="$4" linux_build="${5:-}"
deliver_exe="$(dirname "$capprobe_exe")/capprobe-deliver.exe"
source "$(dirname "${BASH_SOURCE[0]}")/e2e_lib.sh"
need_tools openssl timeout
fake_api="$linux_build/tests/capprobe-fake-api-server"
if [[ -z "$linux_build" || ! -x "$fake_api" ]]; then
  echo "SKIPPED: no Linux capprobe-fake-api-server to ask (CAPPROBE_LINUX_BUILD_DIR is" \
    "'${linux_build}'; scripts/test.sh sets it to the Linux build)"
  exit 0
fi

readonly pod=capprobe-agent-linux-x7k2p
token="sa-token-$$-$RANDOM$RANDOM-c2VjcmV0"

# A world in $work/$1: the API server's certificate (its own CA, as ca.crt is to the real one),
# the service account's directory and the fake API server on address $2; sets `port`.
start_api() {
  local dir="$work/$1" address="$2"
  mkdir -p "$dir/serviceaccount"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$dir/apiserver-key.pem" -out "$dir/apiserver-cert.pem" -days 1 \
    -subj /CN=capprobe-test-apiserver -addext "subjectAltName=IP:127.0.0.1,IP:::1" 2>/dev/null ||
    fail "openssl: the API server's certificate"
  cp "$dir/apiserver-cert.pem" "$dir/serviceaccount/ca.crt"
  printf '%s\n' "$token" >"$dir/serviceaccount/token"
  printf capprobe >"$dir/serviceaccount/namespace"
  "$fake_api" "$dir" "$address" >"$dir/port" 2>"$dir/server.err" </dev/null &
  server_pids+=($!)
  port=""
  for _ in $(seq 50); do
    port="$(awk '$1 == "port" { print $2 }' "$dir/port" 2>/dev/null)"
    [[ -n "$port" ]] && return 0
    kill -0 "${server_pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  if [[ "$address" == ::1 ]] && grep -qi "address" "$dir/server.err"; then
    echo "SKIPPED: no IPv6 loopback to serve on: $(cat "$dir/server.err")"
    exit 0
  fi
  fail "the fake API server did not start on $address: $(cat "$dir/server.err")"
}

# Stops the fake API server of world $1 and sets `requests` to its request log (the server
# writes it as it stops); without one, to how the server ended.
stop_api() {
  stop_last_server
  if [[ -f "$work/$1/requests.log" ]]; then
    requests="$(cat "$work/$1/requests.log")"
  else
    requests="no request log: the server ended with status $stopped_status; its stderr: $(cat "$work/$1/server.err")"
  fi
}

no_token_shown() {
  [[ "$1" != *"$token"* ]] || fail "the token is in the output: $1"
}

get_pod() {
  local dir="$1" url="$2"
  shift 2
  WINEPREFIX="$prefix" WINEDEBUG=-all timeout 120 wine "$deliver_exe" get-pod --url "$url" \
    --token-file "$(windows_path "$dir/serviceaccount/token")" \
    --ca-file "$(windows_path "$dir/serviceaccount/ca.crt")" \
    --connect-timeout 3s --timeout 8s "$@" 2>&1
}

if [[ "$mode" == deliver ]]; then
  bash "$wine_run" --prefix "$prefix" "$deliver_exe" --help >/dev/null || fail "capprobe-deliver.exe --help"
  start_api v4 127.0.0.1
  answer="$(get_pod "$work/v4" "https://127.0.0.1:$port/api/v1/namespaces/capprobe/pods/$pod")"
  echo "get-pod over IPv4: $answer"
  no_token_shown "$answer"
  [[ "$answer" == *'"result":"tls_failed"'* && "$answer" == *'"attempts":0'* &&
    "$answer" == *'"http_status":0'* && "$answer" == *"chain engine"* &&
    "$answer" == *'serviceaccount\\ca.crt'* ]] ||
    fail "under Wine the GET must be refused before connecting (no exclusive root engine): $answer"
  stop_api v4
  [[ "$requests" == "failed_handshakes 0" ]] ||
    fail "the fake API server saw a request or a connection: $requests"

  # The token file now missing, then ca.crt: each says why, before any connection.
  mv "$work/v4/serviceaccount/token" "$work/v4/token.away"
  answer="$(get_pod "$work/v4" "https://127.0.0.1:$port/api/v1/namespaces/capprobe/pods/$pod")"
  echo "without a token: $answer"
  [[ "$answer" == *'"result":"no_token"'* && "$answer" == *'"attempts":0'* &&
    "$answer" == *'cannot read Z:'*'serviceaccount\\token'* ]] ||
    fail "a missing token must be no_token naming the file: $answer"
  mv "$work/v4/token.away" "$work/v4/serviceaccount/token"
  rm "$work/v4/serviceaccount/ca.crt"
  answer="$(get_pod "$work/v4" "https://127.0.0.1:$port/api/v1/namespaces/capprobe/pods/$pod")"
  echo "without ca.crt: $answer"
  no_token_shown "$answer"
  [[ "$answer" == *'"result":"tls_failed"'* && "$answer" == *'"attempts":0'* &&
    "$answer" == *'cannot read Z:'*'serviceaccount\\ca.crt'* ]] ||
    fail "a missing ca.crt must be tls_failed naming the file: $answer"

  # An IPv6 API server: WinHTTP takes the bracketed URL; the GET is refused the same way.
  start_api v6 ::1
  answer="$(get_pod "$work/v6" "https://[::1]:$port/api/v1/namespaces/capprobe/pods/$pod")"
  echo "get-pod over IPv6: $answer"
  no_token_shown "$answer"
  [[ "$answer" == *'"result":"tls_failed"'* && "$answer" == *"chain engine"* ]] ||
    fail "the bracketed IPv6 URL was not taken up to the certificate check: $answer"
  # http:// is never used for the API server: refused as capprobe-deliver's usage error.
  answer="$(get_pod "$work/v6" "http://[::1]:$port/api/v1/namespaces/capprobe/pods/$pod")"
  echo "get-pod over http: $answer"
  [[ "$answer" == *"--url must be https://"* ]] ||
    fail "an http:// API server URL must be refused: $answer"
  stop_api v6
  [[ "$requests" == "failed_handshakes 0" ]] ||
    fail "the IPv6 fake API server saw a request or a connection: $requests"

  exit 0
fi

if [[ "$mode" == probe ]]; then
  start_api v6 ::1
  # A HostProcess container's volumes are under its mount point (containerd 1.6): the
  # service-account directory is looked for there first.
  sandbox="$work/sandbox"
  mkdir -p "$sandbox/var/run/secrets/kubernetes.io"
  cp -r "$work/v6/serviceaccount" "$sandbox/var/run/secrets/kubernetes.io/serviceaccount"
  output="$(CAPPROBE_LOG=debug KUBERNETES_SERVICE_HOST=::1 KUBERNETES_SERVICE_PORT="$port" \
    POD_NAME="$pod" POD_NAMESPACE=capprobe NODE_NAME=wine-node \
    CONTAINER_SANDBOX_MOUNT_POINT="$(windows_path "$sandbox")\\" \
    HTTPS_PROXY=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 \
    bash "$wine_run" --prefix "$prefix" "$capprobe_exe" probe --json --quick 2>"$work/probe.err")"
  status=$?
  errors="$(cat "$work/probe.err")"
  no_token_shown "$output"
  no_token_shown "$errors"
  ((status == 0)) || fail "capprobe.exe probe exited $status: $(tail -5 "$work/probe.err")"
  pod_spec="$(printf '%s' "$output" | tr -d '\r\n' | grep -o '"pod_spec": *{[^}]*}')"
  echo "pod_spec: $pod_spec"
  [[ "$pod_spec" =~ \"source\":\ *\"none\" ]] ||
    fail "pod_spec.source must be none under Wine: $pod_spec"
  [[ "$pod_spec" == *"GET capprobe/$pod failed: TLS"*"chain engine"* &&
    "$pod_spec" == *'sandbox\\var\\run\\secrets\\kubernetes.io\\serviceaccount\\ca.crt'* ]] ||
    fail "pod_spec.detail must say the GET was refused and name the sandbox's ca.crt: $pod_spec"
  url_line="$(tr -d '\r' <"$work/probe.err" | grep -o "url=https://[^ ]*" | head -1)"
  echo "$url_line"
  [[ "$url_line" == "url=https://[::1]:$port/api/v1/namespaces/capprobe/pods/$pod" ]] ||
    fail "the IPv6 service host must be bracketed in the URL: '$url_line'"
  stop_api v6
  [[ "$requests" == "failed_handshakes 0" ]] ||
    fail "the fake API server saw a request or a connection: $requests"
  exit 0
fi

echo "usage: pod_get_e2e.sh deliver|probe WINE_RUN PREFIX CAPPROBE_EXE LINUX_BUILD_DIR" >&2
exit 2
