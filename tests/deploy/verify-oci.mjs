// verify-oci.mjs DIR VERSION: checks an OCI image layout made by deploy/image/build-oci.sh.
// Every descriptor's digest and size against its blob, the media types, the tag
// (capprobe:VERSION), the config (non-root user, entrypoint capprobe, diff_ids of the layer) and
// the layer's files (capprobe-deliver and capprobe-collector beside capprobe, the loader, root-owned but the spool's
// parent, no setuid). Prints the problems; exits 1 when there is one.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const [dir, version] = process.argv.slice(2);
const problems = [];
const bad = (what) => problems.push(what);
const sha256 = (buffer) => crypto.createHash("sha256").update(buffer).digest("hex");

function blob(descriptor, mediaType) {
  if (descriptor?.mediaType !== mediaType) bad(`${descriptor?.digest}: media type ${descriptor?.mediaType}, expected ${mediaType}`);
  const [algorithm, hex] = String(descriptor?.digest).split(":");
  const file = path.join(dir, "blobs", algorithm ?? "", hex ?? "");
  if (algorithm !== "sha256" || !fs.existsSync(file)) {
    bad(`blob ${descriptor?.digest} is missing`);
    return null;
  }
  const data = fs.readFileSync(file);
  if (sha256(data) !== hex) bad(`blob ${descriptor.digest}: its content hashes to sha256:${sha256(data)}`);
  if (data.length !== descriptor.size) bad(`blob ${descriptor.digest}: ${data.length} bytes, descriptor says ${descriptor.size}`);
  return data;
}

// A tar's entries (ustar/GNU; GNU long names).
function tarEntries(buffer) {
  const entries = [];
  let longName = null;
  for (let at = 0; at + 512 <= buffer.length; ) {
    const header = buffer.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const text = (from, length) => header.subarray(from, from + length).toString("latin1").replace(/\0.*$/s, "");
    const octal = (from, length) => parseInt(text(from, length).trim() || "0", 8);
    const size = octal(124, 12);
    const type = text(156, 1) || "0";
    const body = buffer.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    if (type === "L") {
      longName = body.toString("latin1").replace(/\0.*$/s, "");
      continue;
    }
    const prefix = text(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${text(0, 100)}` : text(0, 100));
    longName = null;
    entries.push({ name: name.replace(/^\.\//, ""), mode: octal(100, 8), uid: octal(108, 8), gid: octal(116, 8), type });
  }
  return entries;
}

try {
  const layout = JSON.parse(fs.readFileSync(path.join(dir, "oci-layout"), "utf8"));
  if (layout.imageLayoutVersion !== "1.0.0") bad(`oci-layout: imageLayoutVersion ${layout.imageLayoutVersion}`);
  const index = JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8"));
  if (index.schemaVersion !== 2) bad("index.json: schemaVersion is not 2");
  const descriptor = (index.manifests ?? [])[0];
  if ((index.manifests ?? []).length !== 1) bad(`index.json: ${(index.manifests ?? []).length} manifests, expected 1`);
  const tag = descriptor?.annotations?.["org.opencontainers.image.ref.name"];
  if (tag !== `capprobe:${version}`) bad(`index.json: tagged ${tag}, expected capprobe:${version}`);
  const manifestData = blob(descriptor, "application/vnd.oci.image.manifest.v1+json");
  const manifest = manifestData ? JSON.parse(manifestData) : {};
  const configData = blob(manifest.config, "application/vnd.oci.image.config.v1+json");
  const config = configData ? JSON.parse(configData) : {};
  if (config.os !== "linux") bad(`config: os ${config.os}`);
  const user = config.config?.User ?? "";
  if (!/^[1-9][0-9]*(:[0-9]+)?$/.test(user)) bad(`config: User '${user}' is not a non-root numeric uid`);
  if (JSON.stringify(config.config?.Entrypoint) !== '["/usr/local/bin/capprobe"]')
    bad(`config: Entrypoint ${JSON.stringify(config.config?.Entrypoint)}`);
  const layers = manifest.layers ?? [];
  if (layers.length !== 1) bad(`manifest: ${layers.length} layers, expected 1`);
  const layerData = layers[0] ? blob(layers[0], "application/vnd.oci.image.layer.v1.tar+gzip") : null;
  if (layerData) {
    const tar = zlib.gunzipSync(layerData);
    if (`sha256:${sha256(tar)}` !== config.rootfs?.diff_ids?.[0]) bad("config: diff_ids[0] is not the layer's uncompressed digest");
    const entries = tarEntries(tar);
    const byName = new Map(entries.map((e) => [e.name.replace(/\/$/, ""), e]));
    for (const need of ["usr/local/bin/capprobe", "usr/local/bin/capprobe-deliver", "usr/local/bin/capprobe-collector", "lib64/ld-linux-x86-64.so.2", "etc/passwd"])
      if (!byName.has(need)) bad(`layer: ${need} is missing`);
    for (const entry of entries) {
      const name = entry.name.replace(/\/$/, "");
      if (entry.mode & 0o6000) bad(`layer: ${name} is setuid/setgid`);
      const owner = name === "var/lib/capprobe" ? 65532 : 0;
      if (entry.uid !== owner || entry.gid !== owner) bad(`layer: ${name} is owned by ${entry.uid}:${entry.gid}, expected ${owner}:${owner}`);
    }
    const [uid] = user.split(":").map(Number);
    if (byName.get("var/lib/capprobe")?.uid !== uid) bad("layer: /var/lib/capprobe does not belong to the image's user");
  }
} catch (error) {
  bad(`${error.message}`);
}
for (const problem of problems) console.log(problem);
process.exitCode = problems.length ? 1 : 0;
