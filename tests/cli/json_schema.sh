#!/usr/bin/env bash
# Every json form of every show command, from the real tunshd over its
# socket, against its schema in tests/cli/schema/ (issue 12 item 7;
# tunsh(1), JSON): times as epoch seconds, null for what is absent, each
# key of its type.  First it shows that the checker refuses a wrong type,
# so that a broken checker cannot pass everything.  Root (a network
# namespace of its own); 77 otherwise.  KEEP=DIR keeps the documents.
set -euo pipefail
bin=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
schema=$top/tests/cli/schema
check=$top/tests/cli/json_check.py
# Debian's python3 (the json module only); a version manager's shim in
# PATH costs a second a call, and this runs the checker 40 times.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
if [ "$(id -u)" != 0 ]; then
	echo "json_schema: needs root for its network namespace" >&2
	exit 77
fi
# shellcheck source=SCRIPTDIR/../integration/scratch.sh
. "$top/tests/integration/scratch.sh"

# The checker itself: a right document passes, a wrong type, a missing
# key and "-" for an absent value each fail.
printf '[ { "name": "wan1", "address": null, "gateway": "203.0.113.1", "tunnels": 1 } ]\n' >"$dir/good"
"$py" "$check" "$schema/show_interfaces.json" "$dir/good" ||
	fail "the checker refuses a right document"
for bad in '"tunnels": "1"' '"tunnels": true' '"address": "-", "tunnels": 1' \
	'"address": "", "tunnels": 1'; do
	sed "s/\"tunnels\": 1/$bad/" "$dir/good" >"$dir/bad"
	cmp -s "$dir/good" "$dir/bad" && fail "the test's own edit did nothing: $bad"
	"$py" "$check" "$schema/show_interfaces.json" "$dir/bad" 2>/dev/null &&
		fail "the checker takes a wrong document: $(cat "$dir/bad")"
done
sed 's/"gateway": "203.0.113.1", //' "$dir/good" >"$dir/bad"
"$py" "$check" "$schema/show_interfaces.json" "$dir/bad" 2>/dev/null &&
	fail "the checker takes a document without a key"

start_example
# Two commits, so that history, rollback and compare have something.
tunsh -c 'configure; ipsec tunnel branch-1; dpd timeout 20; commit comment one' >/dev/null ||
	fail "first commit"
tunsh -c 'configure; vlan 40; name guests; commit' >/dev/null || fail "second commit"

# "command|schema": every json form, exec mode and configure mode.
forms=(
	"show version json|show_version"
	"show users json|show_users"
	"show log json|show_log"
	"show log lines 5 json|show_log"
	"show interfaces json|show_interfaces"
	"show vlans json|show_vlans"
	"show running-config json|show_running-config"
	"show running-config ipsec tunnel branch-1 json|show_running-config"
	"show configuration history json|show_configuration_history"
	"show configuration rollback 1 json|show_running-config"
	"show configuration rollback 1 compare 0 json|show_compare"
	"show ipsec tunnel json|show_ipsec_tunnel"
	"show ipsec tunnel branch-1 detail json|show_ipsec_tunnel"
	"show ipsec tunnel brief json|show_ipsec_tunnel_brief"
	"show ipsec tunnel aws-1 brief json|show_ipsec_tunnel_brief"
	"show ipsec sa json|show_ipsec_sa"
	"show ipsec sa detail json|show_ipsec_sa"
	"show ipsec dpd json|show_ipsec_dpd"
	"show ipsec counters json|show_ipsec_counters"
	"diagnose ipsec tunnel branch-1 json|diagnose_ipsec_tunnel"
	"configure; ipsec tunnel branch-1; dpd timeout 30; show compare json; discard|show_compare"
	"configure; ipsec tunnel branch-1; dpd timeout 30; show json; discard|show_running-config"
)
# Defects of files outside this test's branch, reported to be fixed
# there: "command|the checker's exact complaint".  Such a form must fail
# with that complaint and no other, and once it is fixed the test fails
# until its line here goes: an exception cannot outlive its defect.
known=()
n=0
for f in "${forms[@]}"; do
	cmd=${f%|*} s=${f##*|}
	tunsh -c "$cmd" >"$dir/doc" 2>"$dir/err" || fail "$cmd: $(cat "$dir/err")"
	[ -s "$dir/doc" ] || fail "$cmd: no output"
	[ -n "${KEEP:-}" ] && cp "$dir/doc" "$KEEP/$n.json"
	n=$((n + 1))
	want=
	for k in "${known[@]}"; do
		[ "${k%%|*}" = "$cmd" ] && want=${k#*|}
	done
	if "$py" "$check" "$schema/$s.json" "$dir/doc" 2>"$dir/why"; then
		[ -z "$want" ] && continue
		fail "$cmd fits $s.json now: remove it from known"
	fi
	[ -n "$want" ] && [ "$(cat "$dir/why")" = "$want" ] &&
		echo "json_schema: known defect: $cmd: $want" && continue
	fail "$cmd does not fit $s.json: $(cat "$dir/why")
$(cat "$dir/doc")"
done
# The brief form through the daemon too: a name longer than its 12
# columns keeps 11 and a '~', and its JSON keeps it whole.
tunsh -c 'configure; ipsec tunnel branch-with-a-long-name; wan-port wan1; remote-address 198.51.100.20; pre-shared-key a-long-random-key-0123456789; local-network vlan 20; remote-network 172.18.0.0/16; commit' \
	>"$dir/out" 2>&1 || fail "commit of a long name: $(cat "$dir/out")"
out=$(tunsh -c 'show ipsec tunnel brief')
grep -q '^branch-with~ 198\.51\.100\.20   ' <<<"$out" || fail "long name not cut: $out"
awk 'length > 80 { exit 1 }' <<<"$out" || fail "brief over 80 columns: $out"
tunsh -c 'show ipsec tunnel brief json' | grep -q '"name": "branch-with-a-long-name"' ||
	fail "the JSON cut the name"

# Every schema is used: a new one without a form here is a test missed.
for s in "$schema"/*.json; do
	name=$(basename "$s" .json)
	printf '%s\n' "${forms[@]}" | grep -q "|$name\$" ||
		fail "schema $name.json checks no command"
done
echo "json_schema: $n json forms fit their schemas"
