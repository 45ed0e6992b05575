#!/usr/bin/env bash
# rootfs.sh BUILD_DIR ROOTFS: lays out the capprobe image's files in ROOTFS (a new or empty
# directory) from a local build, with no base image:
#   /usr/local/bin/capprobe, /usr/local/bin/capprobe-deliver   (the agent needs the helper beside it)
#   /usr/local/bin/capprobe-collector   (`capprobe collector` becomes it)
#   the shared libraries both load (ldd), and libpq with its own (the collector loads it for
#   PostgreSQL), at the paths the loader looks for them
#   /etc/passwd, /etc/group (user capprobe, 65532), /etc/nsswitch.conf
#   /etc/ssl/certs/ca-certificates.crt (an https collector), copied from this machine
#   /usr/share/doc/<package>/copyright of each Debian package a library came from
#   /tmp (1777) and /var/lib/capprobe (the spool's parent; build-oci.sh gives it to 65532)
# Used by build-oci.sh and by the Containerfile's last build stage.
set -euo pipefail
# A command that fails ends the script: say which, so that a caller's log shows more than a status.
trap 'echo "rootfs.sh: line $LINENO: \"$BASH_COMMAND\" failed (status $?)" >&2' ERR

if (($# != 2)); then
  echo "usage: rootfs.sh BUILD_DIR ROOTFS" >&2
  exit 2
fi
build_dir=$1
rootfs=$2
bins=("$build_dir/agent/capprobe" "$build_dir/agent/capprobe-deliver" "$build_dir/agent/capprobe-collector")
for bin in "${bins[@]}"; do
  [[ -x "$bin" ]] || { echo "rootfs.sh: $bin is missing: build it first (cmake --build $build_dir --target capprobe capprobe-deliver capprobe-collector)" >&2; exit 1; }
done
mkdir -p "$rootfs"
if [[ -n "$(ls -A "$rootfs")" ]]; then
  echo "rootfs.sh: $rootfs is not empty" >&2
  exit 1
fi

install -d -m 0755 "$rootfs/usr/local/bin" "$rootfs/etc/ssl/certs" "$rootfs/var/lib"
install -d -m 1777 "$rootfs/tmp"
install -d -m 0700 "$rootfs/var/lib/capprobe"
for bin in "${bins[@]}"; do
  install -m 0755 "$bin" "$rootfs/usr/local/bin/"
done

# The closure: every "=> /path" and the loader itself, copied (dereferenced) to the path ldd
# printed, so that the loader's built-in search path finds each without an ld.so.cache.
declare -A libs=()
for bin in "${bins[@]}"; do
  while read -r path; do
    [[ -n "$path" ]] && libs["$path"]=1
  done < <(ldd "$bin" | awk '/=> \// { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }')
done
# The collector loads libpq when it first connects to PostgreSQL (dlopen, so the agent never
# maps it): libpq and its closure go in too. awk reads the listing to its end: had it stopped at
# the first match, ldconfig's next write would die of SIGPIPE and pipefail end this script.
libpq="$(ldconfig -p | awk '$1 == "libpq.so.5" && libpq == "" { libpq = $NF } END { print libpq }')"
[[ -n "$libpq" ]] || { echo "rootfs.sh: libpq.so.5 is missing (apt-get install libpq5)" >&2; exit 1; }
libs["$libpq"]=1
while read -r path; do
  [[ -n "$path" ]] && libs["$path"]=1
done < <(ldd "$libpq" | awk '/=> \// { print $3 }')
if ((${#libs[@]} == 0)); then
  echo "rootfs.sh: ldd found no libraries (a static build needs none; this one is not)" >&2
  exit 1
fi
for lib in "${!libs[@]}"; do
  install -d -m 0755 "$rootfs$(dirname "$lib")"
  install -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
done
# The Debian packages they came from, for their copyright files (one dpkg query; merged /usr
# registers a library under /lib or /usr/lib, so ask for both).
declare -A packages=()
candidates=()
for lib in "${!libs[@]}"; do
  real="$(readlink -f "$lib")"
  candidates+=("$lib" "$real" "${real#/usr}")
done
while read -r package; do
  [[ -n "$package" ]] && packages["$package"]=1
done < <(dpkg -S "${candidates[@]}" 2>/dev/null | cut -d: -f1 | sort -u || true)
for package in "${!packages[@]}"; do
  if [[ -f "/usr/share/doc/$package/copyright" ]]; then
    install -d -m 0755 "$rootfs/usr/share/doc/$package"
    install -m 0644 "/usr/share/doc/$package/copyright" "$rootfs/usr/share/doc/$package/"
  fi
done

cat > "$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
capprobe:x:65532:65532:capprobe:/var/lib/capprobe:/sbin/nologin
EOF
cat > "$rootfs/etc/group" <<'EOF'
root:x:0:
capprobe:x:65532:
EOF
cat > "$rootfs/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group" "$rootfs/etc/nsswitch.conf"
if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
  install -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
else
  echo "rootfs.sh: no /etc/ssl/certs/ca-certificates.crt here (Debian: ca-certificates);" \
    "the image can reach an https collector only with --ca-file" >&2
fi
