#!/usr/bin/env bash
# Output filters through the real tunshd (issue 12): every filter by every
# unique prefix, RUNS times each (20), prints exactly what its full name prints
# (libcli's own filters printed nothing or everything for a prefix, at
# random); unknown filters are refused with the names and exit 1.
set -euo pipefail
bin=$1
runs_each=${RUNS:-20}
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=SCRIPTDIR/scratch.sh
. "$top/tests/integration/scratch.sh"

start_example

runs=0
for stage in 'include ipsec' 'exclude ipsec' 'begin ^vlan' \
	'section ipsec tunnel aws-2' 'count ipsec'; do
	name=${stage%% *} rest=${stage#* }
	want=$(tunsh -c "show running-config | $stage")
	[ -n "$want" ] || fail "$stage: no output"
	for len in $(seq 1 ${#name}); do
		for _ in $(seq "$runs_each"); do
			got=$(tunsh -c "show running-config | ${name:0:len} $rest")
			runs=$((runs + 1))
			[ "$got" = "$want" ] ||
				fail "| ${name:0:len} $rest gave $(wc -l <<<"$got") lines, | $stage $(wc -l <<<"$want")"
		done
	done
done
# What the full names print, checked once against the file.
[ "$(tunsh -c 'show running-config | include ^ipsec')" = \
	"$(tunsh -c 'show running-config' | grep -E '^ipsec')" ] ||
	fail "include ^ipsec"
[ "$(tunsh -c 'show running-config | count ^ipsec')" = 3 ] ||
	fail "count ^ipsec: $(tunsh -c 'show running-config | count ^ipsec')"
tunsh -c 'show running-config | section ipsec tunnel aws-2' |
	head -1 | grep -qx 'ipsec tunnel aws-2' || fail "section ipsec tunnel aws-2"

rc=0
tunsh -c 'show running-config | grep ipsec' >"$dir/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "unknown filter: exit $rc"
grep -q 'unknown filter "grep": give begin, count, exclude, include or section' \
	"$dir/out" || fail "unknown filter: $(cat "$dir/out")"
echo "filters: $runs runs by prefix, all as the full name"
