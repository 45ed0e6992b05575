#!/usr/bin/env bash
# The collector's stores side by side, in one run, on loopback: SQLite (one collector), then a
# private PostgreSQL server with one collector and with two replicas. For each: ingest with wrk
# POSTing realistic reports (about 20 KiB, a fresh report_id each, spread over 10,000 subjects;
# with two replicas one wrk per replica, half the connections each), then GET /api/v1/matrix
# with those 10,000 subjects stored. With two replicas also: how long a report posted to one
# takes to show in the other's fleet.
#
#   tests/bench/collector/stores.sh [BUILD_DIR]
#   env: DURATION=15s CONNECTIONS=64 SUBJECTS=10000 REPORT_BYTES=20480
#
# Needs wrk, curl and Debian's postgresql (initdb and pg_ctl; run as nobody when root). Every
# process it starts is stopped at the end, and its temporary directory is removed.
set -euo pipefail

BUILD=${1:-build}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
SUBJECTS=${SUBJECTS:-10000}
REPORT_BYTES=${REPORT_BYTES:-20480}
HERE=$(cd "$(dirname "$0")" && pwd)
COLLECTOR=$BUILD/tests/capprobe-collector
TOOL=$BUILD/tests/collector-bench-tool
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install -y $tool)" >&2; exit 2; }
done
[ -x "$PG_BIN/initdb" ] || { echo "bench: no PostgreSQL server (apt-get install -y postgresql)" >&2; exit 2; }
[ -x "$COLLECTOR" ] && [ -x "$TOOL" ] || {
  echo "bench: build capprobe-collector and collector-bench-tool in $BUILD first" >&2; exit 2; }

WORK=$(mktemp -d)
PIDS=()
as_server_user() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
stop_collectors() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  stop_collectors
  [ -f "$WORK/pg/data/postmaster.pid" ] && as_server_user "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# start_collector DB: a collector on a free port (a few random ones tried); sets PORT. Ready
# when its own log says it listens there: another program on that port may answer /healthz.
start_collector() {
  for attempt in 1 2 3 4 5 6 7 8; do
    PORT=$((20000 + RANDOM % 20000))
    local log="$WORK/collector-$PORT.log"
    "$COLLECTOR" --listen "127.0.0.1:$PORT" --db "$1" --keep 5 2>"$log" &
    local pid=$!
    for _ in $(seq 100); do
      grep -qs "Listening on 127.0.0.1:$PORT " "$log" && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if grep -qs "Listening on 127.0.0.1:$PORT " "$log" && kill -0 "$pid" 2>/dev/null; then
      PIDS+=("$pid"); return
    fi
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
    cat "$log" >>"$WORK/collector.log"
  done
  echo "bench: the collector did not start:" >&2; cat "$WORK/collector.log" >&2; exit 1
}

"$TOOL" template --bytes "$REPORT_BYTES" >"$WORK/template.json"
export CAPPROBE_TEMPLATE="$WORK/template.json" CAPPROBE_SUBJECTS="$SUBJECTS" CAPPROBE_THREADS=1

