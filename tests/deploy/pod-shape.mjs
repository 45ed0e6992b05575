// The Linux DaemonSet's pod shape as an OCI runtime config, for runc-daemonset.sh: derived from
// the rendered manifest itself, so that what runs under runc is what the manifest asks, not a
// copy of it kept by hand. A kubelet and containerd would do the same translation:
//   securityContext  runAsUser/runAsGroup (container over pod), supplementalGroups, read-only
//                    root, capabilities (containerd's default set, then drop and add),
//                    allowPrivilegeEscalation: false -> noNewPrivileges, seccompProfile
//                    RuntimeDefault -> a seccomp filter (below)
//   resources        limits.cpu -> CFS quota over a 100 ms period, requests.cpu -> shares,
//                    limits.memory -> the memory limit
//   volumes          emptyDir medium Memory -> tmpfs of its sizeLimit; emptyDir on disk, secret
//                    -> a directory laid out as kubelet lays them out
//                    (<pod dir>/volumes/kubernetes.io~<plugin>/<name>) bound in, read-only when
//                    the volumeMount says so
//   env              values as given; the downward API's fieldRefs from the pod's identity here,
//                    status.hostIP the machine's own address (--host-ip), as on a node
//   args             as given, but --collector (the loopback collector) and --once added, and
//                    --pod-spec naming the DaemonSet itself, mounted like a configMap
//
// RuntimeDefault is the runtime's own profile; runc has none. The filter here refuses, in its
// spirit, what containerd's profile refuses to an unprivileged container (module loading,
// kexec, reboot, clock setting, mount, keyrings, bpf, perf...) and allows the rest: what the
// proof needs is seccomp in filter mode, as RuntimeDefault puts the process.
//
// Usage: node pod-shape.mjs --rendered FILE --base-config FILE --out FILE --rootfs DIR
//          --pod-dir DIR --entrypoint PATH --collector URL --netns PATH --cgroup PATH
//          --token-file FILE --host-ip ADDRESS [--pod-spec-merge JSON]
// --pod-spec-merge changes the DaemonSet given as --pod-spec only (an RFC 7386 merge patch), not
// the container: a pod spec asking for what the container does not get, the check's own broken
// fixture.
// Prints one line saying what was derived.
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
for (const key of ["rendered", "base-config", "out", "rootfs", "pod-dir", "entrypoint", "collector", "netns", "cgroup", "token-file", "host-ip"])
  if (!args[key]) throw new Error(`pod-shape.mjs: --${key} is required`);

const POD = { name: "capprobe-agent-linux-runc", namespace: "capprobe", node: "runc-node", hostIP: args["host-ip"] };
const POD_SPEC_MOUNT = "/etc/capprobe/pod-spec";
// containerd's default capabilities (pkg/oci/spec.go, defaultUnixCaps).
const CONTAINERD_CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
  "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
  "CAP_KILL", "CAP_AUDIT_WRITE"];
const SECCOMP_REFUSED = ["acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "delete_module",
  "finit_module", "init_module", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mount",
  "move_mount", "open_by_handle_at", "perf_event_open", "pivot_root", "quotactl", "reboot", "request_key",
  "settimeofday", "swapoff", "swapon", "umount2", "userfaultfd"];
const SECCOMP_ARCHES = { x64: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], arm64: ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"] };

const docs = yaml.loadAll(fs.readFileSync(args.rendered, "utf8")).filter(Boolean);
const daemonSet = docs.find((d) => d.kind === "DaemonSet" && d.metadata?.name === "capprobe-agent-linux");
if (!daemonSet) throw new Error("no DaemonSet capprobe-agent-linux in the rendered overlay");
const pod = daemonSet.spec.template.spec;
const container = pod.containers.find((c) => c.name === "capprobe");
if (!container) throw new Error("the DaemonSet has no container named capprobe");
const podContext = pod.securityContext ?? {};
const context = container.securityContext ?? {};

// Quantities as the manifests write them here: "100m", "1", "64Mi", "8Mi".
function cpus(text) {
  const s = String(text);
  return s.endsWith("m") ? Number(s.slice(0, -1)) / 1000 : Number(s);
}
function bytes(text) {
  const units = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9 };
  const match = /^([0-9.]+)([A-Za-z]*)$/.exec(String(text));
  if (!match || (match[2] && !(match[2] in units))) throw new Error(`quantity '${text}' is not one this script reads`);
  return Math.round(Number(match[1]) * (units[match[2]] ?? 1));
}

const config = JSON.parse(fs.readFileSync(args["base-config"], "utf8"));

