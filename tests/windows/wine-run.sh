#!/usr/bin/env bash
# Runs one Windows executable under Wine for ctest and for Catch2's test discovery: the cross
# build's CMAKE_CROSSCOMPILING_EMULATOR (cmake/mingw-w64-x86_64.cmake).
#
#   wine-run.sh --prefix DIR EXE [ARGS...]
#
# DIR is a throwaway Wine prefix, created on first use (wineboot -i) and reused by every later
# run; the build directory holds it. Headless: no display, no Mono or Gecko installers, no Wine
# debug chatter. CAPPROBE_WINE_WINDOWS_BUILD=N (e.g. 17763) runs EXE in a prefix of its own
# whose registry says Windows Server build N (RtlGetVersion follows the registry under Wine),
# so tests of one build never race tests of another. When Wine cannot run at all, the test is
# reported skipped ("SKIPPED: why"), or failed when CI=true: CI installs Wine, so there it is
# broken, not missing.
set -uo pipefail

prefix=""
if [[ "${1:-}" == --prefix && $# -ge 3 ]]; then
  prefix="$(realpath -m -- "$2")"
  shift 2
else
  echo "usage: wine-run.sh --prefix DIR EXE [ARGS...]" >&2
  exit 2
fi

# Bounds: creating a prefix takes 7 to 13 s here, a test run well under one.
readonly create_timeout=300
readonly start_timeout=120
readonly run_timeout="${CAPPROBE_WINE_RUN_TIMEOUT:-300}"
# How long the prefix's wineserver (and with it Wine's services) stays after its last program:
# long enough to serve a whole ctest run without restarting, short enough to leave nothing
# running for long afterwards.
readonly linger_seconds=60

cannot_run() {
  if [[ "${CI:-}" == true ]]; then
    echo "FAILED: Wine cannot run this Windows test: $1 (CI installs Wine, so this is a breakage)"
    exit 1
  fi
  echo "SKIPPED: Wine cannot run this Windows test: $1"
  exit 0
}

for tool in wine wineserver wineboot flock timeout; do
  command -v "$tool" >/dev/null 2>&1 ||
    cannot_run "$tool is not installed (bash scripts/build-windows.sh installs Wine)"
done

build="${CAPPROBE_WINE_WINDOWS_BUILD:-}"
if [[ -n "$build" ]]; then
  [[ "$build" =~ ^[0-9]+$ ]] || { echo "FAILED: CAPPROBE_WINE_WINDOWS_BUILD=$build is no build number"; exit 1; }
  prefix="$prefix-build-$build"
fi
mkdir -p "$(dirname "$prefix")"

# Headless and quiet: without DISPLAY Wine uses no X server; the empty overrides stop wineboot
# from looking for the Mono and Gecko installers, which this tool needs neither of.
unset DISPLAY WAYLAND_DISPLAY
export WINEPREFIX="$prefix" WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="

# The registry of a Windows Server build, as RtlGetVersion reads it: version 10.0, the build,
# no service pack, and the server product type.
windows_server_reg() {
  cat <<REG
REGEDIT4

[HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows NT\\CurrentVersion]
"CurrentVersion"="10.0"
"CurrentMajorVersionNumber"=dword:0000000a
"CurrentMinorVersionNumber"=dword:00000000
"CurrentBuildNumber"="$1"
"CurrentBuild"="$1"
"CSDVersion"=-

[HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Control\\ProductOptions]
"ProductType"="ServerNT"
REG
}

# Every step that starts Wine's background programs (wineserver, services.exe, explorer.exe...)
# detaches them from our output first: they outlive this script, and a pipe they inherited
# from ctest would keep ctest waiting for them. Nor do they get the lock's descriptor (9),
# which would keep the lock with them.
quietly() {
  "$@" </dev/null >>"$prefix.log" 2>&1 9>&-
}

# Wine shows the Unix root as drive Z:.
windows_path() {
  local path="$1"
  echo "Z:${path//\//\\}"
}

create_prefix() {
  # What a killed run left (a half-made prefix) goes; anything else at that path is not ours.
  if [[ -e "$prefix" && ! -f "$prefix/system.reg" && -n "$(ls -A "$prefix" 2>/dev/null)" ]]; then
    cannot_run "$prefix exists and is no Wine prefix: not replaced"
  fi
  rm -rf "$prefix" "$prefix.log"
  quietly timeout "$create_timeout" wineboot -i ||
    cannot_run "wineboot -i did not create $prefix (exit $?; see $prefix.log)"
  if [[ -n "$build" ]]; then
    windows_server_reg "$build" >"$prefix.reg"
    quietly timeout "$start_timeout" wine regedit /S "$(windows_path "$prefix.reg")" ||
      cannot_run "regedit did not apply $prefix.reg (exit $?; see $prefix.log)"
  fi
  # Written to disk before the prefix counts as made: a run killed midway leaves no half prefix
  # that later runs would trust.
  quietly timeout "$start_timeout" wineserver -w || true
  touch "$prefix/.capprobe-ready"
}

# One creator at a time: ctest -j and the discovery of two test executables may start together.
exec 9>"$prefix.lock"
flock -w "$create_timeout" 9 || cannot_run "another run held $prefix.lock for ${create_timeout}s"
if [[ ! -f "$prefix/.capprobe-ready" ]]; then
  create_prefix
fi
# Exit 2: one is running already, which is what we want.
quietly timeout "$start_timeout" wineserver -p"$linger_seconds"
status=$?
((status == 0 || status == 2)) || cannot_run "wineserver -p did not start (exit $status; see $prefix.log)"
quietly timeout "$start_timeout" wineboot || cannot_run "wineboot did not start Wine's services (exit $?; see $prefix.log)"
flock -u 9
exec 9>&-

# Output as the program wrote it: the Catch2 executables write "\n" line ends
# (catch_main_windows.cpp), so test names and values come through unaltered.
timeout -k 10 "$run_timeout" wine "$@" </dev/null
status=$?
if ((status == 124)); then
  echo "FAILED: $1 did not finish within ${run_timeout}s under Wine"
fi
exit "$status"
