#!/usr/bin/env bash
# tests/vm/qemu.sh: runs scenarios in qemu guests with Debian's amd64
# kernel, for what user-mode-linux's kernel lacks (XFRM interfaces).
# The CPU is emulated (TCG): KVM cannot be used on the build machines.
# One guest per scenario, one at a time.  Like run.sh, the guest sees the
# host's / read-only (9p under a tmpfs overlay, see qemu-init.sh) and the
# build directory read-write at the same path; it prints one PASS/FAIL
# line per scenario and the log of a failed one, and exits 1 if any
# failed, 2 when it cannot run guests at all.
#
# The kernel comes from Debian's archive: linux-image-VERSION-amd64, the
# version the linux-image-amd64 package depends on, fetched once with
# apt-get download and unpacked with dpkg -x into BUILD/vm-qemu/VERSION
# (about 70 MB to fetch, 400 MB unpacked, 5 s).  From its bzImage we
# decompress the ELF vmlinux, which qemu boots directly (PVH): about
# twice as fast as booting the bzImage.  busybox depmod writes the
# modules.dep the package leaves to its postinst.  See
# tests/vm/README.md and /work/shared/docs/real-kernel.md.
set -euo pipefail

usage() {
	cat <<EOF
usage: $0 [-b BUILD] [-o RESULTS] [-t SECONDS] [-m MEM] SCENARIO...
  SCENARIO   a script path, or a name in tests/vm/qemu-scenarios/ or
             tests/vm/scenarios/ (.sh optional)
  -b BUILD   build directory, mounted read-write (\$TUNSH_BUILD, default
             <repo>/build); the kernel is kept in BUILD/vm-qemu
  -o DIR     results (default BUILD/vm-results); one directory per scenario
  -t SECONDS host-side limit per guest (\$TUNSH_VM_TIMEOUT, default 150)
  -m MEM     guest RAM (\$TUNSH_QEMU_MEM, default 384M)
Environment: TUNSH_QEMU (default qemu-system-x86_64), TUNSH_QEMU_KERNEL
(a linux-image package version such as 6.1.0-56-amd64; default: what
apt-cache says linux-image-amd64 depends on), TUNSH_QEMU_IMAGE (boot this
kernel image instead of the extracted vmlinux, e.g. the package's
bzImage; its modules must match), TUNSH_VM_EXTRA (a directory laid over
the guest's /, default BUILD/vm-extra/root when it exists).
EOF
	exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${TUNSH_BUILD:-$top/build}
results=
limit=${TUNSH_VM_TIMEOUT:-150}
mem=${TUNSH_QEMU_MEM:-384M}
qemu=${TUNSH_QEMU:-qemu-system-x86_64}

while getopts b:o:t:m:h opt; do
	case $opt in
	b) build=$OPTARG ;;
	o) results=$OPTARG ;;
	t) limit=$OPTARG ;;
	m) mem=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || usage
[[ $limit =~ ^[1-9][0-9]*$ ]] || usage
[[ $mem =~ ^[1-9][0-9]*M$ ]] || usage

die() { echo "qemu.sh: $*" >&2; exit 2; }

command -v "$qemu" >/dev/null || die "$qemu missing (Debian package qemu-system-x86)"
[ -x /bin/busybox ] || die "/bin/busybox missing (package busybox-static)"
# shellcheck source=SCRIPTDIR/host.sh
. "$here/host.sh"
vm_host_paths

declare -a paths names
vm_host_scenarios "$here/qemu-scenarios $here/scenarios" "$@"


# --- the kernel ------------------------------------------------------

cache=$build/vm-qemu
mkdir -p "$cache"

# The package's version part (6.1.0-56-amd64): the candidate of the
# linux-image-amd64 metapackage, or else the one unpacked already.
kernel_version() {
	local v
	if [ -n "${TUNSH_QEMU_KERNEL:-}" ]; then
		echo "$TUNSH_QEMU_KERNEL"
		return
	fi
	v=$(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
		sed -n 's/^Depends:.*linux-image-\([0-9][^ ,]*-amd64\).*/\1/p' | head -n 1) || true
	[ -n "$v" ] || v=$(cached_version)
	[ -n "$v" ] || die "apt-cache knows no linux-image-amd64 (run apt-get update) and $cache holds no kernel"
	echo "$v"
}

