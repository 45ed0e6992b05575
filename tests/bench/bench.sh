#!/usr/bin/env bash
# Benchmark of the current build (not a test; never run by ctest): median wall time and peak
# RSS of `capprobe probe --quick --json` and of a full `capprobe probe --json`, and the binary's
# size, against this machine's targets. Builds nothing.
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
trap 'rm -rf "$work"' EXIT

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

quick_wall=$(cut -d' ' -f1 "$work/quick" | median)
quick_rss=$(cut -d' ' -f2 "$work/quick" | maximum)
full_wall=$(cut -d' ' -f1 "$work/full" | median)
full_rss=$(cut -d' ' -f2 "$work/full" | maximum)
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
row "binary size" "$(mib $((size / 1024)))" "-" "-"
exit $((missed ? 3 : 0))
