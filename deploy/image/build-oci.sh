#!/usr/bin/env bash
# build-oci.sh DIR: builds the capprobe image as an OCI image layout in DIR (created; must not
# exist or be empty), offline, from the local build: no base image, no registry, no daemon.
# One layer: the binaries, their shared libraries and a few /etc files (deploy/image/rootfs.sh).
# Tagged capprobe:<version> (the version `capprobe version` prints), entrypoint capprobe,
# user 65532:65532, capprobe-deliver and capprobe-collector beside capprobe. The same inputs give the same digests
# (file times and the config's date are the last commit's).
#
#   CAPPROBE_BUILD_DIR   the build directory (default: build, relative to the repository)
#
# Use it with any OCI tool, for example:
#   skopeo copy oci:DIR:capprobe:0.1.0 docker://registry.example.com/capprobe:0.1.0
#   tar -C DIR -cf capprobe.tar . && podman load -i capprobe.tar      (or: ctr images import)
set -euo pipefail
# A command that fails ends the script: say which, so that a caller's log shows more than a status.
trap 'echo "build-oci.sh: line $LINENO: \"$BASH_COMMAND\" failed (status $?)" >&2' ERR

if (($# != 1)); then
  echo "usage: build-oci.sh DIR" >&2
  exit 2
fi
out=$1
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build_dir="${CAPPROBE_BUILD_DIR:-build}"
[[ "$build_dir" = /* ]] || build_dir="$repo/$build_dir"

if [[ -e "$out" && -n "$(ls -A "$out" 2>/dev/null)" ]]; then
  echo "build-oci.sh: $out exists and is not empty" >&2
  exit 1
fi

version="$("$build_dir/agent/capprobe" version | awk '{ print $2 }')"
[[ -n "$version" ]] || { echo "build-oci.sh: '$build_dir/agent/capprobe version' printed no version" >&2; exit 1; }
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) arch="$(uname -m)" ;;
esac
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)}"
revision="$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)"
created="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bash "$here/rootfs.sh" "$build_dir" "$work/rootfs"

# The layer: root owns everything but the spool's parent, which is the image user's. Sorted,
# fixed times, numeric owners, so that it is reproducible.
tar_common=(--format=gnu --sort=name --mtime="@$epoch" --numeric-owner -C "$work/rootfs")
tar "${tar_common[@]}" --owner=0 --group=0 --exclude=./var/lib/capprobe -cf "$work/layer.tar" .
tar "${tar_common[@]}" --owner=65532 --group=65532 --no-recursion -rf "$work/layer.tar" ./var/lib/capprobe
gzip -9 -n -c "$work/layer.tar" > "$work/layer.tar.gz"

sha() { sha256sum "$1" | awk '{ print $1 }'; }
size() { stat -c %s "$1"; }
mkdir -p "$out/blobs/sha256"
diff_id="$(sha "$work/layer.tar")"
layer_digest="$(sha "$work/layer.tar.gz")"
layer_size="$(size "$work/layer.tar.gz")"
cp "$work/layer.tar.gz" "$out/blobs/sha256/$layer_digest"

cat > "$work/config.json" <<EOF
{
  "created": "$created",
  "architecture": "$arch",
  "os": "linux",
  "config": {
    "User": "65532:65532",
    "Env": ["PATH=/usr/local/bin"],
    "Entrypoint": ["/usr/local/bin/capprobe"],
    "Cmd": ["probe"],
    "WorkingDir": "/",
    "Labels": {
      "org.opencontainers.image.title": "capprobe",
      "org.opencontainers.image.description": "Node capability probe: agent, collector and capprobe-deliver",
      "org.opencontainers.image.version": "$version",
      "org.opencontainers.image.revision": "$revision"
    }
  },
  "rootfs": { "type": "layers", "diff_ids": ["sha256:$diff_id"] },
  "history": [
    { "created": "$created", "created_by": "deploy/image/build-oci.sh", "comment": "capprobe, capprobe-deliver and their shared libraries" }
  ]
}
EOF
config_digest="$(sha "$work/config.json")"
config_size="$(size "$work/config.json")"
cp "$work/config.json" "$out/blobs/sha256/$config_digest"

cat > "$work/manifest.json" <<EOF
{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {
    "mediaType": "application/vnd.oci.image.config.v1+json",
    "digest": "sha256:$config_digest",
    "size": $config_size
  },
  "layers": [
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "digest": "sha256:$layer_digest",
      "size": $layer_size
    }
  ],
  "annotations": {
    "org.opencontainers.image.version": "$version",
    "org.opencontainers.image.revision": "$revision",
    "org.opencontainers.image.created": "$created"
  }
}
EOF
manifest_digest="$(sha "$work/manifest.json")"
manifest_size="$(size "$work/manifest.json")"
cp "$work/manifest.json" "$out/blobs/sha256/$manifest_digest"

cat > "$out/index.json" <<EOF
{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:$manifest_digest",
      "size": $manifest_size,
      "platform": { "architecture": "$arch", "os": "linux" },
      "annotations": {
        "org.opencontainers.image.ref.name": "capprobe:$version",
        "io.containerd.image.name": "docker.io/library/capprobe:$version"
      }
    }
  ]
}
EOF
printf '{"imageLayoutVersion": "1.0.0"}\n' > "$out/oci-layout"

uncompressed="$(size "$work/layer.tar")"
awk -v v="$version" -v a="$arch" -v o="$out" -v z="$layer_size" -v u="$uncompressed" 'BEGIN {
  printf "build-oci.sh: capprobe:%s (%s) in %s: layer %d bytes gzip (%.1f MiB), %d bytes unpacked (%.1f MiB)\n",
    v, a, o, z, z / 1048576, u, u / 1048576 }'
