// The checks of deploy/ (run by check.sh, which installs the pinned packages first).
//
// Every overlay, example and Sonobuoy plugin is rendered (kubectl kustomize) and then:
//   types@1.27, types@1.33   tsc --strict over each object typed with the API types of the oldest
//                            and newest supported Kubernetes (kubernetes-models' declarations):
//                            a misspelled or unknown field, or one newer than 1.27, fails
//   schema@1.27, schema@1.33 kubernetes-models' validate(): enums, quantities, required fields
//   rbac                     Roles with `get pods` only; no ClusterRole(Binding) at all
//   linux-least-privilege    the Linux capprobe containers and their pods (the agent's shape)
//   windows-hostprocess      Windows pods: os, the fields the API server refuses, HostProcess rules
//   vsphere-hostpath         the vSphere Pod example: /var/log/pods only, mounted readOnly
//   sonobuoy                 plugin files: Sonobuoy's own field names and what the plugin needs
//   collector-store          a collector on a SQLite file runs alone (1 replica, Recreate); one
//                            on PostgreSQL reads the URL from a mounted Secret (--db-file: not
//                            $(VAR) in args, which the kubelet expands into the command line)
//                            and, with more than one replica, has a PodDisruptionBudget
//   collector-tls            agents speak what the collector serves: with --tls-cert, https URLs
//                            and a --ca-file from a volume that holds no private key, and the
//                            collector's probes ask HTTPS; without it, http URLs
//   secret-readable          a Linux container not running as root can read every Secret it
//                            mounts: kubelet makes the files root's, so the mode must let others
//                            read or the pod needs an fsGroup (which kubelet adds to them)
// Then every fixture in broken/ (one deliberate mistake each) must fail exactly the check it
// names, with the message it names, and no other: proof that each check can fail.
//
// Usage: node check.mjs REPO_DIR    (prints one line per test and "N passed, M failed")
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import yaml from "js-yaml";

const require = createRequire(import.meta.url);
const here = path.dirname(new URL(import.meta.url).pathname);
const repo = path.resolve(process.argv[2] ?? path.join(here, "../.."));
const VERSIONS = ["1.27", "1.33"];

// ---------------------------------------------------------------- what is checked
const TARGETS = [
  { name: "overlays/linux", kustomize: "deploy/kustomize/overlays/linux", profile: "default" },
  { name: "overlays/mixed", kustomize: "deploy/kustomize/overlays/mixed", profile: "default" },
  { name: "overlays/linux-node-view", kustomize: "deploy/kustomize/overlays/linux-node-view", profile: "node-view" },
  { name: "overlays/linux-postgres", kustomize: "deploy/kustomize/overlays/linux-postgres", profile: "default" },
  { name: "overlays/linux-tls", kustomize: "deploy/kustomize/overlays/linux-tls", profile: "default" },
  { name: "overlays/linux + components/nfd", kustomize: "tests/deploy/kustomize/linux-nfd", profile: "nfd" },
  { name: "overlays/mixed + components/collector-tls", kustomize: "tests/deploy/kustomize/mixed-tls", profile: "default" },
  { name: "examples/vsphere-pod", kustomize: "deploy/examples/vsphere-pod", profile: "vsphere" },
  { name: "examples/kata", kustomize: "deploy/examples/kata", profile: "default" },
  { name: "sonobuoy/capprobe-linux.yaml", sonobuoy: "deploy/sonobuoy/capprobe-linux.yaml", profile: "default" },
  { name: "sonobuoy/capprobe-windows.yaml", sonobuoy: "deploy/sonobuoy/capprobe-windows.yaml", profile: "default" },
];

function fixtures() {
  const dir = path.join(here, "broken");
  return fs
    .readdirSync(dir)
    .sort()
    .map((entry) => {
      const spec = JSON.parse(fs.readFileSync(path.join(dir, entry, "fixture.json"), "utf8"));
      const base = { name: `broken/${entry}`, profile: spec.profile ?? "default", expect: spec };
      // A Sonobuoy fixture is a real plugin file and a JSON patch; any other, a kustomization
      // built on a real overlay or example.
      return spec.plugin
        ? { ...base, sonobuoy: spec.plugin, patch: spec.patch ?? [] }
        : { ...base, kustomize: path.relative(repo, path.join(dir, entry)) };
    });
}

// ---------------------------------------------------------------- rendering
// Sonobuoy's plugin manifest (pkg/plugin/manifest/manifest.go at 307560188828, json tags):
// the only keys it reads. Anything else it drops silently.
const SONOBUOY_KEYS = ["sonobuoy-config", "spec", "extra-volumes", "podSpec", "config-map"];
const SONOBUOY_CONFIG_KEYS = [
  "driver", "plugin-name", "skip-cleanup", "result-format", "result-files", "description",
  "source-url", "order",
];
// pkg/client/results/processing.go
const SONOBUOY_RESULT_FORMATS = ["junit", "e2e", "gojson", "raw", "manual"];
const SONOBUOY_PLUGIN_RESULTS_DIR = "/tmp/sonobuoy/results"; // pkg/plugin/constants.go

