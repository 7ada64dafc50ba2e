#!/usr/bin/env bash
# tunshd.service as systemd reads it (issue 15): systemd-analyze verify
# finds nothing wrong (its programs exist, its man pages are there), and
# systemd-analyze security rates its exposure 3.0 or less.  The unit is
# the one cmake configured into the build directory, with its ExecStart
# paths pointed at this build's tunshd.
set -euo pipefail
build=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v systemd-analyze >/dev/null || fail "no systemd-analyze (package systemd)"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

sbin=$(sed -n 's#^ExecStart=\(/[^ ]*\)/tunshd .*#\1#p' "$build/tunshd.service")
[ -n "$sbin" ] || fail "$build/tunshd.service has no ExecStart=.../tunshd"
sed "s#$sbin/tunshd#$build/shell/tunshd#" "$build/tunshd.service" >"$dir/tunshd.service"
for page in "$top"/man/*.[0-9]; do
	mkdir -p "$dir/man/man${page##*.}"
	cp "$page" "$dir/man/man${page##*.}/"
done
out=$(MANPATH=$dir/man systemd-analyze verify "$dir/tunshd.service" 2>&1) ||
	fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify: $out"

out=$(systemd-analyze security --offline=true --threshold=30 \
	"$dir/tunshd.service" 2>&1) || fail "exposure over 3.0: $out"
level=$(sed -n 's/.*Overall exposure level for tunshd.service: \([0-9.]*\).*/\1/p' <<<"$out")
[ -n "$level" ] || fail "no exposure level in: $out"
echo "unit_check: verify clean, exposure $level"
