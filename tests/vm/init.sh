#!/bin/sh
# tests/vm/init.sh: PID 1 of a tunsh test guest (user-mode-linux).  It
# builds a writable root (the host's / through hostfs, read-only, under a
# tmpfs overlay), switches to it with pivot_root, runs one scenario under
# a timeout, leaves the exit status and output in the job's result
# directory on a read-write hostfs mount, and powers off.  It must never
# exit: PID 1 exiting panics the guest kernel, and the host then only sees
# a timeout.  POSIX sh (dash) because every exec costs 20-100 ms in UML.
#
# The host (tests/vm/run.sh) passes one kernel parameter, tunsh_job=PATH,
# a file of shell assignments; the kernel hands unknown parameters to init
# as environment variables.  The job file sets:
#   TUNSH_SCENARIO  script to run (bash)
#   TUNSH_RESULT    directory for log, status and times (under a rw mount)
#   TUNSH_RW        space-separated host directories to mount read-write
#   TUNSH_EXTRA     optional host directories laid over / (extra packages),
#                   space-separated, the first one on top
#   TUNSH_TIMEOUT   seconds the scenario may run
#   TUNSH_BUILD, TUNSH_TOP  passed on to the scenario
#   TUNSH_CONSOLE   1: the scenario talks to the console (scripts/lab.sh,
#                   a person at a terminal) instead of writing its log

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
# The first command: run.sh subtracts its launch time from this stamp.
# UML's clock is the host's, so the two are comparable.
t_first=$(date +%s.%N)
bb=/bin/busybox

say() { echo "init: $*"; }

# Power off no matter what: busybox because the host's poweroff is
# systemctl, the sysrq trigger in case even that cannot run.
off() {
	sync
	$bb poweroff -f
	echo o >/proc/sysrq-trigger
	while :; do $bb sleep 1; done
}

# Setup failures are reported like scenario failures when the result
# directory is reachable, so run.sh prints them instead of a timeout.
die() {
	say "$*"
	if [ -n "${TUNSH_RESULT:-}" ] && [ -d "$TUNSH_RESULT" ] &&
		[ -w "$TUNSH_RESULT" ]; then
		echo "init: $*" >>"$TUNSH_RESULT/log"
		echo 125 >"$TUNSH_RESULT/status"
	fi
	off
}

[ -n "${tunsh_job:-}" ] || die "no tunsh_job= on the kernel command line"
# shellcheck source=/dev/null
. "$tunsh_job" || die "cannot read $tunsh_job"
TUNSH_RW=${TUNSH_RW:-}
for v in "$TUNSH_SCENARIO" "$TUNSH_RESULT" "$TUNSH_TIMEOUT" "$TUNSH_BUILD"; do
	[ -n "$v" ] || die "$tunsh_job lacks a setting"
done

mount -t proc proc /proc || die "mount /proc"
read -r kver </proc/sys/kernel/osrelease
mods=/usr/lib/uml/modules/$kver
[ -d "$mods" ] || die "no modules for $kver in $mods"

# The overlay module cannot be autoloaded yet: there is no modprobe until
# the new root exists.  insmod is a busybox builtin, no kmod needed.
if ! grep -qw overlay /proc/filesystems; then
	$bb insmod "$mods/kernel/fs/overlayfs/overlay.ko" || die "insmod overlay"
fi

# /tmp of the read-only root serves only as a mount point here; the
# guest's /tmp proper is a fresh tmpfs mounted after the switch.
mount -t tmpfs -o mode=0755 vmroot /tmp || die "mount tmpfs"
mkdir /tmp/upper /tmp/work /tmp/root
# Extra trees, space-separated, the first one on top.
lower=
n=0
for x in ${TUNSH_EXTRA:-}; do
	n=$((n + 1))
	mkdir "/tmp/extra$n"
	mount -t hostfs -o "ro,$x" hostfs "/tmp/extra$n" ||
		die "mount extra $x"
	lower=$lower/tmp/extra$n:
done
lower=$lower/
# Comma-separated options: this is why mounted paths cannot hold commas.
mount -t overlay -o "lowerdir=$lower,upperdir=/tmp/upper,workdir=/tmp/work" \
	vmroot /tmp/root || die "mount overlay"

# pivot_root, not chroot: the kernel runs /sbin/modprobe in its own root,
# which a chroot does not change.
cd /tmp/root || die "cd new root"
mkdir -p oldroot
pivot_root . oldroot || die "pivot_root"
cd / || die "cd /"

mount -t proc proc /proc || die "mount new /proc"
mount -t sysfs sysfs /sys || die "mount /sys"
mount -t devtmpfs devtmpfs /dev || die "mount /dev"
mkdir -p /dev/pts /dev/shm /dev/net
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp || die "mount /tmp"
mount -t tmpfs -o mode=0755 tmpfs /run || die "mount /run"
# tun is a module; a static node lets the first open autoload it.
[ -e /dev/net/tun ] || mknod /dev/net/tun c 10 200

# mkdir: a host path under /tmp or /run has no mount point in the fresh
# tmpfs mounted there.
for d in $TUNSH_RW; do
	mkdir -p "$d"
	mount -t hostfs -o "$d" hostfs "$d" || die "mount rw $d"
done
umount -l /oldroot

# Module autoload: the kernel calls /sbin/modprobe (busybox reads
# modules.dep under /lib/modules/$(uname -r)).  Written into the overlay.
mkdir -p /lib/modules
ln -sfn "$mods" "/lib/modules/$kver"
ln -sf $bb /sbin/modprobe
echo /sbin/modprobe >/proc/sys/kernel/modprobe

ip link set lo up || die "lo up"

export TUNSH_BUILD TUNSH_TOP TUNSH_RESULT
export TUNSH_VM=1 HOME=/root TMPDIR=/tmp
cd "$TUNSH_RESULT" || die "cd $TUNSH_RESULT"
t_start=$(date +%s.%N)
# timeout puts itself and the scenario in a process group of their own
# and signals the whole group, daemons included.  The output goes to a
# file on the rw mount, not to the console.
export TUNSH_INPUT
if [ "${TUNSH_CONSOLE:-}" = 1 ]; then
	# The console is the person's terminal: a session of its own so
	# that it is the scenario's controlling tty (job control, ^C).
	$bb setsid -c bash "$TUNSH_SCENARIO" </dev/console >/dev/console 2>&1
else
	timeout -k 5 "$TUNSH_TIMEOUT" bash "$TUNSH_SCENARIO" \
		>"$TUNSH_RESULT/log" 2>&1 </dev/null
fi
st=$?
t_end=$(date +%s.%N)
printf 'first %s\nstart %s\nend %s\n' "$t_first" "$t_start" "$t_end" \
	>"$TUNSH_RESULT/times"
# Written last: its presence means the log and times are complete.
echo "$st" >"$TUNSH_RESULT/status"
off
