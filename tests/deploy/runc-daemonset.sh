# The proof that the Linux DaemonSet's pod shape works (issue 10, section 5), sourced by
# check.sh after it has built and unpacked the image: the image's own files run under runc with
# the pod shape of the rendered overlays/linux DaemonSet (pod-shape.mjs: its uid, read-only
# root, no capabilities, no privilege escalation, seccomp, CPU and memory limits, tmpfs /tmp,
# the spool emptyDir and the token secret laid out as kubelet lays them out), running the
# DaemonSet's own args as `capprobe agent --once` with the DaemonSet as --pod-spec, delivering
# to the image's collector on loopback in the network namespace the container shares with it.
# Then the report the collector stored must have no probe in `error` and nothing REQUESTED BUT
# IGNORED. A second run is the check's broken fixture: the same container, but the --pod-spec
# it is given asks for hostPID, which the container does not get; the judge must call that
# REQUESTED BUT IGNORED.
#
# Needs root and runc (scripts/setup.sh installs it); without them the check is skipped with the
# reason, and fails when CI=true (CI runs as root with runc: a skip there is a breakage).
# Uses check.sh's record, skip_or_fail, $repo, $here, $work.

runc_line="runc: the Linux DaemonSet's pod shape runs 'capprobe agent --once'; the report arrives, no probe in error, nothing REQUESTED BUT IGNORED"
runc_broken_line="broken runc pod spec (asks hostPID, the container does not get it): called REQUESTED BUT IGNORED"