// RFC 6902 add, replace and remove: enough to break one field of a plugin file.
function applyPatch(document, operations) {
  for (const { op, path: pointer, value } of operations) {
    const keys = pointer.split("/").slice(1).map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"));
    const last = keys.pop();
    let parent = document;
    for (const key of keys) {
      if (parent?.[key] === undefined) throw new Error(`patch: no ${pointer}`);
      parent = parent[key];
    }
    if (op === "remove") Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
    else if (op === "add" && Array.isArray(parent)) parent.splice(last === "-" ? parent.length : Number(last), 0, value);
    else if (op === "add" || op === "replace") parent[last] = value;
    else throw new Error(`patch: unsupported op ${op}`);
  }
  return document;
}

function render(target) {
  if (target.kustomize) {
    const run = spawnSync("kubectl", ["kustomize", path.join(repo, target.kustomize)], {
      encoding: "utf8",
    });
    if (run.status !== 0)
      return { error: `kubectl kustomize ${target.kustomize}: ${(run.stderr || run.error || "").toString().trim()}` };
    return { objects: yaml.loadAll(run.stdout).filter(Boolean) };
  }
  const text = fs.readFileSync(path.join(repo, target.sonobuoy), "utf8");
  let plugin;
  try {
    plugin = applyPatch(yaml.load(text), target.patch ?? []);
  } catch (error) {
    return { error: `${target.sonobuoy}: ${error.message}` };
  }
  // The pod Sonobuoy makes of it (pkg/plugin/driver/daemonset): podSpec, our container, and
  // its `results` emptyDir and extra-volumes (its worker container is its own business).
  const podSpec = structuredClone(plugin?.podSpec ?? {});
  podSpec.containers = [...(podSpec.containers ?? []), structuredClone(plugin?.spec ?? {})];
  podSpec.volumes = [
    ...(podSpec.volumes ?? []),
    { name: "results", emptyDir: {} },
    ...structuredClone(plugin?.["extra-volumes"] ?? []),
  ];
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `sonobuoy-${plugin?.["sonobuoy-config"]?.["plugin-name"] ?? "plugin"}`, namespace: "sonobuoy" },
    spec: podSpec,
  };
  return { objects: [pod], plugin };
}