# Fetches and unpacks linux-image-$kver once; the unpacked tree with its
# .complete marker is the cache.  Reports what it took.
fetch_kernel() {
	local dir=$cache/$kver t0 deb tmp
	[ -f "$dir/.complete" ] && return 0
	t0=$(now)
	tmp=$cache/.fetch.$$
	rm -rf "$tmp"
	mkdir -p "$tmp" || die "mkdir $tmp"
	# The sandbox user _apt may not write into the build directory.
	if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root \
		"linux-image-$kver" >download.log 2>&1); then
		cat "$tmp/download.log" >&2
		rm -rf "$tmp"
		return 1
	fi
	deb=$(echo "$tmp"/linux-image-*.deb)
	[ -f "$deb" ] || die "apt-get download left no .deb in $tmp"
	echo "qemu.sh: fetched $(basename "$deb") ($(du -m "$deb" | cut -f1) MB) in $(span "$t0" "$(now)")s" >&2
	# Called in an if: set -e is off here, every step says so itself.
	mkdir "$tmp/root" || die "mkdir $tmp/root"
	dpkg -x "$deb" "$tmp/root" || die "dpkg -x $deb failed"
	# Debian's postinst runs depmod; busybox's writes modules.dep,
	# modules.alias and modules.symbols, which busybox modprobe reads.
	/bin/busybox depmod -b "$tmp/root" "$kver" || die "busybox depmod failed"
	extract_vmlinux "$tmp/root/boot/vmlinuz-$kver" "$tmp/root/boot/vmlinux-$kver"
	rm -f "$deb"
	# One kernel is kept (another qemu.sh's work in progress stays).
	find "$cache" -mindepth 1 -maxdepth 1 -not -name ".fetch.*" \
		-not -name "initrd.*" -exec rm -rf {} +
	mv "$tmp/root" "$dir" || die "mv $tmp/root $dir"
	rm -rf "$tmp"
	touch "$dir/.complete" || die "touch $dir/.complete"
	echo "qemu.sh: kernel $kver ready in $dir, $(span "$t0" "$(now)")s in all" >&2
}

