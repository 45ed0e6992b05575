#!/usr/bin/env bash
# Collector benchmark on loopback: ingest rate and p99 latency with wrk POSTing realistic
# reports (about 20 KiB, a fresh report_id each) spread over 10,000 subjects; then
# GET /api/v1/matrix latency with those 10,000 subjects stored, and the collector's RSS. The
# collector requires a token (posts and reads carry it, as in a deployment). With TLS=1 it serves
# HTTPS (a certificate made here with the openssl command, TLS 1.3 as the agents get it), and the
# cost of a full handshake is measured too (openssl s_time: new sessions only).
#
#   tests/bench/collector/bench.sh [BUILD_DIR]
#   env: DURATION=20s CONNECTIONS=64 THREADS=2 SUBJECTS=10000 REPORT_BYTES=20480 TLS=0 CLOSE=0
#   CLOSE=1: every report on a new connection (as an agent delivers: one connection a round), so
#   with TLS=1 each report pays a full handshake; otherwise wrk keeps its connections alive.
#
# Needs wrk and curl (apt-get install -y wrk curl), and openssl for TLS=1. Everything it starts
# is stopped at the end, and its database lives in a temporary directory that is removed.
set -euo pipefail

BUILD=${1:-build}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
SUBJECTS=${SUBJECTS:-10000}
REPORT_BYTES=${REPORT_BYTES:-20480}
TLS=${TLS:-0}
CLOSE=${CLOSE:-0}
WRK_HEADERS=()
[ "$CLOSE" = 1 ] && WRK_HEADERS=(-H "Connection: close")
HERE=$(cd "$(dirname "$0")" && pwd)
COLLECTOR=$BUILD/agent/capprobe-collector
TOOL=$BUILD/tests/collector-bench-tool

tools="wrk curl"
[ "$TLS" = 1 ] && tools="$tools openssl"
for tool in $tools; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install -y $tool)" >&2; exit 2; }
done
[ -x "$COLLECTOR" ] && [ -x "$TOOL" ] || {
  echo "bench: build capprobe-collector and collector-bench-tool in $BUILD first" >&2; exit 2; }

