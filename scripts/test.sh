#!/usr/bin/env bash
# The one test command (CI runs it through .ci/run): set up and build, run every test (unit and
# integration) with ctest, then build the Windows tree and run its tests under Wine, the deploy
# checks and the fuzzers (scripts/fuzz.sh); list the skipped tests with their reasons; exit
# non-zero when any suite failed.
# CAPPROBE_BUILD_DIR overrides the Linux build directory (default: build, relative to the repo),
# CAPPROBE_WINDOWS_BUILD_DIR the Windows one (default: build-windows).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir="${CAPPROBE_BUILD_DIR:-build}"
windows_build_dir="${CAPPROBE_WINDOWS_BUILD_DIR:-build-windows}"

ctest_output="$(mktemp)"
trap 'rm -f "$ctest_output"' EXIT

summaries=()
total_passed=0
total_failed=0
total_skipped=0
failed_suites=()

# Runs ctest in one build directory, prints its skipped tests with their reasons, and adds its
# counts to the totals.
run_suite() {
  local suite="$1" dir="$2" status
  echo
  echo "=== $suite tests ($dir) === [${SECONDS}s into the run]"
  set +e
  ctest --test-dir "$dir" --output-on-failure 2>&1 | tee "$ctest_output"
  status=${PIPESTATUS[0]}
  set -e

  # A skipped test printed "SKIPPED: <why>" (ctest's SKIP_REGULAR_EXPRESSION); the reason is in
  # the full log, which --output-on-failure does not show for tests that did not fail.
  local log="$dir/Testing/Temporary/LastTest.log" skipped=""
  echo
  if [[ -f "$log" ]]; then
    skipped="$(awk '
      /^[0-9]+\/[0-9]+ Testing: / { sub(/^[0-9]+\/[0-9]+ Testing: /, ""); name = $0; next }
      /^SKIPPED: / && !(name in seen) { seen[name] = 1; print "  " name " -- " substr($0, 10) }
    ' "$log")"
    if [[ -n "$skipped" ]]; then
      echo "$suite skipped tests ($(printf '%s\n' "$skipped" | wc -l)):"
      printf '%s\n' "$skipped"
    else
      echo "$suite skipped tests: none"
    fi
  fi

  # "95% tests passed, 2 tests failed out of 43": skipped tests count among the 43.
  local summary total failed skips
  summary="$(grep -E '^[0-9]+% tests passed' "$ctest_output" | tail -n 1 || true)"
  if [[ "$summary" =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
    failed="${BASH_REMATCH[1]}"
    total="${BASH_REMATCH[2]}"
    skips="$(grep -c '\*\*\*Skipped' "$ctest_output" || true)"
    total_passed=$((total_passed + total - failed - skips))
    total_failed=$((total_failed + failed))
    total_skipped=$((total_skipped + skips))
  fi
  summaries+=("$suite: ${summary:-no summary line (ctest exited with status $status)}")
  if ((status != 0)); then
    failed_suites+=("$suite")
  fi
}

bash scripts/setup.sh
run_suite Linux "$build_dir"

# The Windows tree: its own packages (mingw-w64, Wine), build and prefix. A failed build fails
# the run; it is never skipped, in CI or elsewhere.
echo
echo "=== Windows build ($windows_build_dir) === [${SECONDS}s into the run]"
# The Windows agent test delivers to this run's Linux collector (tests/windows/agent).
if CAPPROBE_WINDOWS_BUILD_DIR="$windows_build_dir" bash scripts/build-windows.sh \
  -DCAPPROBE_LINUX_BUILD_DIR="$(realpath "$build_dir")"; then
  run_suite Windows "$windows_build_dir"
  # Each test prefix's wineserver and Wine's services would stay a minute after the last test
  # (tests/windows/wine-run.sh); nothing of this run should outlive it.
  for prefix in "$windows_build_dir"/wine-prefix*/; do
    [[ -d "$prefix" ]] || continue
    WINEPREFIX="$(realpath "$prefix")" timeout 30 wineserver -k </dev/null >/dev/null 2>&1 || true
  done
else
  summaries+=("Windows: the build failed, no test ran")
  failed_suites+=("Windows build")
  total_failed=$((total_failed + 1))
fi

# deploy/: every overlay rendered and checked against the API types, our own rules, the image
# (tests/deploy/check.sh prints "deploy: N passed, M failed").
echo
echo "=== deploy checks === [${SECONDS}s into the run]"
set +e
bash tests/deploy/check.sh 2>&1 | tee "$ctest_output"
deploy_status=${PIPESTATUS[0]}
set -e
deploy_line="$(grep -E '^deploy: [0-9]+ passed, [0-9]+ failed' "$ctest_output" | tail -n 1 || true)"
if [[ "$deploy_line" =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)? ]]; then
  total_passed=$((total_passed + BASH_REMATCH[1]))
  total_failed=$((total_failed + BASH_REMATCH[2]))
  total_skipped=$((total_skipped + ${BASH_REMATCH[4]:-0}))
fi
summaries+=("${deploy_line:-deploy: no summary line (check.sh exited with status $deploy_status)}")
if ((deploy_status != 0)); then
  failed_suites+=("deploy")
  [[ -n "$deploy_line" ]] || total_failed=$((total_failed + 1))
fi

# The fuzzers (fuzz/, scripts/fuzz.sh): their regression inputs replayed, then each target
# fuzzed for a bounded time under ASan and UBSan ("fuzz: N passed, M failed").
echo
echo "=== fuzzers === [${SECONDS}s into the run]"
set +e
bash scripts/fuzz.sh 2>&1 | tee "$ctest_output"
fuzz_status=${PIPESTATUS[0]}
set -e
fuzz_line="$(grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed' "$ctest_output" | tail -n 1 || true)"
if [[ "$fuzz_line" =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
  total_passed=$((total_passed + BASH_REMATCH[1]))
  total_failed=$((total_failed + BASH_REMATCH[2]))
fi
summaries+=("${fuzz_line:-fuzz: no summary line (fuzz.sh exited with status $fuzz_status)}")
if ((fuzz_status != 0)); then
  failed_suites+=("fuzz")
  [[ -n "$fuzz_line" ]] || total_failed=$((total_failed + 1))
fi

echo
for line in "${summaries[@]}"; do
  echo "$line"
done
echo "total: $total_passed passed, $total_failed failed, $total_skipped skipped (${SECONDS}s)"
if ((${#failed_suites[@]} > 0)); then
  echo "failed: ${failed_suites[*]}"
  exit 1
fi
