#!/usr/bin/env bash
# The Windows build: installs the mingw-w64 cross compiler and Wine (only when a package is
# missing), then configures and builds build-windows/ with cmake/mingw-w64-x86_64.cmake.
# Building the test executable creates the build directory's Wine prefix (its test discovery
# runs under Wine). Run its tests with: ctest --test-dir build-windows
# CAPPROBE_WINDOWS_BUILD_DIR overrides the build directory (default: build-windows). Arguments
# go to the configure step: scripts/test.sh passes -DCAPPROBE_LINUX_BUILD_DIR=..., the Linux build
# whose collector the Windows agent test delivers to.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir="${CAPPROBE_WINDOWS_BUILD_DIR:-build-windows}"

# The Windows build's own Debian packages, with why each is here. The header-only libraries
# come from the Linux build's packages (scripts/setup.sh); they are listed too so that this
# script also works alone.
packages=(
  g++-mingw-w64-x86-64-posix   # the cross compiler, posix threads (std::thread, std::mutex)
  cmake ninja-build            # the build
  wine wine64                  # runs the Windows tests (64-bit only: no wine32, no i386)
  nlohmann-json3-dev libspdlog-dev libfmt-dev catch2 libboost-dev  # header-only libraries
  util-linux                   # flock: one Wine prefix creator at a time (tests/windows)
  curl openssl                 # the agent tests: the collector's API, a test CA (tests/windows/agent)
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "build-windows: installing ${missing[*]}"
  sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || {
      echo "build-windows: need root (or sudo) to install ${missing[*]}" >&2
      exit 1
    }
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -q
  # --no-install-recommends: Wine's recommendations are its 32-bit half and desktop pieces
  # (fonts, sound, GStreamer) that headless tests do not use.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
else
  echo "build-windows: all ${#packages[@]} packages present"
fi

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  --toolchain cmake/mingw-w64-x86_64.cmake "$@"
cmake --build "$build_dir"