// The process: the image's entrypoint with the container's args, as the DaemonSet runs it.
const containerArgs = [...(container.args ?? [])];
const collectorAt = containerArgs.indexOf("--collector");
if (collectorAt < 0) throw new Error("the container's args have no --collector");
containerArgs[collectorAt + 1] = args.collector;
containerArgs.push("--once", "--pod-spec", `${POD_SPEC_MOUNT}/daemonset.json`);
const fieldValues = { "spec.nodeName": POD.node, "metadata.name": POD.name, "metadata.namespace": POD.namespace, "status.hostIP": POD.hostIP };
const env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", `HOSTNAME=${POD.name}`];
for (const variable of container.env ?? []) {
  if ("value" in variable) env.push(`${variable.name}=${variable.value}`);
  else if (variable.valueFrom?.fieldRef) {
    const value = fieldValues[variable.valueFrom.fieldRef.fieldPath];
    if (value === undefined) throw new Error(`no value here for fieldRef ${variable.valueFrom.fieldRef.fieldPath}`);
    env.push(`${variable.name}=${value}`);
  } else throw new Error(`env ${variable.name}: only values and fieldRefs are translated`);
}
const uid = context.runAsUser ?? podContext.runAsUser;
const gid = context.runAsGroup ?? podContext.runAsGroup;
if (uid === undefined || gid === undefined) throw new Error("the manifest sets no runAsUser/runAsGroup");
let caps = [...CONTAINERD_CAPS];
const drop = (context.capabilities?.drop ?? []).map((c) => (c.startsWith("CAP_") ? c : `CAP_${c}`));
if (drop.includes("CAP_ALL")) caps = [];
else caps = caps.filter((c) => !drop.includes(c));
for (const c of context.capabilities?.add ?? []) caps.push(c.startsWith("CAP_") ? c : `CAP_${c}`);
config.process = {
  ...config.process,
  terminal: false,
  user: { uid, gid, ...(podContext.supplementalGroups?.length ? { additionalGids: podContext.supplementalGroups } : {}) },
  args: [args.entrypoint, ...containerArgs],
  env,
  cwd: "/",
  capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
  noNewPrivileges: context.allowPrivilegeEscalation === false,
};
config.hostname = POD.name;
config.root = { path: args.rootfs, readonly: context.readOnlyRootFilesystem === true };

// Namespaces: the pod's own, but for the network, which it shares with the loopback collector
// (as a pod's containers share theirs). Host namespaces only where the pod asks for them.
const hostShared = { network: pod.hostNetwork, pid: pod.hostPID, ipc: pod.hostIPC };
config.linux.namespaces = config.linux.namespaces
  .filter((ns) => !hostShared[ns.type])
  .map((ns) => (ns.type === "network" ? { type: "network", path: args.netns } : ns));
if (hostShared.network) throw new Error("a hostNetwork pod cannot share the collector's network namespace");

// Resources.
const limits = container.resources?.limits ?? {};
const requests = container.resources?.requests ?? {};
config.linux.cgroupsPath = args.cgroup;
config.linux.resources = { ...(config.linux.resources ?? {}) };
if (limits.cpu) config.linux.resources.cpu = { quota: Math.round(cpus(limits.cpu) * 100000), period: 100000 };
if (requests.cpu) config.linux.resources.cpu = { ...(config.linux.resources.cpu ?? {}), shares: Math.max(2, Math.round(cpus(requests.cpu) * 1024)) };
if (limits.memory) config.linux.resources.memory = { limit: bytes(limits.memory) };

// seccomp.
const seccomp = context.seccompProfile ?? podContext.seccompProfile;
if (seccomp?.type === "RuntimeDefault") {
  config.linux.seccomp = {
    defaultAction: "SCMP_ACT_ALLOW",
    architectures: SECCOMP_ARCHES[process.arch] ?? [],
    syscalls: [{ names: SECCOMP_REFUSED, action: "SCMP_ACT_ERRNO", errnoRet: 1 }],
  };
} else if (seccomp && seccomp.type !== "Unconfined") {
  throw new Error(`seccompProfile ${seccomp.type} is not translated here`);
}