// ---------------------------------------------------------------- helpers over pods
function podTemplates(objects) {
  const out = [];
  for (const object of objects) {
    const where = `${object.kind}/${object.metadata?.name}`;
    if (object.kind === "Pod") out.push({ where, kind: object.kind, spec: object.spec ?? {} });
    else if (["DaemonSet", "Deployment", "StatefulSet", "ReplicaSet", "Job"].includes(object.kind))
      out.push({ where, kind: object.kind, spec: object.spec?.template?.spec ?? {} });
  }
  return out;
}
const allContainers = (spec) => [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
const isCapprobe = (container) => /(^|\/)capprobe(-[a-z]+)?(:|@|$)/.test(container.image ?? "");
const isWindowsPod = (spec) =>
  spec.nodeSelector?.["kubernetes.io/os"] === "windows" || spec.os?.name === "windows";
const effective = (spec, container, field) =>
  container.securityContext?.[field] !== undefined ? container.securityContext[field] : spec.securityContext?.[field];
const effectiveWindows = (spec, container, field) =>
  container.securityContext?.windowsOptions?.[field] ?? spec.securityContext?.windowsOptions?.[field];
const hostPathVolumes = (spec) => (spec.volumes ?? []).filter((volume) => volume.hostPath);
const normalPath = (p) => (p.length > 1 ? p.replace(/\/+$/, "") : p);
function argValue(container, flag) {
  const args = [...(container.command ?? []), ...(container.args ?? [])];
  const at = args.indexOf(flag);
  if (at >= 0) return args[at + 1];
  const joined = args.find((a) => a.startsWith(flag + "="));
  return joined?.slice(flag.length + 1);
}
const mountFor = (container, dir) =>
  (container.volumeMounts ?? []).find((mount) => normalPath(mount.mountPath) === normalPath(dir));

// ---------------------------------------------------------------- rules
function checkRbac(objects) {
  const problems = [];
  for (const object of objects) {
    const where = `${object.kind}/${object.metadata?.name}`;
    if (object.kind === "ClusterRole" || object.kind === "ClusterRoleBinding")
      problems.push(`${where}: no cluster-wide RBAC; the agent reads only its own pod (a Role with get pods in its namespace)`);
    if (object.kind === "Role") {
      const rules = object.rules ?? [];
      const ok =
        rules.length === 1 &&
        JSON.stringify(rules[0].apiGroups) === '[""]' &&
        JSON.stringify(rules[0].resources) === '["pods"]' &&
        JSON.stringify(rules[0].verbs) === '["get"]' &&
        !rules[0].resourceNames &&
        !rules[0].nonResourceURLs;
      if (!ok) problems.push(`${where}: a Role grants only get on pods (apiGroups [""], resources [pods], verbs [get]); it has ${JSON.stringify(rules)}`);
    }
    if (object.kind === "RoleBinding" && object.roleRef?.kind !== "Role")
      problems.push(`${where}: binds ${object.roleRef?.kind}/${object.roleRef?.name}; bind the namespaced Role only`);
  }
  return problems;
}

const FEATURES_D = "/etc/kubernetes/node-feature-discovery/features.d";

function checkLinuxLeastPrivilege(objects, profile) {
  const problems = [];
  for (const { where, kind, spec } of podTemplates(objects)) {
    if (isWindowsPod(spec)) continue;
    const ours = allContainers(spec).filter(isCapprobe);
    if (ours.length === 0) continue;
    const bad = (what) => problems.push(`${where}: ${what}`);
    if (spec.nodeSelector?.["kubernetes.io/os"] !== "linux") bad("nodeSelector kubernetes.io/os: linux is missing");

    // Host namespaces and host paths: none, except what the profile exists for.
    const allowedHost = profile === "node-view" ? ["hostPID", "hostNetwork"] : [];
    for (const field of ["hostNetwork", "hostPID", "hostIPC"])
      if (spec[field] && !allowedHost.includes(field)) bad(`${field}: true; the Linux agent asks for no host namespace`);
    if (spec.hostUsers === true) bad("hostUsers: true");
    // (In the vSphere Pod example, vsphere-hostpath judges the hostPath.)
    const allowedPaths = { "node-view": ["/"], nfd: [FEATURES_D] }[profile] ?? [];
    if (profile !== "vsphere") for (const volume of hostPathVolumes(spec))
      if (!allowedPaths.includes(normalPath(volume.hostPath.path)))
        bad(`volume ${volume.name}: hostPath ${volume.hostPath.path} is not allowed here (allowed: ${allowedPaths.join(", ") || "none"})`);
    const readOnlyPaths = { "node-view": ["/"] }[profile] ?? [];
    for (const volume of hostPathVolumes(spec).filter((v) => readOnlyPaths.includes(normalPath(v.hostPath.path))))
      for (const container of allContainers(spec))
        for (const mount of (container.volumeMounts ?? []).filter((m) => m.name === volume.name))
          if (mount.readOnly !== true) bad(`container ${container.name}: hostPath ${volume.hostPath.path} must be mounted readOnly`);
    if (kind === "DaemonSet" && !(spec.tolerations ?? []).some((t) => t.operator === "Exists" && !t.key && !t.effect))
      bad("the DaemonSet must tolerate every taint (operator: Exists, no key)");

    for (const container of ours) {
      const c = `container ${container.name}`;
      const sc = container.securityContext ?? {};
      if (sc.privileged === true) bad(`${c}: privileged`);
      if (sc.allowPrivilegeEscalation !== false) bad(`${c}: allowPrivilegeEscalation must be false`);
      if (sc.readOnlyRootFilesystem !== true) bad(`${c}: readOnlyRootFilesystem must be true`);
      if (!(sc.capabilities?.drop ?? []).includes("ALL")) bad(`${c}: capabilities.drop must include ALL`);
      if ((sc.capabilities?.add ?? []).length) bad(`${c}: capabilities.add must be empty (${sc.capabilities.add})`);
      if (sc.procMount && sc.procMount !== "Default") bad(`${c}: procMount ${sc.procMount}`);
      if (effective(spec, container, "seccompProfile")?.type !== "RuntimeDefault")
        bad(`${c}: seccompProfile must be RuntimeDefault`);
      const uid = effective(spec, container, "runAsUser");
      const nonRoot = effective(spec, container, "runAsNonRoot");
      // The NFD component's one exception: uid 0 (no capabilities) to replace a file in the
      // root-owned features.d, and only with that hostPath.
      const rootForNfd =
        profile === "nfd" && uid === 0 && hostPathVolumes(spec).some((v) => normalPath(v.hostPath.path) === FEATURES_D);
      if (!rootForNfd) {
        if (nonRoot !== true) bad(`${c}: runAsNonRoot must be true`);
        if (!Number.isInteger(uid) || uid === 0) bad(`${c}: runAsUser must be a non-zero uid (the image's 65532)`);
      }
      // The rest is the probing agent's (agent, sonobuoy, probe), not the collector's.
      if ((container.args ?? [])[0] === "collector") continue;
      if (!container.resources?.limits?.cpu) bad(`${c}: a CPU limit bounds the CPU burn`);
      if (!container.resources?.limits?.memory) bad(`${c}: a memory limit bounds the memory trial`);
      // What the pod-shape proof and the report's subject need.
      const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));
      const fieldRefs = { NODE_NAME: "spec.nodeName", POD_NAME: "metadata.name", POD_NAMESPACE: "metadata.namespace" };
      for (const [name, field] of Object.entries(fieldRefs))
        if (env[name]?.valueFrom?.fieldRef?.fieldPath !== field) bad(`${c}: env ${name} must come from the downward API (${field})`);
      const named = argValue(container, "--container") ?? env.CAPPROBE_CONTAINER?.value;
      if (named !== container.name)
        bad(`${c}: CAPPROBE_CONTAINER (or --container) must name this container ('${container.name}'), found '${named}'`);
      const tmp = mountFor(container, "/tmp");
      const volume = (name) => (spec.volumes ?? []).find((v) => v.name === name);
      if (!tmp || !volume(tmp.name)?.emptyDir) bad(`${c}: /tmp must be an emptyDir (the root is read-only)`);
      const spool = argValue(container, "--spool-dir");
      if ((container.args ?? [])[0] === "agent") {
        const holder = (container.volumeMounts ?? []).find(
          (m) => spool && (spool === m.mountPath || spool.startsWith(normalPath(m.mountPath) + "/")),
        );
        if (!spool || !holder || !volume(holder.name)?.emptyDir) bad(`${c}: --spool-dir must be on an emptyDir`);
      }
    }
  }
  return problems;
}

