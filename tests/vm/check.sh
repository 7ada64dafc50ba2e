#!/usr/bin/env bash
# tests/vm/check.sh [BUILD]: the ctest entry for the VM scenarios.  Runs
# every tests/vm/scenarios/*.sh and the package's install test, two
# guests at a time (one per CPU), longest first, and
# exits with run.sh's status.  Exits 77 (ctest's skip) when this machine
# cannot run guests (not root, or no /usr/bin/linux.uml), but only
# outside CI: with CI set, a missing piece is a failure, so a broken CI
# image cannot pass by skipping.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-${TUNSH_BUILD:-$here/../../build}}
uml=${TUNSH_UML:-/usr/bin/linux.uml}

missing=()
[ "$(id -u)" -eq 0 ] || missing+=("root (the guests' network setup and results need it)")
[ -x "$uml" ] || missing+=("$uml (package user-mode-linux)")
if [ ${#missing[@]} -gt 0 ]; then
	case ${CI:-} in
	'' | false | 0)
		echo "vm: skipped, missing: ${missing[*]}"
		exit 77
		;;
	*)
		echo "vm: CI=$CI and missing: ${missing[*]}" >&2
		exit 1
		;;
	esac
fi

shopt -s nullglob
all=("$here"/scenarios/*.sh)
[ ${#all[@]} -gt 0 ] || { echo "vm: no scenarios in $here/scenarios" >&2; exit 1; }
# The longest first (a CI run's order of durations), so that the queue
# ends with short ones filling the slots; the rest after them.
slow=(commit_classes pluto_dpd dpd diagnose per_pair fragmentation reneg_commit
	pluto_rekey_by_tunsh nat_rebind reneg_rollback pluto_per_pair rekey
	charon_pair pluto_rekey_short_lifetimes rekey_by_tunsh
	pluto_fragmentation pluto_suites metrics)
scenarios=()
for n in "${slow[@]}"; do
	[ -f "$here/scenarios/$n.sh" ] && scenarios+=("$here/scenarios/$n.sh")
done
for f in "${all[@]}"; do
	[[ " ${slow[*]} " == *" $(basename "$f" .sh) "* ]] || scenarios+=("$f")
done
# The Debian package installed, run and purged (scripts/package.sh
# builds it into dist/ first, as scripts/test.sh does): in the same
# queue, second, as it is among the longest.  In CI it must be there.
top=$(cd "$here/../.." && pwd)
debs=("$top"/dist/tunsh_*.deb)
if [ ${#debs[@]} -gt 0 ]; then
	scenarios=("${scenarios[0]}" "$here/package/package_install.sh" "${scenarios[@]:1}")
else
	case ${CI:-} in
	'' | false | 0)
		echo "vm: no dist/tunsh_*.deb: package_install not run (scripts/package.sh builds it)" ;;
	*)
		echo "vm: CI=$CI and no dist/tunsh_*.deb: run scripts/package.sh first" >&2
		exit 1 ;;
	esac
fi
# pluto_* scenarios need libreswan, which cannot be installed next to
# strongSwan: fetched once into BUILD/vm-libreswan (from Debian's archive,
# the first time only).  Offline, those scenarios fail saying so.
"$here/fetch-libreswan.sh" "$build" ||
	echo "vm: fetch-libreswan.sh failed: the pluto_* scenarios will fail" >&2
# Two guests, one per CPU: a UML guest is CPU-bound (ptrace), so a third
# on two CPUs gains nothing and slows each.  300 s a guest, a bound, not
# a wait: package_install takes 180 s on a busy host, dpd 130.
exec "$here/run.sh" -j "${TUNSH_VM_JOBS:-2}" -t "${TUNSH_VM_TIMEOUT:-300}" -b "$build" "${scenarios[@]}"