# CPU ticks (user + system) of the collectors and of the PostgreSQL server's processes: on a
# machine shared with other work the rate understates what two idle cores do; the CPU cost per
# report depends on that much less.
server_pids() {
  [ -f "$WORK/pg/data/postmaster.pid" ] || return 0
  local postmaster; postmaster=$(head -n 1 "$WORK/pg/data/postmaster.pid")
  echo "$postmaster" $(pgrep -P "$postmaster")
}
cpu_ticks() {
  local total=0
  for pid in "${PIDS[@]}" $(server_pids); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# ingest NAME PORT...: wrk on each port at once, CONNECTIONS shared out; prints the summed rate.
ingest() {
  local name=$1; shift
  local count=$# per=$((CONNECTIONS / $#)) i=0 wrk_pids=()
  local id=${name//[^a-z0-9]/-}  # report ids allow no spaces
  for port in "$@"; do
    CAPPROBE_RUN="warm-$id-$i" wrk -t1 -c"$per" -d3s -s "$HERE/post.lua" "http://127.0.0.1:$port" >/dev/null &
    wrk_pids+=($!); i=$((i + 1))
  done
  wait "${wrk_pids[@]}"; wrk_pids=(); i=0
  local before; before=$(cpu_ticks)
  for port in "$@"; do
    CAPPROBE_RUN="main-$id-$i" wrk -t1 -c"$per" -d"$DURATION" --latency -s "$HERE/post.lua" \
      "http://127.0.0.1:$port" >"$WORK/wrk-$id-$i.txt" &
    wrk_pids+=($!); i=$((i + 1))
  done
  wait "${wrk_pids[@]}"
  local ticks=$(($(cpu_ticks) - before)) requests=0
  local rate=0 line=""
  for i in $(seq 0 $((count - 1))); do
    local f="$WORK/wrk-$id-$i.txt"
    rate=$(awk -v r="$rate" '/Requests\/sec/ {print r + $2}' "$f")
    requests=$(awk -v r="$requests" '/requests in/ {print r + $1}' "$f")
    line+=" [replica $((i + 1)): p50 $(awk '$1 == "50%" {print $2}' "$f"), p99 $(awk '$1 == "99%" {print $2}' "$f"), non-2xx $(awk '/Non-2xx/ {print $5}' "$f" | grep . || echo 0)]"
  done
  printf '%-22s ingest %8.0f reports/s%s\n' "$name" "$rate" "$line"
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$requests" -v name="$name" 'BEGIN {
    printf "%-22s        CPU per report (collectors + PostgreSQL server): %.3f ms\n", name, 1000 * t / hz / n }'
}

# fill PORT: makes sure every subject has a report, then prints matrix GET times on PORT.
matrix() {
  local name=$1 port=$2 url="http://127.0.0.1:$2" id=${1//[^a-z0-9]/-}
  local stored
  stored=$(curl -sf "$url/healthz" | sed -E 's/.*"subjects":([0-9]+).*/\1/')
  if [ "$stored" -lt "$SUBJECTS" ]; then
    CAPPROBE_RUN="fill-$id" wrk -t1 -c32 -d15s -s "$HERE/post.lua" "$url" >/dev/null
    stored=$(curl -sf "$url/healthz" | sed -E 's/.*"subjects":([0-9]+).*/\1/')
  fi
  for i in $(seq 20); do
    sed -e "s/@@ID@@/after-change-$id-$i/" -e "s/@@NODE@@/node-$((i * 37))/" "$WORK/template.json" \
      | curl -sf -o /dev/null -H 'Content-Type: application/json' --data-binary @- "$url/api/v1/reports"
    curl -sf -o /dev/null -w '%{time_total}\n' "$url/api/v1/matrix"
  done | sort -n >"$WORK/changed.txt"
  for _ in $(seq 20); do curl -sf -o /dev/null -w '%{time_total}\n' "$url/api/v1/matrix"; done \
    | sort -n >"$WORK/unchanged.txt"
  ms() { awk -v line="$2" 'NR == line {printf "%.1f", $1 * 1000}' "$1"; }
  printf '%-22s matrix with %s subjects: after a change median %s ms, max %s ms; unchanged median %s ms\n' \
    "$name" "$stored" "$(ms "$WORK/changed.txt" 10)" "$(ms "$WORK/changed.txt" 20)" "$(ms "$WORK/unchanged.txt" 10)"
}

echo "report size: $(wc -c <"$WORK/template.json") bytes; subjects: $SUBJECTS; wrk -c$CONNECTIONS -d$DURATION; load: $(cut -d' ' -f1-3 /proc/loadavg)"

# SQLite, one collector.
start_collector "$WORK/sqlite.db"
ingest "sqlite" "$PORT"
matrix "sqlite" "$PORT"
stop_collectors

# A private PostgreSQL server: unix socket only, default settings (fsync and synchronous_commit
# on), owned by nobody when run as root.
mkdir "$WORK/pg"
# The server user must reach its directory inside WORK (mode 0700 from mktemp).
if [ "$(id -u)" = 0 ]; then chmod 0711 "$WORK"; chown nobody "$WORK/pg"; fi
as_server_user "$PG_BIN/initdb" -D "$WORK/pg/data" -U capprobe -A trust -E UTF8 >"$WORK/initdb.log" 2>&1
as_server_user "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -o "-k $WORK/pg -c listen_addresses=" \
  -l "$WORK/pg/server.log" -w -t 30 start >/dev/null
as_server_user "$PG_BIN/createdb" -h "$WORK/pg" -U capprobe one
as_server_user "$PG_BIN/createdb" -h "$WORK/pg" -U capprobe two

start_collector "postgresql://capprobe@/one?host=$WORK/pg"
ingest "postgresql, 1 replica" "$PORT"
matrix "postgresql, 1 replica" "$PORT"
stop_collectors

start_collector "postgresql://capprobe@/two?host=$WORK/pg"; A=$PORT
start_collector "postgresql://capprobe@/two?host=$WORK/pg"; B=$PORT
ingest "postgresql, 2 replicas" "$A" "$B"
matrix "postgresql, 2 replicas" "$B"

# A report posted to A, then B's /api/v1/nodes/NODE polled every 10 ms until it is there.
for i in $(seq 10); do
  node="follow-$i"
  sed -e "s/@@ID@@/follow-$i/" -e "s/@@NODE@@/$node/" "$WORK/template.json" \
    | curl -sf -o /dev/null -H 'Content-Type: application/json' --data-binary @- "http://127.0.0.1:$A/api/v1/reports"
  start=$(date +%s%N)
  until curl -sf -o /dev/null "http://127.0.0.1:$B/api/v1/nodes/$node"; do
    [ $(( ($(date +%s%N) - start) / 1000000 )) -gt 10000 ] && break
    sleep 0.01
  done
  echo $(( ($(date +%s%N) - start) / 1000000 ))
done | sort -n >"$WORK/follow.txt"
echo "replica A -> B:        a report posted to A in B's fleet after median $(sed -n 5p "$WORK/follow.txt") ms, max $(tail -n 1 "$WORK/follow.txt") ms (10 reports; B polls every 500 ms)"
echo "database sizes:        $(as_server_user psql -h "$WORK/pg" -U capprobe -d two -Atc "SELECT pg_size_pretty(pg_database_size('one')) || ' (1 replica), ' || pg_size_pretty(pg_database_size('two')) || ' (2 replicas)'")"