function checkCollectorStore(objects) {
  const problems = [];
  for (const object of objects) {
    if (object.kind !== "Deployment" && object.kind !== "StatefulSet") continue;
    const spec = object.spec?.template?.spec ?? {};
    const collector = allContainers(spec).find((c) => isCapprobe(c) && (c.args ?? [])[0] === "collector");
    if (!collector) continue;
    const where = `${object.kind}/${object.metadata?.name}`;
    const bad = (what) => problems.push(`${where}: ${what}`);
    const dbFlag = argValue(collector, "--db");
    const dbFile = argValue(collector, "--db-file");
    const db = dbFlag ?? "capprobe-collector.db";
    const variable = /^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(db)?.[1];
    const literalUrl = /^postgres(ql)?:\/\//.test(db);
    if (dbFlag !== undefined && dbFile !== undefined) bad("--db and --db-file together: the collector refuses that");
    if (literalUrl) bad("--db names the database URL in the manifest; mount it from a Secret and give --db-file");
    if (variable)
      bad(`--db $(${variable}) puts the URL, password and all, on the collector's command line (the kubelet expands it; ps and the container runtime show it on the node): mount the Secret and give --db-file`);
    if (dbFile !== undefined) {
      const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
      const mount = (collector.volumeMounts ?? []).find((m) => (dbFile + "/").startsWith(normalPath(m.mountPath) + "/"));
      if (!mount || !volumes.get(mount.name)?.secret) bad(`--db-file ${dbFile} is not in a mounted Secret`);
    }
    // --db-file is taken for PostgreSQL's URL: it must be in a Secret (above), and a SQLite path
    // is no secret, so a manifest names that with --db, where the SQLite rules below see it.
    const shared = literalUrl || variable || dbFile !== undefined;
    const replicas = object.spec?.replicas ?? 1;
    if (!shared) {
      // A SQLite file: one collector owns it.
      if (replicas !== 1) bad(`${replicas} replicas on the SQLite file ${db}; one file is one collector (a postgres:// --db for more)`);
      if (object.kind === "Deployment" && object.spec?.strategy?.type !== "Recreate")
        bad("a collector on a SQLite file needs strategy Recreate: two pods must never open the file");
    } else if (replicas > 1) {
      const labels = object.spec?.template?.metadata?.labels ?? {};
      const selects = (pdb) => {
        const match = Object.entries(pdb.spec?.selector?.matchLabels ?? {});
        return match.length > 0 && match.every(([key, value]) => labels[key] === value);
      };
      if (!objects.some((o) => o.kind === "PodDisruptionBudget" && o.metadata?.namespace === object.metadata?.namespace && selects(o)))
        bad(`${replicas} replicas and no PodDisruptionBudget selecting them: a drain could take them all at once`);
    }
  }
  return problems;
}

// The volume a container's file lives in: Linux paths, or Windows HostProcess paths under
// %CONTAINER_SANDBOX_MOUNT_POINT% (where the pod's volumes are).
function volumeOfFile(spec, container, file) {
  const unixPath = file.replace(/^%CONTAINER_SANDBOX_MOUNT_POINT%/, "").replaceAll("\\", "/");
  const mount = (container.volumeMounts ?? []).find((m) => (unixPath + "/").startsWith(normalPath(m.mountPath) + "/"));
  return mount ? (spec.volumes ?? []).find((v) => v.name === mount.name) : undefined;
}

