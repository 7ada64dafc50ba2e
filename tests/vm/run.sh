#!/usr/bin/env bash
# tests/vm/run.sh: runs scenarios in user-mode-linux guests, one guest per
# scenario, because the build machines' kernel has no ESP.  The guest sees
# the host's / read-only (hostfs under a tmpfs overlay, see init.sh) and
# the build directory read-write at the same path, so host-built binaries
# run unchanged and scenarios leave their logs there.  Prints one PASS/FAIL
# line per scenario, the scenario's log when it fails, and exits 1 if any
# failed.  See tests/vm/README.md and /work/shared/docs/real-kernel.md.
set -euo pipefail

usage() {
	cat <<EOF
usage: $0 [-j N] [-b BUILD] [-o RESULTS] [-t SECONDS] [-m MEM] SCENARIO...
  SCENARIO   a script path, or a name in tests/vm/scenarios/ (.sh optional)
  -j N       guests at once, each pinned to one CPU (default 1)
  -b BUILD   build directory, mounted read-write (\$TUNSH_BUILD, default
             <repo>/build)
  -o DIR     results (default BUILD/vm-results); one directory per scenario
  -t SECONDS host-side limit per guest (\$TUNSH_VM_TIMEOUT, default 120)
  -m MEM     guest RAM (\$TUNSH_VM_MEM, default 128M; 96M is the floor)
Environment: TUNSH_UML (default /usr/bin/linux.uml), TUNSH_VM_TMPDIR
(where UML keeps guest RAM), TUNSH_VM_EXTRA (a directory laid over the
guest's /, default BUILD/vm-extra/root when it exists; pluto_* scenarios
also get BUILD/vm-libreswan/root, from fetch-libreswan.sh, on top).
EOF
	exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${TUNSH_BUILD:-$top/build}
results=
jobs=1
limit=${TUNSH_VM_TIMEOUT:-120}
mem=${TUNSH_VM_MEM:-128M}
uml=${TUNSH_UML:-/usr/bin/linux.uml}

while getopts j:b:o:t:m:h opt; do
	case $opt in
	j) jobs=$OPTARG ;;
	b) build=$OPTARG ;;
	o) results=$OPTARG ;;
	t) limit=$OPTARG ;;
	m) mem=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || usage
[[ $jobs =~ ^[1-9][0-9]*$ ]] || usage
[[ $limit =~ ^[1-9][0-9]*$ ]] || usage
[[ $mem =~ ^[1-9][0-9]*M$ ]] || usage

die() { echo "run.sh: $*" >&2; exit 2; }

[ -x "$uml" ] || die "$uml missing (Debian package user-mode-linux)"
[ -x /bin/busybox ] || die "/bin/busybox missing (package busybox-static)"
# shellcheck source=SCRIPTDIR/host.sh
. "$here/host.sh"
vm_host_paths

# UML keeps guest RAM in an unlinked file in $TMPDIR that it maps
# executable: a noexec or too small filesystem makes the guest die early.
mem_mb=${mem%M}
pick_tmpdir() {
	local d avail
	for d in ${TUNSH_VM_TMPDIR:-} /dev/shm /var/tmp "$build/vm-tmp"; do
		mkdir -p "$d" 2>/dev/null || continue
		[ -w "$d" ] || continue
		findmnt -no OPTIONS -T "$d" | grep -qw noexec && continue
		avail=$(df -Pm "$d" | awk 'NR == 2 { print $4 }')
		[ "${avail:-0}" -gt $((mem_mb * jobs + 64)) ] || continue
		echo "$d"
		return 0
	done
	return 1
}
ramdir=$(pick_tmpdir) || die "no exec-able directory with room for guest RAM; set TUNSH_VM_TMPDIR"

# The CPUs this process may use; guest n is pinned to the n-th.  One CPU
# per guest: UML is a ptrace loop between host processes, about twice as
# slow when they migrate between CPUs.
mapfile -t cpus < <(taskset -pc $$ | sed 's/.*: //' | tr ',' '\n' |
	awk -F- '{ e = NF > 1 ? $2 : $1; for (c = $1; c <= e; c++) print c }')
[ "${#cpus[@]}" -gt 0 ] || die "cannot read the CPU affinity list"

# Resolve scenario arguments to readable scripts with unique names.
declare -a paths names
vm_host_scenarios "$here/scenarios" "$@"


# Proportional set size of every process in a group, in kB: guest RAM is
# one shared mapping, Pss counts it once across UML's host processes.
group_pss() {
	local pids
	pids=$(pgrep -g "$1" 2>/dev/null) || { echo 0; return; }
	# One awk for all: smaps_rollup takes each UML process's mmap lock,
	# which the guest needs for every fault it serves.
	# shellcheck disable=SC2046 # one path per process
	awk '/^Pss:/ { t += $2; nextfile } END { print t + 0 }' \
		$(printf '/proc/%s/smaps_rollup ' $pids) 2>/dev/null || echo 0
}

