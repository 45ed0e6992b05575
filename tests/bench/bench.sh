#!/usr/bin/env bash
# Benchmark of the current build (not a test; never run by ctest): median wall time and peak
# RSS of `capprobe probe --quick --json` and of a full `capprobe probe --json`, the binary's
# size, and an idle `capprobe agent`'s memory and CPU between rounds (against a collector it
# starts on loopback), against this machine's targets. Builds nothing.
#
#   tests/bench/bench.sh [BUILD_DIR | CAPPROBE_BINARY]     (default: build/ of this repo)
#   QUICK_RUNS=20 FULL_RUNS=5 (the minimums) set how many runs are timed.
#
# Exit status: 0 every target met, 3 a target missed, 1 the benchmark could not run.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
target="${1:-$repo/build}"
if [[ -d "$target" ]]; then binary="$target/agent/capprobe"; else binary="$target"; fi
[[ -x "$binary" ]] || { echo "bench: no capprobe binary at $binary (build first: scripts/setup.sh)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

quick_runs="${QUICK_RUNS:-20}"
full_runs="${FULL_RUNS:-5}"
((quick_runs >= 20)) || quick_runs=20
((full_runs >= 5)) || full_runs=5

# Targets on this machine (2 vCPUs): quick <= 50 ms and <= 10 MiB peak RSS; full <= 2.5 s.
quick_wall_target_ms=50
quick_rss_target_kib=$((10 * 1024))
full_wall_target_ms=2500

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Wall time from bash itself ($EPOCHREALTIME, bash >= 5, microseconds): forking `date` around
# each run would add its own milliseconds to a 30 ms measurement.
# Runs capprobe with the given arguments `count` times; writes "wall_ms rss_kib" lines to $2.
# /usr/bin/time adds one exec (well under a millisecond) to each wall time.
measure() {
  local count="$1" out="$2"
  shift 2
  : >"$out"
  for ((i = 0; i < count; i++)); do
    local start end
    start=$EPOCHREALTIME
    if ! /usr/bin/time -f '%M' -o "$work/rss" "$binary" "$@" >"$work/stdout" 2>"$work/stderr"; then
      echo "bench: '$binary $*' failed:" >&2
      tail -n 5 "$work/stderr" >&2
      exit 1
    fi
    end=$EPOCHREALTIME
    echo "$(((${end/[.,]/} - ${start/[.,]/}) / 1000)) $(tail -n 1 "$work/rss")" >>"$out"
  done
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
maximum() { sort -n | tail -n 1; }

"$binary" probe --quick --json >/dev/null 2>&1 || true  # warm the page cache, untimed
measure "$quick_runs" "$work/quick" probe --quick --json
measure "$full_runs" "$work/full" probe --json
# The CPU burn of the last full run: the CPUs it got (about the visible ones on an idle machine
# without a limit). A figure, not a target: timing belongs here, not in the unit tests.
burn_cpus=$(grep -o '"measured_cpus": *[0-9.]*' "$work/stdout" | head -n 1 | grep -o '[0-9.]*$' || true)
visible_cpus=$(grep -o '"visible_cpus": *[0-9]*' "$work/stdout" | head -n 1 | grep -o '[0-9]*$' || true)
# What every invocation costs before any probe runs, side by side with the quick probe.
measure "$quick_runs" "$work/version" version

# The agent, idle: a collector and an agent on loopback ports; after the first round has been
# delivered, its memory and the CPU it uses in 5 s of waiting for the next round (1 h away).
http_get() {  # port path: the body of a local GET, or nothing
  { exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3 &&
    cat <&3 && exec 3<&-; } 2>/dev/null || true
}
start_on_free_port() {  # name command...: runs it with PORT set, until /healthz answers
  local name="$1" try
  shift
  for try in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 20000))
    PORT=$port "$@" 2>"$work/$name.log" &
    local pid=$!
    for _ in $(seq 100); do
      [[ "$(http_get "$port" /healthz)" == *ok* ]] && { pids+=("$pid"); return 0; }
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  done
  echo "bench: $name did not start:" >&2; tail -n 5 "$work/$name.log" >&2; exit 1
}
# No token: the agent posts without one; --public-read is the explicit choice that needs.
run_collector() { exec "$binary" collector --listen "127.0.0.1:$PORT" --db "$work/collector.db" --public-read; }
run_agent() {
  exec "$binary" agent --collector "http://127.0.0.1:$collector_port" --interval 1h --quick \
    --spool-dir "$work/spool" --listen "127.0.0.1:$PORT"
}
start_on_free_port collector run_collector
collector_port=$port
start_on_free_port agent run_agent
agent_port=$port
agent_pid=${pids[-1]}
for _ in $(seq 600); do
  http_get "$agent_port" /metrics | grep -q '^capprobe_agent_deliveries_total{result="ok"} 1' && break
  sleep 0.1