WORK=$(mktemp -d)
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The token the posts and reads carry; with TLS=1 the certificate (self-signed, EC P-256, for
# 127.0.0.1), which curl is told to trust.
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/token"
export CAPPROBE_TOKEN=$(cat "$WORK/token")
SCHEME=http
SERVE=(--token-file "$WORK/token")
CURL=(curl -sf -H "Authorization: Bearer $CAPPROBE_TOKEN")
if [ "$TLS" = 1 ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=capprobe-bench -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
  SCHEME=https
  SERVE+=(--tls-cert "$WORK/tls.crt" --tls-key "$WORK/tls.key")
  CURL+=(--cacert "$WORK/tls.crt")
fi

# A free port: let the collector try a few random ones.
for attempt in 1 2 3 4 5 6 7 8; do
  PORT=$((20000 + RANDOM % 20000))
  "$COLLECTOR" --listen "127.0.0.1:$PORT" --db "$WORK/bench.db" --keep 5 "${SERVE[@]}" \
    2>"$WORK/collector.log" &
  PID=$!
  for _ in $(seq 50); do
    "${CURL[@]}" "$SCHEME://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  "${CURL[@]}" "$SCHEME://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""
done
[ -n "$PID" ] || { echo "bench: the collector did not start:" >&2; cat "$WORK/collector.log" >&2; exit 1; }
URL="$SCHEME://127.0.0.1:$PORT"

"$TOOL" template --bytes "$REPORT_BYTES" >"$WORK/template.json"
echo "$URL; report size: $(wc -c <"$WORK/template.json") bytes; subjects: $SUBJECTS; load: $(cut -d' ' -f1-3 /proc/loadavg)"

# Ingest. wrk's own latency figures include its queueing; the rate is completed requests.
export CAPPROBE_TEMPLATE="$WORK/template.json" CAPPROBE_SUBJECTS="$SUBJECTS" CAPPROBE_THREADS="$THREADS"
CAPPROBE_RUN=warm wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s "$HERE/post.lua" "$URL" >/dev/null
# CPU time of the collector (from /proc) and of wrk (bash's time) during the run: on a machine
# shared with other work the rate understates what two idle cores do; the CPU cost per report
# does not depend on that as much.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
BEFORE=$(cpu_ticks)
TIMEFORMAT='%U %S'
{ time CAPPROBE_RUN=main wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${WRK_HEADERS[@]}" \
    -s "$HERE/post.lua" "$URL" >"$WORK/wrk.txt"; } 2>"$WORK/wrk-cpu.txt"
COLLECTOR_CPU=$(awk -v t="$(($(cpu_ticks) - BEFORE))" -v hz="$(getconf CLK_TCK)" 'BEGIN {print t / hz}')
WRK_CPU=$(awk '{print $1 + $2}' "$WORK/wrk-cpu.txt")
REQUESTS=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
RATE=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
P99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk.txt")
P50=$(awk '$1 == "50%" {print $2}' "$WORK/wrk.txt")
ERRORS=$(awk '/Non-2xx/ {print $5}' "$WORK/wrk.txt")
SOCKET_ERRORS=$(awk '/Socket errors/ {print $0}' "$WORK/wrk.txt")

# Make sure every subject has a report (a slow run may not have reached them all).
STORED=$("${CURL[@]}" "$URL/healthz" | sed -E 's/.*"subjects":([0-9]+).*/\1/')
if [ "$STORED" -lt "$SUBJECTS" ]; then
  CAPPROBE_RUN=fill wrk -t"$THREADS" -c"$CONNECTIONS" -d10s -s "$HERE/post.lua" "$URL" >/dev/null
  STORED=$("${CURL[@]}" "$URL/healthz" | sed -E 's/.*"subjects":([0-9]+).*/\1/')
fi

# Matrix latency at that fleet size: 20 sequential requests, median and worst.
matrix_times() {
  for _ in $(seq 20); do "${CURL[@]}" -o /dev/null -w '%{time_total}\n' "$URL$1"; done | sort -n
}
# Right after a report changed one subject (the matrix is recomputed), then unchanged (cached).
for i in $(seq 20); do
  sed -e "s/@@ID@@/after-change-$i/" -e "s/@@NODE@@/node-$((i * 37))/" "$WORK/template.json" \
    | "${CURL[@]}" -o /dev/null -H 'Content-Type: application/json' --data-binary @- "$URL/api/v1/reports"
  "${CURL[@]}" -o /dev/null -w '%{time_total}\n' "$URL/api/v1/matrix"
done | sort -n >"$WORK/matrix-changed.txt"
matrix_times "/api/v1/matrix" >"$WORK/matrix.txt"
matrix_times "/api/v1/matrix?nodes=false" >"$WORK/matrix-groups.txt"
matrix_times "/" >"$WORK/page.txt"
MATRIX_BYTES=$("${CURL[@]}" "$URL/api/v1/matrix" | wc -c)
# Conformance impact over the whole fleet: the first GET after the ingest, then 5 more (nothing
# changed), then one after a report changed one subject.
"${CURL[@]}" -o /dev/null -w '%{time_total}\n' "$URL/api/v1/impact?k8s_version=1.30" >"$WORK/impact-first.txt"
for _ in $(seq 5); do
  "${CURL[@]}" -o /dev/null -w '%{time_total}\n' "$URL/api/v1/impact?k8s_version=1.30"
done | sort -n >"$WORK/impact.txt"
sed -e "s/@@ID@@/impact-change/" -e "s/@@NODE@@/node-7/" "$WORK/template.json" \
  | "${CURL[@]}" -o /dev/null -H 'Content-Type: application/json' --data-binary @- "$URL/api/v1/reports"
"${CURL[@]}" -o /dev/null -w '%{time_total}\n' "$URL/api/v1/impact?k8s_version=1.30" >"$WORK/impact-changed.txt"
ms() { awk -v line="$2" 'NR == line {printf "%.1f", $1 * 1000}' "$1"; }

RSS=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
HWM=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
DB=$(du -sk "$WORK" | cut -f1)

echo "ingest:  $RATE reports/s, latency p50 $P50, p99 $P99 (wrk -t$THREADS -c$CONNECTIONS -d$DURATION${WRK_HEADERS[*]:+, a connection a report})"
echo "         non-2xx: ${ERRORS:-0} ${SOCKET_ERRORS}"
awk -v c="$COLLECTOR_CPU" -v w="$WRK_CPU" -v n="$REQUESTS" 'BEGIN {
  printf "         CPU per report: collector %.3f ms, wrk %.3f ms; at that cost two cores sustain about %.0f reports/s\n",
    1000 * c / n, 1000 * w / n, 2 * n / (c + w) }'
echo "matrix:  GET /api/v1/matrix with $STORED subjects ($MATRIX_BYTES bytes):"
echo "         after a report changed it: median $(ms "$WORK/matrix-changed.txt" 10) ms, max $(ms "$WORK/matrix-changed.txt" 20) ms"
echo "         unchanged since the last GET: median $(ms "$WORK/matrix.txt" 10) ms, max $(ms "$WORK/matrix.txt" 20) ms"
echo "         ?nodes=false: median $(ms "$WORK/matrix-groups.txt" 10) ms; HTML page: median $(ms "$WORK/page.txt" 10) ms"
echo "impact:  GET /api/v1/impact?k8s_version=1.30 with $STORED subjects: first $(ms "$WORK/impact-first.txt" 1) ms," \
  "unchanged median $(ms "$WORK/impact.txt" 3) ms, after one subject changed $(ms "$WORK/impact-changed.txt" 1) ms"
echo "memory:  collector RSS $((RSS / 1024)) MiB now, peak $((HWM / 1024)) MiB"
echo "disk:    $((DB / 1024)) MiB (database + WAL, --keep 5)"

# A full TLS handshake (no resumption: the collector offers none) is what each new connection
# costs: an agent opens one a round. s_time counts connections that completed one, for 10 s with
# one client; the collector's CPU over that time gives its cost per handshake.
if [ "$TLS" = 1 ]; then
  BEFORE=$(cpu_ticks)
  STARTED=$(date +%s.%N)
  openssl s_time -connect "127.0.0.1:$PORT" -new -time 10 -CAfile "$WORK/tls.crt" \
    >"$WORK/s_time.txt" 2>&1 || true
  WALL=$(awk -v from="$STARTED" -v to="$(date +%s.%N)" 'BEGIN {print to - from}')
  HANDSHAKE_CPU=$(awk -v t="$(($(cpu_ticks) - BEFORE))" -v hz="$(getconf CLK_TCK)" 'BEGIN {print t / hz}')
  # "1436 connections in 4 real seconds, 0 bytes read per connection"
  CONNECTIONS_DONE=$(awk '/connections in [0-9.]+ real seconds/ {print $1; exit}' "$WORK/s_time.txt")
  awk -v n="${CONNECTIONS_DONE:-0}" -v wall="$WALL" -v c="$HANDSHAKE_CPU" 'BEGIN {
    if (n == 0) { print "tls:     openssl s_time completed no connection:"; exit }
    printf "tls:     full handshakes (openssl s_time -new, one client): %.0f /s; collector CPU %.3f ms per handshake\n",
      n / wall, 1000 * c / n }'
  [ -n "$CONNECTIONS_DONE" ] || tail -n 5 "$WORK/s_time.txt"
fi
