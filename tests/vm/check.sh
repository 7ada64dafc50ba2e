#!/usr/bin/env bash
# tests/vm/check.sh [BUILD]: the ctest entry for the VM scenarios.  Runs
# every tests/vm/scenarios/*.sh, two guests at a time (one per CPU), and
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
scenarios=("$here"/scenarios/*.sh)
[ ${#scenarios[@]} -gt 0 ] || { echo "vm: no scenarios in $here/scenarios" >&2; exit 1; }
# pluto_* scenarios need libreswan, which cannot be installed next to
# strongSwan: fetched once into BUILD/vm-libreswan (from Debian's archive,
# the first time only).  Offline, those scenarios fail saying so.
"$here/fetch-libreswan.sh" "$build" ||
	echo "vm: fetch-libreswan.sh failed: the pluto_* scenarios will fail" >&2
# 180 s a guest: dpd takes 100 s when the host is idle, and a busy host
# (two runs at once) pushed it past 120.
exec "$here/run.sh" -j 2 -t "${TUNSH_VM_TIMEOUT:-180}" -b "$build" "${scenarios[@]}"
