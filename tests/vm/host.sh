# shellcheck shell=bash
# shellcheck disable=SC2154 # top, here, build, results and limit: the caller's
# tests/vm/host.sh: what the host sides of run.sh (UML) and qemu.sh share:
# the paths a guest mounts and the scenarios it runs.  Sourced; the caller
# has set top, here and build (and results, empty for the default) and
# defined die.

# Paths travel on the kernel command line (split at spaces), in a sourced
# job file and in comma-separated option lists (mount, -fsdev): allow
# only plain names.
safe_path() {
	[[ $1 =~ ^/[A-Za-z0-9._/+-]*$ ]] ||
		die "path '$1' has characters a guest mount cannot take (comma, space, quote...)"
}

# vm_verdict RES WHAT TIMED_OUT: the verdict of one guest from its
# status file in RES (0 PASS, 124 its scenario timed out, none: the
# guest never said), WHAT the name and figures; TIMED_OUT non-empty when
# the host killed it (after $limit s).  Printed and kept in RES/verdict.
vm_verdict() {
	local res=$1 line=$2 st
	st=$(cat "$res/status" 2>/dev/null || true)
	if [ -n "$3" ]; then
		line="FAIL $line: guest killed after ${limit}s"
	elif [ -z "$st" ]; then
		line="FAIL $line: no status from the guest"
	elif [ "$st" = 0 ]; then
		line="PASS $line"
	elif [ "$st" = 124 ]; then
		line="FAIL $line: scenario timed out in the guest"
	else
		line="FAIL $line: exit $st"
	fi
	echo "$line" >"$res/verdict"
	echo "$line"
}

# vm_host_paths: makes build and results absolute, picks extra (a
# directory laid over the guest's /), and sets rw, the host directories
# the guest mounts read-write.
vm_host_paths() {
	[ -d "$build" ] || die "build directory $build does not exist"
	build=$(cd "$build" && pwd -P)
	results=${results:-$build/vm-results}
	mkdir -p "$results"
	results=$(cd "$results" && pwd -P)
	extra=${TUNSH_VM_EXTRA-}
	if [ -z "${TUNSH_VM_EXTRA+set}" ] && [ -d "$build/vm-extra/root" ]; then
		extra=$build/vm-extra/root
	fi
	safe_path "$build"
	safe_path "$results"
	safe_path "$here"
	[ -z "$extra" ] || safe_path "$extra"
	rw=$build
	[[ $results/ == "$build"/* ]] || rw="$rw $results"
	# A checkout under /tmp, /run or /dev (a CI clone, say) is invisible
	# in the guest, which mounts fresh ones there: mount it too, first,
	# so that the scenarios, lib.sh and init.sh are found.
	case $top in
	/tmp/* | /run/* | /dev/*) rw="$top $rw" ;;
	esac
}

# vm_host_scenarios "DIR..." ARG...: each ARG a script path or a name in
# one of the DIRs (.sh optional), into paths[] and names[], unique.
vm_host_scenarios() {
	local dirs=$1 arg p d n m
	shift
	paths=()
	names=()
	for arg in "$@"; do
		p=$arg
		for d in $dirs; do
			[ -f "$p" ] || p=$d/$arg
			[ -f "$p" ] || p=$d/$arg.sh
		done
		[ -f "$p" ] || die "no scenario '$arg'"
		p=$(cd "$(dirname "$p")" && pwd -P)/$(basename "$p")
		safe_path "$p"
		# The guest mounts fresh /tmp, /run and /dev: host files there
		# are invisible to it unless they lie under a read-write mount.
		case $p in
		/tmp/* | /run/* | /dev/*)
			[[ " $rw " == *" ${p%/*} "* || $p == "$build"/* ||
				$p == "$results"/* ||
				" $rw " == *" $top "* && $p == "$top"/* ]] ||
				die "scenario $p: the guest cannot see host files under /tmp, /run or /dev"
			;;
		esac
		n=$(basename "$p" .sh)
		for m in "${names[@]}"; do
			[ "$m" != "$n" ] || die "scenario $n given twice"
		done
		paths+=("$p")
		names+=("$n")
	done
}

# vm_host_report LABEL OUTPUT: each failed scenario's log (and, when the
# guest never reported, its console and the runner's OUTPUT file), then
# the tally; false if any failed.
vm_host_report() {
	local label=$1 output=$2 fails=0 n res v
	for n in "${names[@]}"; do
		res=$results/$n
		v=$(cat "$res/verdict" 2>/dev/null || echo "FAIL $n: no verdict")
		case $v in
		PASS*) ;;
		*)
			fails=$((fails + 1))
			echo "---- $n: scenario log ($res/log)"
			cat "$res/log" 2>/dev/null || echo "(none)"
			if [ ! -f "$res/status" ]; then
				echo "---- $n: guest console, last 40 lines ($res/console)"
				tail -n 40 "$res/console" 2>/dev/null || true
				tail -n 20 "$res/$output" 2>/dev/null || true
			fi
			;;
		esac
	done
	echo "$label: $((${#names[@]} - fails)) passed, $fails failed (results in $results)"
	[ "$fails" -eq 0 ]
}

now() { echo "$EPOCHREALTIME"; }
# Seconds between two EPOCHREALTIME-style stamps, one decimal.
span() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
