#!/bin/sh
# tests/vm/qemu-init.sh: PID 1 of a tunsh test guest under qemu (Debian's
# amd64 kernel, software CPU), in two stages; the qemu counterpart of
# init.sh, which is for user-mode-linux.
#
# Stage 1 is /init of a small initramfs that tests/vm/qemu.sh builds
# (busybox, this script, the modules 9p needs): Debian's kernel has 9p,
# virtio and overlayfs as modules, so something has to load them before
# the host's / can be the root.  It mounts the host's / (9p tag
# "hostroot", read-only) under a tmpfs overlay, binds the unpacked
# kernel package's modules at /lib/modules/$(uname -r), and switch_root's
# to stage 2: this same script, read from the host through the new root.
# switch_root moves the new root over the initramfs' /, so the kernel's
# /sbin/modprobe calls (module autoload) see it, as pivot_root does in
# init.sh.
#
# Stage 2 mounts fresh /proc, /sys, /dev, /tmp, /run, the host's
# read-write directories (9p tags rw0, rw1... in TUNSH_RW order), runs
# the scenario under a timeout, leaves log, status and times in
# TUNSH_RESULT, and powers off (qemu runs with -no-reboot).  PID 1 must
# never exit: the kernel would panic, and the host see only a timeout.
#
# The host passes tunsh_job=PATH on the kernel command line (the kernel
# hands unknown parameters to init as environment variables), a file of
# shell assignments like init.sh's, plus:
#   TUNSH_MODULES   host directory of the kernel's modules (lib/modules/VER)
#   TUNSH_INIT      this script's host path

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
bb=/bin/busybox

say() { echo "init: $*"; }

off() {
	sync
	$bb poweroff -f
	echo o >/proc/sysrq-trigger
	while :; do $bb sleep 1; done
}

die() {
	say "$*"
	if [ -n "${TUNSH_RESULT:-}" ] && [ -d "$TUNSH_RESULT" ] &&
		[ -w "$TUNSH_RESULT" ]; then
		echo "init: $*" >>"$TUNSH_RESULT/log"
		echo 125 >"$TUNSH_RESULT/status"
	fi
	off
}

# 9p: msize 512 KiB instead of 8 KiB makes reads and execs several times
# faster.  The read-only root is cached (cache=loose): nothing changes it
# while the guest runs.  The read-write mounts are not, so that the host
# sees what the guest wrote when it stops.
p9=trans=virtio,version=9p2000.L,msize=524288

stage1() {
	$bb --install -s /bin
	$bb mount -t proc proc /proc
	$bb mount -t sysfs sysfs /sys
	$bb mount -t devtmpfs devtmpfs /dev
	# Order matters: insmod does not resolve dependencies.
	while read -r m; do
		$bb insmod "/modules/$m.ko" || die "insmod $m"
	done </modules/order
	mkdir -p /lower /rw /newroot
	$bb mount -t 9p -o "ro,$p9,cache=loose" hostroot /lower ||
		die "mount the host's / over 9p"
	[ -n "${tunsh_job:-}" ] || die "no tunsh_job= on the kernel command line"
	# shellcheck source=/dev/null
	. "/lower$tunsh_job" || die "cannot read $tunsh_job"
	$bb mount -t tmpfs -o mode=0755 vmroot /rw || die "mount tmpfs"
	mkdir /rw/upper /rw/work
	lower=/lower
	if [ -n "${TUNSH_EXTRA:-}" ]; then
		lower=/lower$TUNSH_EXTRA:/lower
	fi
	$bb mount -t overlay -o "lowerdir=$lower,upperdir=/rw/upper,workdir=/rw/work" \
		vmroot /newroot || die "mount overlay"
	read -r kver </proc/sys/kernel/osrelease
	mkdir -p "/newroot/lib/modules/$kver"
	$bb mount --bind "/lower$TUNSH_MODULES" "/newroot/lib/modules/$kver" ||
		die "bind $TUNSH_MODULES"
	$bb umount /proc /sys /dev
	# shellcheck disable=SC2093 # reached only when switch_root fails
	exec $bb switch_root /newroot /bin/sh "$TUNSH_INIT" stage2
	die "switch_root"
}

if [ "${1:-}" != stage2 ]; then
	stage1
fi

mount -t proc proc /proc || die "mount /proc"
# The first command of stage 2: an empty file whose host-side mtime
# (the 9p server creates it with the host's clock) run.sh-style timing
# compares with the launch time.  The guest's own clock comes from the
# emulated RTC, to the second.
[ -n "${tunsh_job:-}" ] || die "no tunsh_job"
# shellcheck source=/dev/null
. "$tunsh_job" || die "cannot read $tunsh_job"
TUNSH_RW=${TUNSH_RW:-}
for v in "$TUNSH_SCENARIO" "$TUNSH_RESULT" "$TUNSH_TIMEOUT" "$TUNSH_BUILD"; do
	[ -n "$v" ] || die "$tunsh_job lacks a setting"
done

mount -t sysfs sysfs /sys || die "mount /sys"
mount -t devtmpfs devtmpfs /dev || die "mount /dev"
mkdir -p /dev/pts /dev/shm /dev/net
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp || die "mount /tmp"
mount -t tmpfs -o mode=0755 tmpfs /run || die "mount /run"
[ -e /dev/net/tun ] || mknod /dev/net/tun c 10 200

i=0
for d in $TUNSH_RW; do
	mkdir -p "$d"
	mount -t 9p -o "$p9,cache=none" "rw$i" "$d" || die "mount rw $d"
	i=$((i + 1))
done
: >"$TUNSH_RESULT/first"
t_first=$(date +%s.%N)

# Module autoload: busybox modprobe reads modules.dep and modules.alias
# (made on the host by busybox depmod) under /lib/modules/$(uname -r).
ln -sf $bb /sbin/modprobe
echo /sbin/modprobe >/proc/sys/kernel/modprobe

ip link set lo up || die "lo up"

export TUNSH_BUILD TUNSH_TOP TUNSH_RESULT
export TUNSH_VM=1 TUNSH_QEMU=1 HOME=/root TMPDIR=/tmp
cd "$TUNSH_RESULT" || die "cd $TUNSH_RESULT"
t_start=$(date +%s.%N)
timeout -k 5 "$TUNSH_TIMEOUT" bash "$TUNSH_SCENARIO" \
	>"$TUNSH_RESULT/log" 2>&1 </dev/null
st=$?
t_end=$(date +%s.%N)
printf 'first %s\nstart %s\nend %s\n' "$t_first" "$t_start" "$t_end" \
	>"$TUNSH_RESULT/times"
echo "$st" >"$TUNSH_RESULT/status"
off