function checkCollectorTls(objects) {
  const problems = [];
  const templates = podTemplates(objects);
  const collectors = templates.flatMap(({ where, spec }) =>
    allContainers(spec).filter((c) => isCapprobe(c) && (c.args ?? [])[0] === "collector").map((container) => ({ where, spec, container })));
  if (collectors.length === 0) return problems;
  const tls = collectors.some(({ container }) => argValue(container, "--tls-cert") !== undefined);
  for (const { where, spec, container } of collectors) {
    const bad = (what) => problems.push(`${where}: ${what}`);
    if ((argValue(container, "--tls-cert") !== undefined) !== tls) bad("some collectors serve HTTPS and some HTTP");
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      const scheme = probe?.httpGet?.scheme ?? "HTTP";
      if (probe?.httpGet && (scheme === "HTTPS") !== tls)
        bad(`a ${scheme} probe of a collector that serves ${tls ? "HTTPS" : "HTTP"}: the kubelet would restart it forever`);
    }
    const certFile = argValue(container, "--tls-cert");
    if (certFile && !volumeOfFile(spec, container, certFile)?.secret) bad(`--tls-cert ${certFile} is not in a mounted Secret`);
  }
  for (const { where, spec } of templates) {
    for (const agent of allContainers(spec).filter((c) => isCapprobe(c) && (c.args ?? [])[0] === "agent")) {
      const bad = (what) => problems.push(`${where}: container ${agent.name}: ${what}`);
      const url = argValue(agent, "--collector") ?? "";
      if (tls !== url.startsWith("https://"))
        bad(`--collector ${url} but the collector serves ${tls ? "HTTPS" : "HTTP"}: every delivery would fail`);
      const caFile = argValue(agent, "--ca-file");
      if (!tls) continue;
      if (!caFile) {
        bad("no --ca-file: the agent cannot verify the collector's certificate");
        continue;
      }
      const volume = volumeOfFile(spec, agent, caFile);
      const source = volume?.secret ?? volume?.configMap;
      if (!source) bad(`--ca-file ${caFile} is not in a mounted Secret or ConfigMap`);
      else if (!source.items || source.items.some((item) => item.key !== "ca.crt"))
        bad(`volume ${volume.name} brings more than ca.crt to the node: the collector's private key (tls.key) would reach every agent`);
    }
  }
  return problems;
}

function checkSecretsReadable(objects) {
  const problems = [];
  for (const { where, spec } of podTemplates(objects)) {
    if (isWindowsPod(spec)) continue;
    const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
    const fsGroup = spec.securityContext?.fsGroup;
    for (const container of allContainers(spec)) {
      const uid = container.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
      // No uid here: the image's user, which a manifest alone cannot tell; root reads anything.
      if (uid === undefined || uid === 0) continue;
      for (const mount of container.volumeMounts ?? []) {
        const secret = volumes.get(mount.name)?.secret;
        if (!secret) continue;
        const modes = [secret.defaultMode ?? 0o644, ...(secret.items ?? []).map((i) => i.mode ?? secret.defaultMode ?? 0o644)];
        const unreadable = modes.filter((mode) => (mode & 0o004) === 0);
        if (unreadable.length === 0 || (fsGroup !== undefined && fsGroup !== null)) continue;
        problems.push(`${where}: container ${container.name} runs as uid ${uid} and cannot read Secret volume ${mount.name} (mode 0${unreadable[0].toString(8)}, no fsGroup): kubelet makes its files root's`);
      }
    }
  }
  return problems;
}

// The Linux-only fields, as the 1.33 API types document them ("cannot be set when spec.os.name
// is windows"): read from the declarations, so that a newer types package brings its new ones.
function windowsForbidden() {
  const read = (file) => fs.readFileSync(path.join(here, "node_modules/k8s-1.33/v1", `${file}.d.ts`), "utf8");
  const fields = (text, iface) => {
    const body = text.slice(text.indexOf(`export interface ${iface} `));
    const end = body.indexOf("\n}");
    const out = new Set();
    const re = /\/\*\*([\s\S]*?)\*\/\s*"([A-Za-z]+)"\??:/g;
    for (let m; (m = re.exec(body.slice(0, end))); )
      if (/cannot be set when spec\.os\.name is windows/.test(m[1])) out.add(m[2]);
    return [...out];
  };
  return {
    pod: fields(read("PodSecurityContext"), "IPodSecurityContext"),
    container: fields(read("SecurityContext"), "ISecurityContext"),
  };
}