# runc_daemonset_proof ROOTFS ENTRYPOINT TOKEN_FILE
runc_daemonset_proof() {
  local rootfs=$1 entrypoint=$2 token_file=$3 reason=""
  if ((EUID != 0)); then
    reason="not root: runc needs root to make the container"
  elif ! command -v runc >/dev/null; then
    reason="runc is not installed (scripts/setup.sh installs it)"
  else
    local tool
    for tool in unshare nsenter ip curl; do
      command -v "$tool" >/dev/null || reason="$tool is missing"
    done
  fi
  if [[ -n "$reason" ]]; then
    skip_or_fail "$runc_line" "$reason"
    skip_or_fail "$runc_broken_line" "$reason"
    return
  fi

  # Globals: runc_cleanup also runs from check.sh's exit trap.
  runc_dir="$work/runc"
  runc_ids=()
  runc_cgroup_top="capprobe-deploy-check-$$"
  mkdir -p "$runc_dir"
  if ! kubectl kustomize "$repo/deploy/kustomize/overlays/linux" >"$runc_dir/rendered.yaml" 2>"$runc_dir/render.err"; then
    record fail "$runc_line" "kubectl kustomize overlays/linux: $(head -n 3 "$runc_dir/render.err")"
    return
  fi

  # The image's collector, as the image's user, alone in a network namespace with its loopback.
  runc_port=$((20000 + RANDOM % 20000))
  unshare --net sh -c 'ip link set lo up && exec chroot --userspec=65532:65532 "$0" /usr/local/bin/capprobe collector --listen "127.0.0.1:$1" --db /run/check/runc-collector.db --token-file /run/check/token' \
    "$rootfs" "$runc_port" >"$runc_dir/collector.log" 2>&1 &
  runc_collector_pid=$!
  runc_netns="/proc/$runc_collector_pid/ns/net"
  local ready=""
  for _ in $(seq 50); do
    if nsenter --net="$runc_netns" curl -fsS "http://127.0.0.1:$runc_port/healthz" >/dev/null 2>&1; then
      ready=1
      break
    fi
    sleep 0.1
  done
  if [[ -z "$ready" ]]; then
    record fail "$runc_line" "the collector did not start: $(tail -n 3 "$runc_dir/collector.log")"
    runc_cleanup
    return
  fi
  # status.hostIP: the node's address, which the container's own network namespace lacks.
  runc_host_ip="$(ip -4 -o addr show scope global 2>/dev/null | awk 'ip == "" { ip = $4; sub(/\/.*/, "", ip) } END { print ip }')"

  if runc_run_once good "$rootfs" "$entrypoint" "$token_file" ""; then
    if [[ "$runc_verdict" == ok* ]]; then
      record ok "$runc_line" "pod shape: $runc_shape" "report $runc_report_id in ${runc_took}s: ${runc_verdict#ok }"
    else
      record fail "$runc_line" "pod shape: $runc_shape" "report $runc_report_id: ${runc_verdict#FAIL }" \
        "agent stderr: $(tail -n 3 "$runc_dir/good/agent.err")"
    fi
  else
    record fail "$runc_line" "pod shape: $runc_shape" "$runc_verdict"
  fi

  if runc_run_once broken "$rootfs" "$entrypoint" "$token_file" '{"spec":{"template":{"spec":{"hostPID":true}}}}' &&
    [[ "$runc_verdict" == FAIL* && "$runc_verdict" == *"host.pid is REQUESTED BUT IGNORED"* ]]; then
    record ok "$runc_broken_line" "caught: $(grep -m 1 'host.pid' <<<"${runc_verdict#FAIL }")"
  else
    record fail "$runc_broken_line" "the judge said: $runc_verdict"
  fi
  runc_cleanup
}

# runc_run_once NAME ROOTFS ENTRYPOINT TOKEN_FILE POD_SPEC_MERGE: one container run and the
# stored report judged. Sets runc_shape, runc_took, runc_report_id and runc_verdict ("ok ..." or
# "FAIL <one problem a line>"); returns 1 when there is no report to judge (runc_verdict says
# why).
runc_run_once() {
  local name=$1 rootfs=$2 entrypoint=$3 token_file=$4 merge=$5
  local dir="$runc_dir/$name" id="capprobe-deploy-check-$$-$name" uid
  uid="$(cat /proc/sys/kernel/random/uuid)"
  runc_ids+=("$id")
  runc_shape="" runc_took=0 runc_report_id="" runc_verdict=""
  mkdir -p "$dir/bundle"
  if ! runc spec --bundle "$dir/bundle" 2>"$dir/spec.err" ||
    ! runc_shape="$(node "$here/pod-shape.mjs" --rendered "$runc_dir/rendered.yaml" \
      --base-config "$dir/bundle/config.json" --out "$dir/bundle/config.json" --rootfs "$rootfs" \
      --pod-dir "$dir/pods/$uid" --entrypoint "$entrypoint" --collector "http://127.0.0.1:$runc_port" \
      --netns "$runc_netns" --cgroup "/$runc_cgroup_top/kubepods/burstable/pod$uid/capprobe" \
      --token-file "$token_file" --host-ip "${runc_host_ip:-192.0.2.1}" \
      ${merge:+--pod-spec-merge "$merge"} 2>&1)"; then
    runc_verdict="the OCI config: $(cat "$dir/spec.err") $runc_shape"
    return 1
  fi

  local started=$SECONDS status
  timeout 180 runc --root "$runc_dir/state" run --bundle "$dir/bundle" "$id" \
    </dev/null >"$dir/agent.out" 2>"$dir/agent.err"
  status=$?
  runc_took=$((SECONDS - started))
  runc_report_id="$(sed -nE 's/^delivered report ([0-9a-f-]+) to .*/\1/p' "$dir/agent.out")"
  if ((status != 0)) || [[ -z "$runc_report_id" ]]; then
    runc_verdict="runc run exited $status after ${runc_took}s; stdout: $(tail -n 3 "$dir/agent.out"); stderr: $(tail -n 8 "$dir/agent.err")"
    return 1
  fi
  # Reads need the credential too (the token; no --read-token-file here).
  if ! nsenter --net="$runc_netns" curl -fsS -H "Authorization: Bearer $(cat "$token_file")" \
    "http://127.0.0.1:$runc_port/api/v1/reports/$runc_report_id" \
    >"$dir/report.json" 2>"$dir/curl.err"; then
    runc_verdict="the collector has no report $runc_report_id: $(cat "$dir/curl.err")"
    return 1
  fi

  # What the collector stored, judged: the envelope, then every result.
  runc_verdict="$(node -e '
    const fs = require("fs");
    const report = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const problems = [];
    if (report.report_id !== process.argv[2]) problems.push(`the stored report is ${report.report_id}`);
    if (report.agent?.mode !== "agent") problems.push(`agent.mode is ${report.agent?.mode}`);
    if (report.pod_spec?.source !== "file" || !/; container capprobe, as named/.test(report.pod_spec?.detail ?? ""))
      problems.push(`pod_spec is ${JSON.stringify(report.pod_spec)}`);
    const counts = {};
    for (const r of report.results) {
      counts[r.status] = (counts[r.status] ?? 0) + 1;
      if (r.status === "error") problems.push(`${r.id} is error: ${r.summary}`);
      if (r.status === "unsupported" && r.requested === true) problems.push(`${r.id} is REQUESTED BUT IGNORED: ${r.summary}`);
    }
    const requested = report.results.filter((r) => r.requested === true).map((r) => r.id);
    console.log(problems.length ? "FAIL " + problems.join("\n") :
      `ok ${report.results.length} results (${Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(", ")}); ` +
      `requested and given: ${requested.join(", ")}`);
  ' "$dir/report.json" "$runc_report_id" 2>&1)"
  return 0
}

# Removes what runc_daemonset_proof made outside $work: the containers, the collector, the
# cgroups. Safe to call twice, and before the proof ran.
runc_cleanup() {
  local id group
  for id in "${runc_ids[@]}"; do
    runc --root "$runc_dir/state" delete --force "$id" >/dev/null 2>&1
  done
  runc_ids=()
  if [[ -n "${runc_collector_pid:-}" ]]; then
    kill "$runc_collector_pid" 2>/dev/null
    wait "$runc_collector_pid" 2>/dev/null
    runc_collector_pid=""
  fi
  [[ -n "${runc_cgroup_top:-}" ]] || return 0
  for group in /sys/fs/cgroup/*/"$runc_cgroup_top" /sys/fs/cgroup/"$runc_cgroup_top"; do
    [[ -d "$group" ]] && find "$group" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  return 0
}
runc_ids=()