done
http_get "$agent_port" /metrics | grep -q '^capprobe_agent_deliveries_total{result="ok"} 1' ||
  { echo "bench: the agent delivered nothing:" >&2; tail -n 5 "$work/agent.log" >&2; exit 1; }
sleep 1
ticks() { awk '{ print $14 + $15 }' "/proc/$agent_pid/stat"; }
ticks_before=$(ticks)
sleep 5
idle_ticks=$(($(ticks) - ticks_before))
agent_rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$agent_pid/status")
agent_anon=$(awk '/^RssAnon:/ { print $2 }' "/proc/$agent_pid/status")
agent_pss=$(awk '/^Pss:/ { print $2 }' "/proc/$agent_pid/smaps_rollup")

quick_wall=$(cut -d' ' -f1 "$work/quick" | median)
quick_rss=$(cut -d' ' -f2 "$work/quick" | maximum)
full_wall=$(cut -d' ' -f1 "$work/full" | median)
full_rss=$(cut -d' ' -f2 "$work/full" | maximum)
version_wall=$(cut -d' ' -f1 "$work/version" | median)
size=$(stat -c %s "$binary")

missed=0
verdict=""
judge() {  # measured target: sets $verdict (no subshell, so that $missed sticks)
  if (($1 <= $2)); then verdict=pass; else verdict=FAIL; missed=1; fi
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
row() { printf '%-34s %12s %12s  %s\n' "$@"; }

echo "capprobe benchmark: $binary"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
row "metric" "measured" "target" "result"
judge "$quick_wall" "$quick_wall_target_ms"
row "quick: median wall ($quick_runs runs)" "$quick_wall ms" "<= $quick_wall_target_ms ms" "$verdict"
judge "$quick_rss" "$quick_rss_target_kib"
row "quick: peak RSS (max of runs)" "$(mib "$quick_rss")" "<= 10 MiB" "$verdict"
judge "$full_wall" "$full_wall_target_ms"
row "full: median wall ($full_runs runs)" "$full_wall ms" "<= $full_wall_target_ms ms" "$verdict"
row "full: peak RSS (max of runs)" "$(mib "$full_rss")" "-" "-"
row "full: CPU burn (CPUs of visible)" "${burn_cpus:-?} of ${visible_cpus:-?}" "-" "-"
row "version: median wall ($quick_runs runs)" "$version_wall ms" "-" "-"
row "binary size" "$(mib $((size / 1024)))" "-" "-"
judge "$agent_rss" $((10 * 1024))
row "agent idle: VmRSS" "$(mib "$agent_rss")" "<= 10 MiB" "$verdict"
row "agent idle: Pss / RssAnon" "$(mib "$agent_pss") / $(mib "$agent_anon")" "-" "-"
judge "$idle_ticks" 0
row "agent idle: CPU ticks in 5 s" "$idle_ticks" "0" "$verdict"
exit $((missed ? 3 : 0))
