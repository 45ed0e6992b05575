#!/usr/bin/env bash
# The checks of deploy/ (scripts/test.sh runs this after the build):
#  1. the manifests: every overlay, example and Sonobuoy plugin rendered with kubectl kustomize
#     and held to the Kubernetes 1.27 and 1.33 API types and schemas and to capprobe's own rules,
#     and each deliberately broken fixture in broken/ caught by the check it names (check.mjs);
#  2. the image: deploy/image/build-oci.sh builds the OCI layout from the build, verify-oci.mjs
#     checks it, its binaries run from the unpacked layer as its user with only its own files
#     (chroot), a report goes from the image's capprobe-deliver to the image's collector over
#     loopback, the Sonobuoy plugins' args run as the image's `capprobe sonobuoy`, and a layout
#     with one corrupted byte is refused;
#  3. the Linux DaemonSet's pod shape under runc (runc-daemonset.sh): the image's files with the
#     rendered DaemonSet's securityContext, limits and volumes, `capprobe agent --once` to a
#     collector on loopback: the report arrives, no probe in error, nothing REQUESTED BUT IGNORED.
# Needs kubectl (client only), node and npm; installs the pinned npm packages (package-lock.json)
# with npm ci when they changed; 3 needs root and runc (skipped without, with the reason; a
# failure when CI=true). Prints one line a test and "deploy: N passed, M failed, K skipped";
# exits 1 when one failed.
#   CAPPROBE_BUILD_DIR   the build directory (default: build)
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build_dir="${CAPPROBE_BUILD_DIR:-build}"
[[ "$build_dir" = /* ]] || build_dir="$repo/$build_dir"
started=$(date +%s.%N)

for tool in kubectl node npm tar gzip; do
  if ! command -v "$tool" >/dev/null; then
    echo "deploy checks: $tool is missing (kubectl: the client alone is enough; node/npm: Node.js 20)" >&2
    echo "deploy: 0 passed, 1 failed"
    exit 1
  fi
done

# The pinned packages: npm ci again only when package-lock.json changed.
lock_sum="$(sha256sum "$here/package-lock.json" | awk '{ print $1 }')"
stamp="$here/node_modules/.capprobe-lock-sha256"
if [[ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]]; then
  echo "deploy checks: npm ci (tests/deploy/package-lock.json)"
  if ! (cd "$here" && npm ci --no-audit --no-fund --loglevel=error); then
    echo "deploy: 0 passed, 1 failed (npm ci failed)"
    exit 1
  fi
  echo "$lock_sum" > "$stamp"
fi

passed=0
failed=0
skipped=0
record() { # ok|fail|skip, line, [details...]
  local verdict=$1 line=$2
  shift 2
  if [[ "$verdict" == ok ]]; then
    passed=$((passed + 1))
    echo "ok   $line"
  elif [[ "$verdict" == skip ]]; then
    skipped=$((skipped + 1))
    echo "skip $line"
  else
    failed=$((failed + 1))
    echo "FAIL $line"
  fi
  for detail in "$@"; do [[ -n "$detail" ]] && printf '       %s\n' "$detail"; done
  return 0
}
# A check this machine cannot run: skipped with the reason ("SKIPPED: why", as the ctest
# suites say it), or failed when CI=true, where everything it needs is installed.
skip_or_fail() { # line, reason
  if [[ "${CI:-}" == true ]]; then
    record fail "$1" "cannot run here: $2 (CI has everything this check needs, so this is a breakage)"
  else
    record skip "$1" "SKIPPED: $2"
  fi
}
source "$here/runc-daemonset.sh"

# 1. The manifests.
manifests_out="$(node "$here/check.mjs" "$repo" 2>&1)"
manifests_status=$?
printf '%s\n' "$manifests_out" | grep -v '^deploy manifests: '
summary="$(printf '%s\n' "$manifests_out" | grep -E '^deploy manifests: [0-9]+ passed, [0-9]+ failed$' | tail -n 1)"
if [[ -z "$summary" ]]; then
  record fail "manifests: check.mjs ended without its summary (status $manifests_status)"
else
  read -r p f < <(sed -E 's/^deploy manifests: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/' <<<"$summary")
  passed=$((passed + p))
  failed=$((failed + f))
  ((manifests_status == 0 || f > 0)) || record fail "manifests: check.mjs exited $manifests_status"
fi

# 2. The image.
# The Containerfile's build stage (which no check here can run: no builder, no registry) must
# install every development package scripts/setup.sh installs for the product; the ones only
# the tests and fuzzers need are named here.
test_only_dev=(libfuse3-dev libxml2-dev libclang-rt-14-dev)
setup_dev="$(sed -n '/^packages=(/,/^)/p' "$repo/scripts/setup.sh" | sed 's/#.*//' | tr ' ' '\n' | grep -- '-dev$' | sort -u)"
containerfile_packages="$(sed -n '/apt-get install/,/rm -rf/p' "$repo/deploy/image/Containerfile" | tr ' \\' '\n\n' | sort -u)"
missing_dev=()
for package in $setup_dev; do
  [[ " ${test_only_dev[*]} " == *" $package "* ]] && continue
  grep -qx -- "$package" <<<"$containerfile_packages" || missing_dev+=("$package")
done
if [[ -z "$setup_dev" ]]; then
  record fail "image: the Containerfile installs the product's development packages" "no -dev package found in scripts/setup.sh"
elif ((${#missing_dev[@]} == 0)); then
  record ok "image: the Containerfile installs the product's development packages"
else
  record fail "image: the Containerfile installs the product's development packages" \
    "missing from deploy/image/Containerfile: ${missing_dev[*]} (scripts/setup.sh installs them)"
fi

work="$(mktemp -d)"
collector_pid=""
cleanup() {
  [[ -n "$collector_pid" ]] && kill "$collector_pid" 2>/dev/null && wait "$collector_pid" 2>/dev/null
  declare -F runc_cleanup >/dev/null && runc_cleanup
  rm -rf "$work"
}
trap cleanup EXIT

if [[ ! -x "$build_dir/agent/capprobe" || ! -x "$build_dir/agent/capprobe-deliver" ||
  ! -x "$build_dir/agent/capprobe-collector" ]]; then
  record fail "image: no build in $build_dir (capprobe, capprobe-deliver and capprobe-collector)"
else
  version="$("$build_dir/agent/capprobe" version | awk '{ print $2 }')"

  # rootfs.sh reads ldconfig's listing to its end. A reader that stopped at libpq's line let
  # ldconfig die of SIGPIPE on its next write, and pipefail ended rootfs.sh without a word: a
  # race that failed a CI run. This ldconfig writes libpq's line, pauses, then the listing a line
  # a write (as a slow ldconfig would: mawk reads once more after its exit, so one write is not
  # enough to show it).
  real_ldconfig="$(PATH="$PATH:/sbin:/usr/sbin" command -v ldconfig || true)"
  if [[ -z "$real_ldconfig" ]]; then
    record fail "image: rootfs.sh with an ldconfig that writes after a pause" "no ldconfig here"
  else
    mkdir -p "$work/slow-ldconfig"
    cat >"$work/slow-ldconfig/ldconfig" <<EOF
#!/usr/bin/env bash
listing="\$("$real_ldconfig" "\$@")"
grep -F 'libpq.so.5 ' <<<"\$listing"
sleep 0.5
while IFS= read -r line; do printf '%s\n' "\$line"; done <<<"\$listing"
EOF
    chmod +x "$work/slow-ldconfig/ldconfig"
    if slow_out="$(PATH="$work/slow-ldconfig:$PATH" bash "$repo/deploy/image/rootfs.sh" "$build_dir" "$work/rootfs-slow-ldconfig" 2>&1)" &&
      [[ -n "$(find "$work/rootfs-slow-ldconfig" -name libpq.so.5 -print -quit)" ]]; then
      record ok "image: rootfs.sh with an ldconfig that writes after a pause"
    else
      record fail "image: rootfs.sh with an ldconfig that writes after a pause" \
        "exit or missing libpq.so.5 in the rootfs: ${slow_out:-(rootfs.sh said nothing)}"
    fi
    rm -rf "$work/rootfs-slow-ldconfig"
  fi

  if build_out="$(CAPPROBE_BUILD_DIR="$build_dir" bash "$repo/deploy/image/build-oci.sh" "$work/oci" 2>&1)"; then
    record ok "image: build-oci.sh" "$(tail -n 1 <<<"$build_out")"
    if verify_out="$(node "$here/verify-oci.mjs" "$work/oci" "$version" 2>&1)"; then
      record ok "image: layout, tag capprobe:$version, config and layer files"
    else
      record fail "image: layout, tag capprobe:$version, config and layer files" "$verify_out"
    fi

    # Unpack and run it as the image runs it: its user, nothing but its own files.
    json() { node -e 'const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(eval(process.argv[2]))' "$@"; }
    manifest="$(json "$work/oci/index.json" 'v.manifests[0].digest.split(":")[1]')"
    layer="$(json "$work/oci/blobs/sha256/$manifest" 'v.layers[0].digest.split(":")[1]')"
    mkdir -p "$work/rootfs"
    tar --numeric-owner -xzf "$work/oci/blobs/sha256/$layer" -C "$work/rootfs"
    user="65532:65532"
    in_image() { # runs a command in the unpacked image as its user, in place of this shell
      if ((EUID == 0)); then
        exec chroot --userspec="$user" "$work/rootfs" "$@"
      else
        exec unshare --map-root-user chroot "$work/rootfs" "$@"
      fi
    }
    runs="$(in_image /usr/local/bin/capprobe version 2>&1)"
    deliver_help="$( (in_image /usr/local/bin/capprobe-deliver --help) 2>&1 | head -n 1)"
    if [[ "$runs" == "capprobe $version" && "$deliver_help" == Usage:* ]]; then
      record ok "image: capprobe and capprobe-deliver run from the image alone as $user"
    else
      record fail "image: capprobe and capprobe-deliver run from the image alone as $user" "$runs" "$deliver_help"
    fi

    # A report from the image's capprobe-deliver to the image's collector, over loopback.
    mkdir -p "$work/rootfs/run/check" && chmod 0777 "$work/rootfs/run/check"
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/rootfs/run/check/token"
    chmod 0644 "$work/rootfs/run/check/token"
    "$build_dir/agent/capprobe" probe --quick --json --only platform.os > "$work/rootfs/run/check/report.json" 2>/dev/null
    port=$((20000 + RANDOM % 20000))
    (in_image /usr/local/bin/capprobe collector --listen "127.0.0.1:$port" --db /run/check/collector.db \
      --token-file /run/check/token) > "$work/collector.log" 2>&1 &
    collector_pid=$!
    for _ in $(seq 50); do
      curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
      sleep 0.1
    done
    delivered="$(in_image /usr/local/bin/capprobe-deliver --url "http://127.0.0.1:$port/api/v1/reports" \
      --token-file /run/check/token < "$work/rootfs/run/check/report.json" 2>&1)"
    # Reads need the token too, and without it the fleet stays closed.
    unauthorized="$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/nodes" 2>&1)"
    nodes="$(curl -fsS -H "Authorization: Bearer $(cat "$work/rootfs/run/check/token")" \
      "http://127.0.0.1:$port/api/v1/nodes" 2>&1)"
    if [[ "$delivered" == *'"result":"delivered"'* && "$nodes" == *"$(hostname)"* && "$unauthorized" == 401 ]]; then
      record ok "image: the image's capprobe-deliver delivers to the image's collector (loopback)"
    else
      record fail "image: the image's capprobe-deliver delivers to the image's collector (loopback)" \
        "deliver: $delivered" "nodes: ${nodes:0:300}" "without the token: $unauthorized (401 wanted)" "collector: $(tail -n 3 "$work/collector.log")"
    fi
    kill "$collector_pid" 2>/dev/null
    wait "$collector_pid" 2>/dev/null
    collector_pid=""

    # The same over HTTPS, as components/collector-tls runs them: the image's collector with a
    # certificate pair, the image's capprobe-deliver verifying it against ca.crt alone. Proves
    # the image's OpenSSL (no openssl.cnf, no CA store of its own) serves and verifies TLS.
    tls_line="image: the image's capprobe-deliver delivers to the image's collector over HTTPS, verified against ca.crt"
    mkdir -p "$work/rootfs/run/check/tls"
    if ! pki_out="$("$build_dir/tests/capprobe-test-pki" "$work/rootfs/run/check/tls" 2>&1)"; then
      record fail "$tls_line" "capprobe-test-pki: $pki_out"
    else
      chmod 0644 "$work/rootfs/run/check/tls/"*
      port=$((20000 + RANDOM % 20000))
      (in_image /usr/local/bin/capprobe collector --listen "127.0.0.1:$port" --db /run/check/collector-tls.db \
        --token-file /run/check/token --tls-cert /run/check/tls/server.crt --tls-key /run/check/tls/server.key) \
        > "$work/collector-tls.log" 2>&1 &
      collector_pid=$!
      for _ in $(seq 50); do
        curl -fsS --cacert "$work/rootfs/run/check/tls/ca.crt" "https://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
        sleep 0.1
      done
      delivered="$(in_image /usr/local/bin/capprobe-deliver --url "https://127.0.0.1:$port/api/v1/reports" \
        --token-file /run/check/token --ca-file /run/check/tls/ca.crt < "$work/rootfs/run/check/report.json" 2>&1)"
      # Another CA's certificate: refused before anything is sent.
      mkdir -p "$work/rootfs/run/check/other-ca"
      "$build_dir/tests/capprobe-test-pki" "$work/rootfs/run/check/other-ca" >/dev/null 2>&1
      chmod 0644 "$work/rootfs/run/check/other-ca/"*
      refused="$(in_image /usr/local/bin/capprobe-deliver --url "https://127.0.0.1:$port/api/v1/reports" \
        --token-file /run/check/token --ca-file /run/check/other-ca/ca.crt < "$work/rootfs/run/check/report.json" 2>&1)"
      if [[ "$delivered" == *'"result":"delivered"'* && "$refused" == *'"result":"retry"'* && "$refused" == *certificate* ]]; then
        record ok "$tls_line" "with another CA: ${refused:0:200}"
      else
        record fail "$tls_line" "deliver: $delivered" "with another CA: $refused" "collector: $(tail -n 3 "$work/collector-tls.log")"
      fi
      kill "$collector_pid" 2>/dev/null
      wait "$collector_pid" 2>/dev/null
      collector_pid=""
    fi

    # The image's collector on PostgreSQL: libpq (loaded when it first connects) and its closure
    # are in the image. No server listens on that socket, so it must get as far as libpq's own
    # connection error, and exit 1.
    pg_out="$( (timeout 20 bash -c "$(declare -f in_image); work='$work' user='$user' in_image /usr/local/bin/capprobe collector \
      --listen 127.0.0.1:$((20000 + RANDOM % 20000)) --public-read --db 'postgresql://capprobe@/capprobe?host=/run/check/no-server'") 2>&1)"
    pg_status=$?
    if ((pg_status == 1)) && [[ "$pg_out" == *"cannot connect to PostgreSQL"* ]]; then
      record ok "image: the image's collector loads libpq for a postgresql:// database"
    else
      record fail "image: the image's collector loads libpq for a postgresql:// database" \
        "exit $pg_status: ${pg_out:0:400}"
    fi

    # The Sonobuoy plugins' args, as the image's capprobe runs them: flags that parse, the
    # results and the done file where the worker looks, then it stays until SIGTERM and exits 0.
    for plugin in capprobe-linux capprobe-windows; do
      plugin_line="image: the $plugin Sonobuoy plugin's args run as 'capprobe sonobuoy' (results, done file, SIGTERM -> 0)"
      if ! plugin_args="$(node -e '
          const yaml = require(process.argv[2]);
          const plugin = yaml.load(require("fs").readFileSync(process.argv[1], "utf8"));
          console.log(plugin.spec.args.join("\n"));' \
          "$repo/deploy/sonobuoy/$plugin.yaml" "$here/node_modules/js-yaml" 2>&1)"; then
        record fail "$plugin_line" "$plugin_args"
        continue
      fi
      mapfile -t plugin_argv <<<"$plugin_args"
      results_dir="$(awk 'prev == "--results-dir" { print; exit } { prev = $0 }' <<<"$plugin_args")"
      rm -rf "$work/rootfs${results_dir:-/tmp/sonobuoy/results}"
      (in_image /usr/local/bin/capprobe "${plugin_argv[@]}" --quick) >"$work/$plugin.log" 2>&1 &
      plugin_pid=$!
      for _ in $(seq 100); do
        [[ -f "$work/rootfs${results_dir:-/tmp/sonobuoy/results}/done" ]] && break
        kill -0 "$plugin_pid" 2>/dev/null || break
        sleep 0.1
      done
      done_names="$(cat "$work/rootfs${results_dir:-/tmp/sonobuoy/results}/done" 2>/dev/null)"
      still_running=no
      kill -0 "$plugin_pid" 2>/dev/null && still_running=yes
      kill -TERM "$plugin_pid" 2>/dev/null
      wait "$plugin_pid"
      plugin_status=$?
      if [[ "$done_names" == "${results_dir:-/tmp/sonobuoy/results}/capprobe" && -f "$work/rootfs$done_names/capprobe.yaml" &&
        "$still_running" == yes && "$plugin_status" == 0 ]]; then
        record ok "$plugin_line" "args: ${plugin_argv[*]}; done names $done_names"
      else
        record fail "$plugin_line" "args: ${plugin_argv[*]} --quick" "done: '$done_names', still running: $still_running, exit $plugin_status" \
          "$(tail -n 3 "$work/$plugin.log")"
      fi
    done

    # The broken fixture for the image check: one byte of the layer changed.
    cp -r "$work/oci" "$work/oci-broken"
    printf '\x00' | dd of="$work/oci-broken/blobs/sha256/$layer" bs=1 seek=4096 conv=notrunc status=none
    if broken_out="$(node "$here/verify-oci.mjs" "$work/oci-broken" "$version" 2>&1)"; then
      record fail "broken image (one byte of the layer changed): verify-oci.mjs accepted it"
    elif grep -q "content hashes to" <<<"$broken_out"; then
      record ok "broken image (one byte of the layer changed): refused" "caught: $(head -n 1 <<<"$broken_out")"
    else
      record fail "broken image (one byte of the layer changed): refused for another reason" "$broken_out"
    fi

    # 3. The DaemonSet's pod shape under runc, in the image's own files.
    config_digest="$(json "$work/oci/blobs/sha256/$manifest" 'v.config.digest.split(":")[1]')"
    entrypoint="$(json "$work/oci/blobs/sha256/$config_digest" 'v.config.Entrypoint[0]')"
    runc_daemonset_proof "$work/rootfs" "$entrypoint" "$work/rootfs/run/check/token"
  else
    record fail "image: build-oci.sh" "$build_out"
  fi
fi

elapsed="$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')"
echo "deploy checks took ${elapsed}s"
echo "deploy: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
