#!/usr/bin/env bash
# The one test command (CI runs it through .ci/run): set up and build, run every test (unit and
# integration) with ctest, list the skipped tests with their reasons, exit with ctest's status.
# CAPPROBE_BUILD_DIR overrides the build directory (default: build, relative to the repo).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir="${CAPPROBE_BUILD_DIR:-build}"

bash scripts/setup.sh

ctest_output="$(mktemp)"
trap 'rm -f "$ctest_output"' EXIT

set +e
ctest --test-dir "$build_dir" --output-on-failure 2>&1 | tee "$ctest_output"
status=${PIPESTATUS[0]}
set -e
bash tests/deploy/check.sh || status=1  # deploy/: manifests, Sonobuoy plugins, image (needs kubectl, node, npm)

# A skipped test printed "SKIPPED: <why>" (ctest's SKIP_REGULAR_EXPRESSION); the reason is in
# the full log, which --output-on-failure does not show for tests that did not fail.
log="$build_dir/Testing/Temporary/LastTest.log"
echo
if [[ -f "$log" ]]; then
  skipped="$(awk '
    /^[0-9]+\/[0-9]+ Testing: / { sub(/^[0-9]+\/[0-9]+ Testing: /, ""); name = $0; next }
    /^SKIPPED: / && !(name in seen) { seen[name] = 1; print "  " name " -- " substr($0, 10) }
  ' "$log")"
  if [[ -n "$skipped" ]]; then
    echo "Skipped tests ($(printf '%s\n' "$skipped" | wc -l)):"
    printf '%s\n' "$skipped"
  else
    echo "Skipped tests: none"
  fi
fi

summary="$(grep -E '^[0-9]+% tests passed' "$ctest_output" | tail -n 1 || true)"
echo "ctest: ${summary:-no summary line (ctest exited with status $status)}"
exit "$status"
