#!/bin/sh
# The lab guest's /init (PID 1 of the initramfs, busybox sh). It reads the scenario's settings
# from /lab/config, puts capprobe in a cgroup v2 group with the scenario's limits, and runs it
# either directly ("plain": a process on its own machine) or the way the Kata agent starts a
# container ("kata": the root shared from the host over 9p as kataShared, own PID, mount, IPC
# and UTS namespaces). The report goes to the second serial port, framed by marker lines that
# the host looks for; then the guest powers off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
REPORT=/dev/ttyS1

log() { echo "lab-init: $*" > /dev/console; }

# Called again as `/init start-container ROOT ARGS...` inside the new namespaces: mounts what a
# container runtime gives a container, then becomes capprobe in the container's root.
if [ "$1" = start-container ]; then
  root="$2"
  shift 2
  mount --make-rprivate / || exit 101
  mount --bind "$root" "$root" || exit 102  # the container's "/" is then the 9p mount itself
  mount -t proc proc "$root/proc" || exit 103
  mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys" || exit 104
  mount -t cgroup2 -o ro,nosuid,nodev,noexec cgroup2 "$root/sys/fs/cgroup" || exit 105
  mount -t tmpfs -o nosuid,mode=755,size=65536k tmpfs "$root/dev" || exit 106
  mkdev() { mknod -m 666 "$root/dev/$1" c "$2" "$3"; }
  for dev in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" "tty 5 0"; do
    mkdev $dev || exit 107
  done
  mkdir -p "$root/dev/pts" "$root/dev/shm"
  mount -t devpts -o nosuid,noexec,newinstance,ptmxmode=0666 devpts "$root/dev/pts" || exit 108
  mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$root/dev/shm" || exit 109
  hostname "lab-kata-container"
  exec chroot "$root" /usr/bin/capprobe "$@"
fi

finish() {
  sync
  sleep 1  # let the UART drain before the power goes
  poweroff -f
  sleep 60
}
fail() {
  log "FAILED: $*"
  echo "CAPPROBE-LAB-FAILED $*" > "$REPORT"
  finish
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
stty -F "$REPORT" raw -echo || log "stty on $REPORT failed (the host strips carriage returns)"

[ -r /lab/config ] || fail "no /lab/config in the initramfs"
. /lab/config
log "flavor=$LAB_FLAVOR cgroup=$LAB_CGROUP cpu.max=$LAB_CPU_MAX memory.max=$LAB_MEMORY_MAX"

# The group capprobe runs in: every ancestor delegates cpu and memory to its children.
group=""
if [ -n "$LAB_CGROUP" ]; then
  mount -t cgroup2 cgroup2 /sys/fs/cgroup || fail "cannot mount cgroup2"
  group=/sys/fs/cgroup
  for part in $(echo "$LAB_CGROUP" | tr / ' '); do
    echo "+cpu +memory" > "$group/cgroup.subtree_control" ||
      fail "cannot enable cpu and memory in $group/cgroup.subtree_control"
    group="$group/$part"
    mkdir -p "$group" || fail "cannot create $group"
  done
  if [ -n "$LAB_CPU_MAX" ]; then
    echo "$LAB_CPU_MAX" > "$group/cpu.max" || fail "cannot write $group/cpu.max"
  fi
  if [ -n "$LAB_MEMORY_MAX" ]; then
    echo "$LAB_MEMORY_MAX" > "$group/memory.max" || fail "cannot write $group/memory.max"
  fi
  if [ "$LAB_OOM_GROUP" = 1 ]; then
    echo 1 > "$group/memory.oom.group" || fail "cannot write $group/memory.oom.group"
  fi
  log "group $group: cpu.max=$(cat "$group/cpu.max") memory.max=$(cat "$group/memory.max") memory.oom.group=$(cat "$group/memory.oom.group")"
fi

# Runs "$@" inside $group (when there is one) from its first instruction.
in_group() {
  if [ -n "$group" ]; then
    sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$group" "$@"
  else
    "$@"
  fi
}

eval "set -- $LAB_ARGS"
case "$LAB_FLAVOR" in
  plain)
    cd /
    echo "CAPPROBE-LAB-REPORT-BEGIN" > "$REPORT"
    in_group /usr/bin/capprobe "$@" >> "$REPORT" 2> /dev/console
    rc=$?
    ;;
  kata)
    while read -r module; do
      [ -n "$module" ] || continue
      insmod "$module" || fail "cannot load $module"
    done < /lab/modules
    shared=/run/kata-containers/shared/containers
    mkdir -p "$shared"
    mount -t 9p -o trans=virtio,version=9p2000.L,cache=mmap,msize=262144 kataShared "$shared" ||
      fail "cannot mount the 9p share kataShared"
    root="$shared/$LAB_CID/rootfs"
    [ -x "$root/usr/bin/capprobe" ] || fail "no capprobe in the shared container root $root"
    echo "CAPPROBE-LAB-REPORT-BEGIN" > "$REPORT"
    in_group unshare --pid --mount --ipc --uts --fork /init start-container "$root" "$@" \
      >> "$REPORT" 2> /dev/console
    rc=$?
    ;;
  *)
    fail "unknown flavor '$LAB_FLAVOR'"
    ;;
esac
echo "" >> "$REPORT"
echo "CAPPROBE-LAB-REPORT-END rc=$rc" >> "$REPORT"
log "capprobe exited with $rc"
finish
