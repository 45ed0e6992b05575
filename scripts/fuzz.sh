#!/usr/bin/env bash
# The fuzzers (fuzz/, README "Fuzzing"): builds the libFuzzer targets with clang under ASan and
# UBSan in their own build directory, replays every input that once found a defect
# (fuzz/regressions/<target>/), then fuzzes each target for a bounded time from its seed corpus
# (fuzz/corpus/<target>/). A crash, leak, timeout or sanitizer report fails the run; its input is
# copied into fuzz/regressions/<target>/ to be fixed and committed with the fix. Prints
# "fuzz: N passed, M failed" (scripts/test.sh counts it).
#
# Usage: scripts/fuzz.sh [TARGET...]   (default: every target)
#   CAPPROBE_FUZZ_SECONDS     how long each target fuzzes (default 5; 0: replay only)
#   CAPPROBE_FUZZ_BUILD_DIR   the build directory (default build-fuzz, relative to the repo)
#   CAPPROBE_FUZZ_CORPUS_DIR  where new inputs are kept between runs (default: a temporary
#                             directory, removed at the end)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir="${CAPPROBE_FUZZ_BUILD_DIR:-build-fuzz}"
seconds="${CAPPROBE_FUZZ_SECONDS:-5}"
all_targets=(fuzz_report_validator fuzz_pod_spec fuzz_quantity fuzz_http fuzz_formats)
targets=("$@")
((${#targets[@]} > 0)) || targets=("${all_targets[@]}")

started="$(date +%s)"
passed=0
failed=0
failures=()
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
corpus_root="${CAPPROBE_FUZZ_CORPUS_DIR:-$scratch/corpus}"

record() {  # record ok|fail NAME [DETAIL]
  if [[ "$1" == ok ]]; then
    passed=$((passed + 1))
    echo "ok   $2"
  else
    failed=$((failed + 1))
    failures+=("$2")
    echo "FAIL $2${3:+: $3}"
  fi
}

finish() {
  echo "fuzzing took $(($(date +%s) - started))s"
  for failure in "${failures[@]}"; do echo "failed: $failure"; done
  echo "fuzz: $passed passed, $failed failed"
  ((failed == 0))
}

echo "=== fuzz build ($build_dir) ==="
if ! CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCAPPROBE_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" >"$scratch/configure.log" 2>&1; then
  cat "$scratch/configure.log"
  record fail "configure the fuzz build"
  finish
  exit 1
fi
if ! cmake --build "$build_dir" --target "${targets[@]}"; then
  record fail "build the fuzz targets"
  finish
  exit 1
fi

# libFuzzer's options: a slow input is a finding (the HTTP target waits at most 20 s for an
# answer), memory bounded, leaks checked at the end of each input.
options=(-timeout=30 -rss_limit_mb=2048 -detect_leaks=1 -print_final_stats=1)
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

for target in "${targets[@]}"; do
  binary="$build_dir/fuzz/$target"
  regressions="fuzz/regressions/$target"
  echo
  echo "=== $target ==="

  # Every input that once found a defect, each one run once, each one a test.
  if [[ -d "$regressions" ]]; then
    for input in "$regressions"/*; do
      [[ -f "$input" ]] || continue
      if "$binary" "${options[@]}" "$input" >"$scratch/replay.log" 2>&1; then
        record ok "$target regression $(basename "$input")"
      else
        tail -n 30 "$scratch/replay.log"
        record fail "$target regression $(basename "$input")" "still fails"
      fi
    done
  fi

  ((seconds > 0)) || continue
  # Fuzzing from the seeds and the regressions; what it finds new goes to the work corpus.
  work="$corpus_root/$target"
  artifacts="$scratch/artifacts/$target"
  mkdir -p "$work" "$artifacts"
  seeds=("fuzz/corpus/$target")
  [[ -d "$regressions" ]] && seeds+=("$regressions")
  dictionary=()  # tokens the target's input treats specially, when it has a list of them
  [[ -f "fuzz/dict/$target.dict" ]] && dictionary=(-dict="fuzz/dict/$target.dict")
  if "$binary" "${options[@]}" "${dictionary[@]}" -max_total_time="$seconds" \
    -artifact_prefix="$artifacts/" "$work" "${seeds[@]}" >"$scratch/$target.log" 2>&1; then
    runs="$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$scratch/$target.log" | grep -oE '[0-9]+$' || true)"
    record ok "$target fuzzed ${seconds}s (${runs:-?} inputs, corpus $(find "$work" -type f | wc -l) new)"
  else
    grep -E 'FUZZ FINDING|ERROR: |SUMMARY: |runtime error' "$scratch/$target.log" | head -n 20 || true
    tail -n 40 "$scratch/$target.log"
    mkdir -p "$regressions"
    for artifact in "$artifacts"/*; do
      [[ -f "$artifact" ]] || continue
      cp "$artifact" "$regressions/"
      echo "the input is kept as $regressions/$(basename "$artifact") (base64: $(base64 -w0 "$artifact" | head -c 2000))"
    done
    record fail "$target fuzzed ${seconds}s" "a defect was found (above); fix it and commit its input"
  fi
done

finish