function checkWindows(objects, forbidden) {
  const problems = [];
  for (const { where, spec } of podTemplates(objects)) {
    if (!isWindowsPod(spec)) continue;
    const bad = (what) => problems.push(`${where}: ${what}`);
    if (spec.nodeSelector?.["kubernetes.io/os"] !== "windows") bad("nodeSelector kubernetes.io/os: windows is missing");
    if (spec.os?.name !== "windows") bad("spec.os.name must be windows (the API server then refuses Linux-only fields)");
    for (const field of forbidden.pod)
      if (spec.securityContext?.[field] !== undefined) bad(`securityContext.${field} cannot be set on a Windows pod`);
    for (const field of ["hostPID", "hostIPC", "shareProcessNamespace", "hostUsers"])
      if (spec[field] !== undefined) bad(`${field} has no meaning on Windows (capprobe would report it ignored); leave it out`);
    for (const container of allContainers(spec))
      for (const field of forbidden.container)
        if (container.securityContext?.[field] !== undefined)
          bad(`container ${container.name}: securityContext.${field} cannot be set on a Windows pod`);
    const hostProcess = allContainers(spec).map((c) => effectiveWindows(spec, c, "hostProcess") === true);
    if (hostProcess.some(Boolean)) {
      if (!hostProcess.every(Boolean)) bad("every container of a HostProcess pod must be HostProcess");
      if (spec.hostNetwork !== true) bad("hostProcess: true needs hostNetwork: true");
      for (const container of allContainers(spec))
        if (!effectiveWindows(spec, container, "runAsUserName"))
          bad(`container ${container.name}: a HostProcess container needs windowsOptions.runAsUserName`);
      for (const container of allContainers(spec).filter(isCapprobe))
        if (!(container.command ?? [])[0]?.includes("%CONTAINER_SANDBOX_MOUNT_POINT%"))
          bad(`container ${container.name}: the binary is found through %CONTAINER_SANDBOX_MOUNT_POINT%`);
    }
  }
  return problems;
}

function checkVsphere(objects) {
  const problems = [];
  for (const { where, spec } of podTemplates(objects)) {
    const bad = (what) => problems.push(`${where}: ${what}`);
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) if (spec[field]) bad(`${field}: vSphere Pods have no host namespaces`);
    for (const volume of hostPathVolumes(spec)) {
      if (normalPath(volume.hostPath.path) !== "/var/log/pods")
        bad(`volume ${volume.name}: hostPath ${volume.hostPath.path}; a vSphere Pod may mount only /var/log/pods`);
      for (const container of allContainers(spec))
        for (const mount of (container.volumeMounts ?? []).filter((m) => m.name === volume.name))
          if (mount.readOnly !== true) bad(`container ${container.name}: mount of ${volume.hostPath.path} needs readOnly: true`);
    }
    for (const container of allContainers(spec))
      for (const port of container.ports ?? [])
        if (port.hostPort) bad(`container ${container.name}: hostPort ${port.hostPort}; vSphere Pods ignore hostPort`);
  }
  return problems;
}

function checkSonobuoy(plugin) {
  const problems = [];
  const bad = (what) => problems.push(what);
  if (!plugin || typeof plugin !== "object") return ["the plugin file holds no YAML mapping"];
  for (const key of Object.keys(plugin))
    if (!SONOBUOY_KEYS.includes(key)) bad(`unknown top-level key '${key}' (Sonobuoy reads only ${SONOBUOY_KEYS.join(", ")})`);
  const config = plugin["sonobuoy-config"] ?? {};
  for (const key of Object.keys(config))
    if (!SONOBUOY_CONFIG_KEYS.includes(key)) bad(`unknown sonobuoy-config key '${key}' (Sonobuoy reads only ${SONOBUOY_CONFIG_KEYS.join(", ")})`);
  if (String(config.driver ?? "").toLowerCase() !== "daemonset") bad(`sonobuoy-config.driver must be DaemonSet, is '${config.driver}'`);
  if (!config["plugin-name"]) bad("sonobuoy-config.plugin-name is missing");
  if (config["result-format"] !== "manual")
    bad(`sonobuoy-config.result-format must be manual (capprobe writes Sonobuoy's manual format), is '${config["result-format"]}'` +
        (SONOBUOY_RESULT_FORMATS.includes(config["result-format"]) ? "" : " (not a format Sonobuoy knows)"));
  const podSpec = plugin.podSpec;
  if (!podSpec) bad("podSpec is missing: Sonobuoy's default asks for host namespaces and the node's /");
  else {
    if (!podSpec.nodeSelector?.["kubernetes.io/os"]) bad("podSpec.nodeSelector kubernetes.io/os is missing");
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) if (podSpec[field]) bad(`podSpec.${field}: true`);
    for (const volume of podSpec.volumes ?? []) {
      if (volume.hostPath) bad(`podSpec volume ${volume.name}: hostPath ${volume.hostPath.path}`);
      if (volume.name === "results") bad("podSpec defines a volume named results: Sonobuoy adds that one itself");
    }
  }
  const spec = plugin.spec ?? {};
  if (!(spec.args ?? []).includes("sonobuoy")) bad("spec.args must run `capprobe sonobuoy`");
  const dir = argValue(spec, "--results-dir") ?? SONOBUOY_PLUGIN_RESULTS_DIR;
  const mount = (spec.volumeMounts ?? []).find((m) => m.name === "results");
  if (!mount) bad("spec.volumeMounts has no mount of Sonobuoy's results volume");
  else if (normalPath(mount.mountPath) !== normalPath(dir))
    bad(`the results volume is mounted at ${mount.mountPath} but capprobe writes to ${dir}`);
  if (normalPath(dir) !== SONOBUOY_PLUGIN_RESULTS_DIR)
    bad(`--results-dir ${dir}: Sonobuoy's worker reads ${SONOBUOY_PLUGIN_RESULTS_DIR}`);
  const named = argValue(spec, "--container") ?? (spec.env ?? []).find((e) => e.name === "CAPPROBE_CONTAINER")?.value;
  if (named !== spec.name)
    bad(`CAPPROBE_CONTAINER must name the container ('${spec.name}'): Sonobuoy adds its worker container to the pod`);
  return problems;
}