# The bzImage holds the kernel ELF compressed (xz for Debian's): find
# the stream by its magic, as the kernel's scripts/extract-vmlinux does,
# and check that an ELF file came out.
extract_vmlinux() {
	local in=$1 out=$2 off magic tool
	for magic in '\xfd7zXZ\x00:xz' '\x28\xb5\x2f\xfd:zstd' '\x1f\x8b\x08:gzip'; do
		tool=${magic##*:}
		while read -r off; do
			tail -c "+$((off + 1))" "$in" | "$tool" -dcq >"$out" 2>/dev/null || true
			[ "$(head -c 4 "$out" | od -An -c | tr -d ' ')" = '177ELF' ] && return 0
		done < <(LC_ALL=C grep -obUaP "${magic%:*}" "$in" | cut -d: -f1)
	done
	rm -f "$out"
	die "no ELF kernel found inside $in"
}

# The initramfs: busybox, qemu-init.sh as /init, and the modules that
# mount the host's / (virtio PCI, 9p, overlayfs) with what they need, in
# load order (modules.dep lists a module's dependencies so that the last
# loads first).  Rebuilt for every run of this script: it takes
# milliseconds.
make_initrd() {
	local dir=$cache/initrd.$$.d base=$cache/$kver/lib/modules/$kver m
	rm -rf "$dir"
	mkdir -p "$dir/bin" "$dir/modules" "$dir/proc" "$dir/sys" "$dir/dev"
	cp /bin/busybox "$dir/bin/busybox"
	ln -s busybox "$dir/bin/sh"
	cp "$here/qemu-init.sh" "$dir/init"
	chmod 755 "$dir/init"
	awk -v want="virtio_pci 9pnet_virtio 9p overlay" '
		function name(p) { sub(/.*\//, "", p); sub(/\.ko.*$/, "", p); return p }
		{ sub(/:$/, "", $1); path[name($1)] = $1; line[name($1)] = $0 }
		END {
			n = split(want, w, " ")
			for (i = 1; i <= n; i++) {
				k = split(line[w[i]], f, " ")
				if (k == 0) { print "missing " w[i] > "/dev/stderr"; exit 1 }
				for (j = k; j >= 2; j--) emit(name(f[j]))
				emit(w[i])
			}
		}
		function emit(m) { if (!(m in done)) { done[m] = 1; print path[m] } }
	' "$base/modules.dep" >"$dir/modules/list" || die "modules.dep of $kver lacks what mounts 9p"
	while read -r m; do
		cp "$base/$m" "$dir/modules/"
		m=${m##*/}
		echo "${m%.ko}" >>"$dir/modules/order"
	done <"$dir/modules/list"
	rm "$dir/modules/list"
	(cd "$dir" && find . | /bin/busybox cpio -o -H newc 2>/dev/null) >"$initrd"
	rm -rf "$dir"
}

# The newest kernel already unpacked here, if any.
cached_version() {
	find "$cache" -mindepth 2 -maxdepth 2 -name .complete -printf '%h\n' 2>/dev/null |
		sed 's|.*/||' | sort -V | tail -n 1
}

kver=$(kernel_version)
# A download that fails may come from an old package list (the archive
# keeps only the newest kernel): update it once, as root, and try again;
# offline, a kernel unpacked before will do.
if ! fetch_kernel; then
	if [ "$(id -u)" -eq 0 ] && [ -z "${TUNSH_QEMU_KERNEL:-}" ] &&
		echo "qemu.sh: apt-get update, then again" >&2 &&
		apt-get update -q >/dev/null 2>&1 &&
		kver=$(kernel_version) && fetch_kernel; then
		:
	elif [ -z "${TUNSH_QEMU_KERNEL:-}" ] && [ -n "$(cached_version)" ]; then
		kver=$(cached_version)
		echo "qemu.sh: cannot fetch a kernel, using $kver from before" >&2
	else
		die "apt-get download linux-image-$kver failed"
	fi
fi
initrd=$cache/initrd.$$.cpio
trap 'rm -f "$initrd"' EXIT
vmlinux=${TUNSH_QEMU_IMAGE:-$cache/$kver/boot/vmlinux-$kver}
modules=$cache/$kver/lib/modules/$kver
[ -f "$vmlinux" ] || die "$vmlinux missing"
make_initrd

# --- guests ----------------------------------------------------------

# One -fsdev per host directory: / read-only, TUNSH_RW read-write in
# order (tags rw0, rw1...).  multidevs=remap: the host's / spans several
# filesystems, whose inode numbers would otherwise collide in the guest.
# shellcheck disable=SC2054 # commas within -fsdev's option list
fsdevs=(-fsdev "local,id=hostroot,path=/,security_model=passthrough,readonly=on,multidevs=remap"
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot)
i=0
for d in $rw; do
	fsdevs+=(-fsdev "local,id=rw$i,path=$d,security_model=passthrough,multidevs=remap"
		-device "virtio-9p-pci,fsdev=rw$i,mount_tag=rw$i")
	i=$((i + 1))
done

# Boots one guest and waits for it; writes the verdict line to
# $res/verdict.  qemu runs in a session of its own (setsid), so its
# process id is its group id; what outlives the limit is ended by group.
run_one() {
	local path=$1 name=$2
	local res=$results/$name pid t0 t1 deadline peak=0 kb timed_out=''
	rm -rf "$res"
	mkdir -p "$res"
	{
		echo "TUNSH_SCENARIO=$path"
		echo "TUNSH_RESULT=$res"
		echo "TUNSH_RW='$rw'"
		echo "TUNSH_EXTRA=$extra"
		echo "TUNSH_BUILD=$build"
		echo "TUNSH_TOP=$top"
		echo "TUNSH_MODULES=$modules"
		echo "TUNSH_INIT=$here/qemu-init.sh"
		echo "TUNSH_TIMEOUT=$((limit > 30 ? limit - 15 : limit * 2 / 3))"
	} >"$res/job"
	t0=$(now)
	# -cpu max: TCG's fullest CPU (AES-NI, RDRAND...).  -nodefaults and
	# -nic none: only the serial console (to a file) and the 9p shares.
	# -no-reboot: the guest's poweroff, a panic (panic=-1) or a triple
	# fault ends qemu.
	setsid "$qemu" -accel tcg,tb-size=64 -M pc -cpu max -smp 1 -m "$mem" \
		-nodefaults -no-user-config -display none -no-reboot -nic none \
		-serial "file:$res/console" \
		-kernel "$vmlinux" -initrd "$initrd" \
		-append "console=ttyS0 loglevel=4 panic=-1 mitigations=off tsc=reliable random.trust_cpu=on tunsh_job=$res/job" \
		"${fsdevs[@]}" \
		</dev/null >"$res/qemu.out" 2>&1 &
	pid=$!
	current=$pid
	deadline=$(awk -v a="$t0" -v l="$limit" 'BEGIN { printf "%d", a + l }')
	while kill -0 "$pid" 2>/dev/null; do
		kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || kb=0
		[ "${kb:-0}" -le "$peak" ] || peak=$kb
		if [ "${EPOCHSECONDS}" -ge "$deadline" ]; then
			timed_out=1
			kill -TERM "$pid" 2>/dev/null || true
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.5
			done
			break
		fi
		sleep 0.25
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	t1=$(now)

	local boot='?' scen='?'
	[ ! -f "$res/first" ] ||
		boot=$(awk -v a="$t0" -v b="$(stat -c %.6Y "$res/first")" 'BEGIN { printf "%.2f", b - a }')
	[ ! -f "$res/times" ] ||
		scen=$(awk '$1 == "start" { s = $2 } $1 == "end" { printf "%.1f", $2 - s }' "$res/times")
	vm_verdict "$res" "$name $(span "$t0" "$t1")s (qemu, boot ${boot}s, scenario ${scen}s, host RAM peak $((peak / 1024)) MB)" "$timed_out"
	current=
}

# Ctrl-C or a TERM from ctest: end the running guest's group.
current=
cleanup() {
	[ -z "$current" ] || kill -TERM -- "-$current" 2>/dev/null || true
	sleep 1
	[ -z "$current" ] || kill -KILL -- "-$current" 2>/dev/null || true
}
trap 'cleanup; exit 130' INT TERM

for ((i = 0; i < ${#paths[@]}; i++)); do
	run_one "${paths[$i]}" "${names[$i]}"
done
vm_host_report vm-qemu qemu.out
