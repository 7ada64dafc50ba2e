#!/usr/bin/env bash
# tests/vm/qemu_check.sh [BUILD]: the ctest entry for the qemu scenarios
# (tests/vm/qemu-scenarios/*.sh, Debian's amd64 kernel: XFRM interfaces,
# which user-mode-linux lacks).  Runs them with qemu.sh, which fetches
# the kernel package once into BUILD/vm-qemu.  Exits 77 (ctest's skip)
# when this machine cannot run guests (not root, or no qemu-system-x86_64),
# but only outside CI: with CI set, a missing piece is a failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-${TUNSH_BUILD:-$here/../../build}}
qemu=${TUNSH_QEMU:-qemu-system-x86_64}

missing=()
[ "$(id -u)" -eq 0 ] || missing+=("root (the guests' network setup and results need it)")
command -v "$qemu" >/dev/null || missing+=("$qemu (package qemu-system-x86)")
if [ ${#missing[@]} -gt 0 ]; then
	case ${CI:-} in
	'' | false | 0)
		echo "vm-qemu: skipped, missing: ${missing[*]}"
		exit 77
		;;
	*)
		echo "vm-qemu: CI=$CI and missing: ${missing[*]}" >&2
		exit 1
		;;
	esac
fi

shopt -s nullglob
scenarios=("$here"/qemu-scenarios/*.sh)
[ ${#scenarios[@]} -gt 0 ] || { echo "vm-qemu: no scenarios in $here/qemu-scenarios" >&2; exit 1; }
exec "$here/qemu.sh" -b "$build" "${scenarios[@]}"