// ---------------------------------------------------------------- API types and schemas
function modulePath(version, object) {
  const api = object.apiVersion ?? "";
  const rel = `${api}/${object.kind}`;
  if (!/^[A-Za-z0-9.]+(\/[A-Za-z0-9]+)?\/[A-Za-z]+$/.test(rel)) return null;
  return fs.existsSync(path.join(here, `node_modules/k8s-${version}`, `${rel}.d.ts`)) ? `k8s-${version}/${rel}` : null;
}

function checkSchema(version, objects) {
  const problems = [];
  for (const object of objects) {
    const where = `${object.kind}/${object.metadata?.name}`;
    const mod = modulePath(version, object);
    if (!mod) {
      problems.push(`${where}: ${object.apiVersion} ${object.kind} is not in the Kubernetes ${version} API`);
      continue;
    }
    const Model = require(mod)[object.kind];
    try {
      new Model(structuredClone(object)).validate();
    } catch (error) {
      problems.push(`${where}: ${String(error.message ?? error)}`);
    }
  }
  return problems;
}

const slug = (text) => text.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "");

// One .ts file a rendered object, typed with that version's interface; then one tsc a version.
// Returns Map(target name -> problems).
function checkTypes(version, rendered, workDir) {
  const dir = path.join(workDir, `types-${version}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const files = [];
  const owner = new Map(); // file -> target name
  const unknown = new Map();
  for (const [name, { objects, plugin }] of rendered) {
    const targetDir = path.join(dir, slug(name));
    fs.mkdirSync(targetDir, { recursive: true });
    const write = (file, text) => {
      const full = path.join(targetDir, file);
      fs.writeFileSync(full, text);
      files.push(full);
      owner.set(full, name);
    };
    if (plugin) {
      // Sonobuoy's manifest with Kubernetes' own types where Sonobuoy embeds them.
      write(
        "plugin.ts",
        `import type { IContainer } from "k8s-${version}/v1/Container";\n` +
          `import type { IPodSpec } from "k8s-${version}/v1/PodSpec";\n` +
          `import type { IVolume } from "k8s-${version}/v1/Volume";\n` +
          `interface SonobuoyConfig { "driver": string; "plugin-name": string; "skip-cleanup"?: boolean; "result-format"?: string; "result-files"?: string[]; "description"?: string; "source-url"?: string; "order"?: number }\n` +
          `interface Manifest { "sonobuoy-config": SonobuoyConfig; "spec": IContainer; "extra-volumes"?: IVolume[]; "podSpec"?: IPodSpec; "config-map"?: { [key: string]: string } }\n` +
          `const plugin: Manifest = ${JSON.stringify(plugin, null, 2)};\nexport default plugin;\n`,
      );
      continue;
    }
    objects.forEach((object, i) => {
      const mod = modulePath(version, object);
      if (!mod) {
        const list = unknown.get(name) ?? [];
        list.push(`${object.kind}/${object.metadata?.name}: no ${object.apiVersion} ${object.kind} type in Kubernetes ${version}`);
        unknown.set(name, list);
        return;
      }
      write(
        `${String(i).padStart(2, "0")}-${object.kind}-${slug(object.metadata?.name ?? "x")}.ts`,
        `import type { I${object.kind} } from "${mod}";\n` +
          `const object: I${object.kind} = ${JSON.stringify(object, null, 2)};\nexport default object;\n`,
      );
    });
  }
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, skipLibCheck: true, module: "commonjs", moduleResolution: "node10",
        target: "es2020", types: [], baseUrl: here, paths: { "*": [path.join(here, "node_modules/*")] },
        ignoreDeprecations: "5.0",
      },
      files,
    }),
  );
  const run = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(dir, "tsconfig.json"), "--pretty", "false"], { encoding: "utf8" });
  const problems = new Map([...unknown]);
  if (run.status !== 0 && !/error TS/.test(run.stdout)) throw new Error(`tsc failed: ${run.stdout}${run.stderr}`);
  for (const line of run.stdout.split("\n")) {
    const m = /^(.*?\.ts)\((\d+),\d+\): error (TS\d+: .*)$/.exec(line);
    if (!m) continue;
    const file = path.resolve(dir, m[1]);
    const name = owner.get(file) ?? owner.get(path.resolve(m[1]));
    const list = problems.get(name) ?? [];
    list.push(`${path.basename(file)}:${m[2]}: ${m[3]}`);
    problems.set(name, list);
  }
  return problems;
}

// ---------------------------------------------------------------- run
function checksFor(target) {
  const checks = [...VERSIONS.map((v) => `types@${v}`), ...VERSIONS.map((v) => `schema@${v}`), "rbac",
    "linux-least-privilege", "windows-hostprocess", "collector-store", "secret-readable", "collector-tls"];
  if (target.profile === "vsphere") checks.push("vsphere-hostpath");
  if (target.sonobuoy) checks.push("sonobuoy");
  return checks;
}

function main() {
  const workDir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "capprobe-deploy-check-"));
  const forbidden = windowsForbidden();
  if (forbidden.pod.length < 5 || forbidden.container.length < 5)
    throw new Error(`reading the Windows-forbidden fields from the 1.33 types found too few: ${JSON.stringify(forbidden)}`);
  const targets = [...TARGETS, ...fixtures()];
  const rendered = new Map();
  const results = new Map(); // name -> Map(check -> problems[])
  for (const target of targets) {
    const out = render(target);
    const byCheck = new Map([["render", out.error ? [out.error] : []]]);
    results.set(target.name, byCheck);
    if (!out.error) rendered.set(target.name, out);
  }
  const types = Object.fromEntries(VERSIONS.map((v) => [v, checkTypes(v, rendered, workDir)]));
  for (const target of targets) {
    const out = rendered.get(target.name);
    if (!out) continue;
    const byCheck = results.get(target.name);
    for (const check of checksFor(target)) {
      let problems;
      if (check.startsWith("types@")) problems = types[check.slice(6)].get(target.name) ?? [];
      else if (check.startsWith("schema@")) problems = checkSchema(check.slice(7), out.objects);
      else if (check === "rbac") problems = checkRbac(out.objects);
      else if (check === "linux-least-privilege") problems = checkLinuxLeastPrivilege(out.objects, target.profile);
      else if (check === "windows-hostprocess") problems = checkWindows(out.objects, forbidden);
      else if (check === "vsphere-hostpath") problems = checkVsphere(out.objects);
      else if (check === "sonobuoy") problems = checkSonobuoy(out.plugin);
      else if (check === "collector-store") problems = checkCollectorStore(out.objects);
      else if (check === "secret-readable") problems = checkSecretsReadable(out.objects);
      else if (check === "collector-tls") problems = checkCollectorTls(out.objects);
      byCheck.set(check, problems);
    }
  }
  fs.rmSync(workDir, { recursive: true, force: true });

  let passed = 0, failed = 0;
  const report = (ok, line, details = []) => {
    ok ? passed++ : failed++;
    console.log(`${ok ? "ok  " : "FAIL"} ${line}`);
    for (const d of details.slice(0, 8)) console.log(`       ${d}`);
    if (details.length > 8) console.log(`       ... ${details.length - 8} more`);
  };
  for (const target of targets) {
    const byCheck = results.get(target.name);
    if (!target.expect) {
      for (const [check, problems] of byCheck) report(problems.length === 0, `${target.name}: ${check}`, problems);
      continue;
    }
    // A fixture: its one check fails with its message; nothing else fails.
    // A fixture: the checks it names fail, each with its message; no other check fails.
    const fails = [target.expect.fails].flat();
    const details = [];
    let ok = true;
    for (const check of fails) {
      // One message for all, or one a check ({"types@1.27": "...", ...}).
      const message = typeof target.expect.message === "string" ? target.expect.message : target.expect.message[check];
      const hit = (byCheck.get(check) ?? []).find((p) => p.includes(message));
      if (hit) details.push(`${check} caught it: ${hit}`);
      else {
        ok = false;
        details.push(`expected ${check} to fail with "${message}"; it said: ${JSON.stringify(byCheck.get(check) ?? "not run")}`);
      }
    }
    for (const [check, problems] of byCheck)
      if (!fails.includes(check) && problems.length) {
        ok = false;
        details.push(`${check} failed too: ${problems[0]}`);
      }
    report(ok, `${target.name}: fails ${fails.join(", ")}`, ok ? details.slice(0, 1) : details);
  }
  console.log(`deploy manifests: ${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main();
