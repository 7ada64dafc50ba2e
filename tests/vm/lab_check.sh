#!/usr/bin/env bash
# tests/vm/lab_check.sh BUILD: the README's lab works: through
# scripts/lab.sh, the example configuration's branch-1 is up against
# strongSwan, a ping crossed it, and show ipsec tunnel says so.
# 77 without root or UML outside CI (like check.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: lab_check.sh BUILD}
if [ ! -x /usr/bin/linux.uml ] || [ "$(id -u)" -ne 0 ]; then
	[ "${CI:-}" = true ] && { echo "lab_check: no UML or not root in CI" >&2; exit 1; }
	exit 77
fi
out=$(echo "show ipsec tunnel branch-1" | "$top/scripts/lab.sh" "$build" 2>&1) ||
	{ echo "lab_check: the lab failed:"; echo "$out"; exit 1; } >&2
grep -q "3 of 3 answered" <<<"$out" || { echo "lab_check: no ping crossed: $out" >&2; exit 1; }
grep -Eq "State: +up" <<<"$out" || { echo "lab_check: branch-1 not up: $out" >&2; exit 1; }
echo "lab_check: branch-1 up, pings crossed"