// Volumes, laid out as kubelet lays them out.
const mounts = [];
const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
const described = [];
for (const mount of container.volumeMounts ?? []) {
  const volume = volumes.get(mount.name);
  if (!volume) throw new Error(`volumeMount ${mount.name} has no volume`);
  const readOnly = mount.readOnly === true;
  if (volume.emptyDir?.medium === "Memory") {
    const size = volume.emptyDir.sizeLimit ? [`size=${bytes(volume.emptyDir.sizeLimit)}`] : [];
    mounts.push({ destination: mount.mountPath, type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777", ...size, readOnly ? "ro" : "rw"] });
    described.push(`${mount.mountPath} tmpfs${size.length ? " " + volume.emptyDir.sizeLimit : ""}`);
    continue;
  }
  let plugin;
  const dirMode = 0o777;
  if (volume.emptyDir) plugin = "empty-dir";
  else if (volume.secret) plugin = "secret";
  else throw new Error(`volume ${volume.name}: only emptyDir and secret volumes are translated`);
  const hostDir = path.join(args["pod-dir"], "volumes", `kubernetes.io~${plugin}`, volume.name);
  fs.mkdirSync(hostDir, { recursive: true });
  fs.chmodSync(hostDir, plugin === "secret" ? 0o755 : dirMode);
  if (volume.secret) {
    // The one secret the DaemonSet mounts is the collector's token.
    if (volume.secret.secretName !== "capprobe-token") throw new Error(`secret ${volume.secret.secretName} is not known here`);
    const target = path.join(hostDir, "token");
    fs.copyFileSync(args["token-file"], target);
    fs.chmodSync(target, volume.secret.defaultMode ?? 0o644);
  }
  mounts.push({ destination: mount.mountPath, type: "bind", source: hostDir, options: ["rbind", readOnly ? "ro" : "rw", "nosuid", "nodev"] });
  described.push(`${mount.mountPath} ${plugin}${readOnly ? " ro" : ""}`);
}
// kubelet's projected service-account volume (kube-api-access-*), which the API server adds to
// every pod that does not turn automounting off: token, ca.crt and namespace behind ..data, as
// the atomic writer lays them out. The token is an unsigned JWT whose exp is an hour away
// (api.service_account reads exp without verifying); no API server is reachable here.
if (pod.automountServiceAccountToken !== false) {
  const saDir = path.join(args["pod-dir"], "volumes", "kubernetes.io~projected", "kube-api-access");
  const stamp = "..2026_01_01_00_00_00.000000000";
  fs.rmSync(saDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(saDir, stamp), { recursive: true });
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const jwt = `${b64({ alg: "RS256", kid: "runc-proof" })}.${b64({ exp: Math.floor(Date.now() / 1000) + 3600, sub: "system:serviceaccount:capprobe:capprobe-agent" })}.c2lnbmF0dXJl`;
  fs.writeFileSync(path.join(saDir, stamp, "token"), jwt);
  fs.writeFileSync(path.join(saDir, stamp, "ca.crt"), "");
  fs.writeFileSync(path.join(saDir, stamp, "namespace"), "capprobe");
  for (const name of ["token", "ca.crt", "namespace"]) fs.chmodSync(path.join(saDir, stamp, name), 0o644);
  fs.symlinkSync(stamp, path.join(saDir, "..data"));
  for (const name of ["token", "ca.crt", "namespace"]) fs.symlinkSync(path.join("..data", name), path.join(saDir, name));
  fs.chmodSync(saDir, 0o755);
  mounts.push({ destination: "/var/run/secrets/kubernetes.io/serviceaccount", type: "bind", source: saDir, options: ["rbind", "ro", "nosuid", "nodev"] });
  described.push("/var/run/secrets/kubernetes.io/serviceaccount projected ro");
}
// The DaemonSet itself as --pod-spec, through a configMap-like volume.
function mergePatch(target, patch) {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out = target && typeof target === "object" && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}
const given = args["pod-spec-merge"] ? mergePatch(daemonSet, JSON.parse(args["pod-spec-merge"])) : daemonSet;
const specDir = path.join(args["pod-dir"], "volumes", "kubernetes.io~configmap", "pod-spec");
fs.mkdirSync(specDir, { recursive: true });
fs.writeFileSync(path.join(specDir, "daemonset.json"), JSON.stringify(given, null, 2) + "\n");
fs.chmodSync(path.join(specDir, "daemonset.json"), 0o644);
mounts.push({ destination: POD_SPEC_MOUNT, type: "bind", source: specDir, options: ["rbind", "ro", "nosuid", "nodev"] });
config.mounts = [...config.mounts, ...mounts];

fs.writeFileSync(args.out, JSON.stringify(config, null, 2) + "\n");
const cpu = config.linux.resources.cpu;
console.log(
  `uid ${uid}:${gid}, root ${config.root.readonly ? "read-only" : "writable"}, capabilities [${caps.join(",")}], ` +
    `noNewPrivileges ${config.process.noNewPrivileges}, seccomp ${config.linux.seccomp ? "filter" : "none"}, ` +
    `cpu ${cpu ? cpu.quota / cpu.period : "unlimited"}, memory ${limits.memory ?? "unlimited"}, mounts: ${described.join(", ")}`,
);
