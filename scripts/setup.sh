#!/usr/bin/env bash
# Gets a fresh Debian 12 machine ready for capprobe: installs every package the build, the
# tests and the benchmark need (only when one is missing), then configures and builds build/.
# CAPPROBE_BUILD_DIR overrides the build directory (default: build, relative to the repo).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir="${CAPPROBE_BUILD_DIR:-build}"

# The one list of Debian packages, with why each is here.
packages=(
  build-essential g++ cmake ninja-build ccache pkg-config  # the toolchain (CMake + Ninja)
  libboost-dev libcurl4-openssl-dev nlohmann-json3-dev      # libraries capprobe links
  libspdlog-dev libsqlite3-dev
  libsimdjson-dev                                           # the collector's report validation
  libpq-dev                                                 # the collector's PostgreSQL store
  postgresql                                                # a private server for its tests/bench
  libssl-dev                                                # the collector's HTTPS; the tests' certificates
  catch2                                                    # unit and integration tests
  util-linux                                                # unshare, setpriv (integration tests)
  fuse3 libfuse3-dev                                        # hung and symlink-less volumes (tests)
  iproute2 procps                                           # ip, ps: looking at the sandboxes
  time hyperfine                                            # /usr/bin/time and hyperfine (bench)
  runc busybox-static cpio qemu-system-x86                  # the sandbox lab (tests/lab)
  chromium fonts-dejavu-core                                # the collector's HTML page, rendered
  wrk curl                                                  # collector ingest benchmark
  clang libclang-rt-14-dev libxml2-dev                      # the fuzzers (libFuzzer, ASan, UBSan)
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}"
  sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#packages[@]} packages present"
fi

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir"