# Boots one guest and waits for it; writes the verdict line to
# $res/verdict.  UML calls setsid() itself; we start it with setsid so
# its process id is also its group id, whatever it does, and end the
# group (only ours) if it outlives its limit or leaves helpers behind.
run_one() {
	local path=$1 name=$2 cpu=$3
	local res=$results/$name pid t0 t1 deadline peak=0 kb timed_out='' umldir
	rm -rf "$res"
	mkdir -p "$res"
	{
		echo "TUNSH_SCENARIO=$path"
		echo "TUNSH_RESULT=$res"
		echo "TUNSH_RW='$rw'"
		# libreswan (fetch-libreswan.sh) only under pluto_* scenarios:
		# its /usr/sbin/ipsec and /etc/ipsec.conf would replace
		# strongSwan's for the others.
		if [[ $name == pluto_* && -d $build/vm-libreswan/root ]]; then
			echo "TUNSH_EXTRA='$build/vm-libreswan/root $extra'"
		else
			echo "TUNSH_EXTRA='$extra'"
		fi
		echo "TUNSH_BUILD=$build"
		echo "TUNSH_TOP=$top"
		# The guest stops the scenario first so its log says so.
		echo "TUNSH_TIMEOUT=$((limit > 30 ? limit - 15 : limit * 2 / 3))"
	} >"$res/job"
	# A directory of our own for UML's umid (pid file, mconsole
	# socket): a guest ended by TERM leaves it behind.
	umldir=$(mktemp -d "$umlbase/XXXXXX")
	t0=$(now)
	# con=null ssl=null: no terminals; con0's output (kernel messages
	# and init's own) goes to fd 3, a file, because UML makes the fds it
	# is given non-blocking and a shared stdout would break the caller.
	# uml_dir: not $HOME/.uml, which may be read-only or shared.
	TMPDIR=$ramdir setsid taskset -c "$cpu" "$uml" \
		mem="$mem" rootfstype=hostfs rootflags=/ ro \
		init="$here/init.sh" con=null ssl=null con0=null,fd:3 \
		uml_dir="$umldir" \
		tunsh_job="$res/job" \
		3>"$res/console" </dev/null >"$res/uml.out" 2>&1 &
	pid=$!
	deadline=$(awk -v a="$t0" -v l="$limit" 'BEGIN { printf "%d", a + l }')
	# RAM every 2 s (each sample costs the guest: see group_pss), the
	# end of the guest every 0.25 s.
	local tick=0
	while kill -0 "$pid" 2>/dev/null; do
		if [ $((tick++ % 8)) = 0 ]; then
			kb=$(group_pss "$pid")
			[ "$kb" -le "$peak" ] || peak=$kb
		fi
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
	wait "$pid" 2>/dev/null || true
	t1=$(now)
	# SIGKILL to the main process alone leaves UML's helpers running.
	if pgrep -g "$pid" >/dev/null 2>&1; then
		kill -TERM -- "-$pid" 2>/dev/null || true
		sleep 0.5
		kill -KILL -- "-$pid" 2>/dev/null || true
	fi
	rm -rf "$umldir"

	local boot='?' scen='?'
	if [ -f "$res/times" ]; then
		boot=$(awk -v t0="$t0" '$1 == "first" { printf "%.2f", $2 - t0 }' "$res/times")
		scen=$(awk '$1 == "start" { s = $2 } $1 == "end" { printf "%.1f", $2 - s }' "$res/times")
	fi
	vm_verdict "$res" "$name $(span "$t0" "$t1")s (boot ${boot}s, scenario ${scen}s, host RAM peak $((peak / 1024)) MB, cpu $cpu)" "$timed_out"
}

# next_scenario: the index of the next scenario nobody took yet, from a
# counter under a lock; nothing when all are taken.  Slots take work as
# they free up, so a long scenario does not hold up those queued behind
# it in a fixed share (callers list the long ones first).
next_scenario() {
	local fd i
	exec {fd}>>"$umlbase/queue.lock"
	flock "$fd"
	i=$(cat "$umlbase/queue" 2>/dev/null || echo 0)
	echo $((i + 1)) >"$umlbase/queue"
	flock -u "$fd"
	exec {fd}>&-
	[ "$i" -lt "${#paths[@]}" ] && echo "$i"
	return 0
}

# Slot k runs scenarios from the queue on cpus[k mod CPUs]: with more
# slots than CPUs, guests share a CPU but never migrate between CPUs.
slot() {
	local k=$1 i
	while i=$(next_scenario) && [ -n "$i" ]; do
		run_one "${paths[$i]}" "${names[$i]}" "${cpus[$((k % ${#cpus[@]}))]}"
	done
}

umlbase=$(mktemp -d "$ramdir/tunsh-vm.XXXXXX")
pids=()
for ((k = 0; k < jobs; k++)); do
	slot "$k" &
	pids+=($!)
done
# Ctrl-C or a TERM from ctest: the slots' guests are their own groups,
# so end them explicitly; each slot is a subshell we started.
cleanup() {
	local p g groups=()
	for p in "${pids[@]}"; do
		for g in $(pgrep -P "$p" 2>/dev/null); do
			kill -TERM -- "-$g" 2>/dev/null && groups+=("$g")
		done
		kill -TERM "$p" 2>/dev/null || true
	done
	# TERM shuts a guest down cleanly in well under a second; what is
	# left after 3 s gets KILL, group by group.
	for _ in 1 2 3 4 5 6; do
		for g in "${groups[@]}"; do
			pgrep -g "$g" >/dev/null && break
			g=
		done
		[ -n "${g:-}" ] || break
		sleep 0.5
	done
	for g in "${groups[@]}"; do
		kill -KILL -- "-$g" 2>/dev/null || true
	done
}
trap 'rm -rf "$umlbase"' EXIT
trap 'cleanup; exit 130' INT TERM
wait "${pids[@]}" || true

vm_host_report vm uml.out
