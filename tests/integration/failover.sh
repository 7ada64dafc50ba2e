#!/usr/bin/env bash
# tests/integration/failover.sh BUILD: the routes of two route-based
# tunnels to one network follow their CHILD SAs, end to end on real
# sockets.  tunshd a has aws-1 to tunshd b1 and aws-2 to tunshd b2 (each
# in its namespace, over its own veth pair, negotiating over real UDP;
# SAs, interfaces and routes kept in memory: --kernel none, this kernel
# has no ESP), both routing 10.2.0.0/16.  What show ipsec tunnel says,
# as an operator reads it:
#  - both up: aws-1's route at metric 100 active, aws-2's at 110 backup;
#  - b1 killed: a's DPD gives up, aws-1's route is withdrawn (kept at
#    1100) "CHILD SA down since", aws-2's is active;
#  - b1 back: aws-1 is negotiated again and its route is active again.
# Root; 77 otherwise.
set -euo pipefail

bin=$(cd "${1:?usage: failover.sh BUILD}" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "failover.sh: needs root (namespaces)"; exit 77; }

prefix=tunsh-fo psk=failover-test
# shellcheck source=SCRIPTDIR/two_gateways.sh
. "$(dirname "$0")/two_gateways.sh"

show() { # TUNNEL: show ipsec tunnel on a
	echo "show ipsec tunnel $1" | sh_run a 2>&1
}
route_is() { # TUNNEL METRIC STATE
	show "$1" | grep -Eq "^    10\.2\.0\.0/16 +metric $2 +$3"
}

start b1 "${ns[b1]}"
start b2 "${ns[b2]}"
start a "${ns[a]}"
sh_run a <<'EOT' >"$dir/a-commit.out" 2>&1 || fail "commit on a: $(cat "$dir/a-commit.out")"
configure
ipsec tunnel aws-1
 tunnel-type route-based
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key failover-test-b1
 inside-address 169.254.10.2/30
 local-network vlan 10
 remote-network 10.2.0.0/16
 dpd timeout 1
 dpd delay 1
 exit
ipsec tunnel aws-2
 tunnel-type route-based
 wan-port wan2
 remote-address 198.51.100.2
 pre-shared-key failover-test-b2
 inside-address 169.254.11.2/30
 local-network vlan 10
 remote-network 10.2.0.0/16
 dpd timeout 1
 dpd delay 1
 exit
commit
EOT

until_ok 20 "aws-1's route active at metric 100" route_is aws-1 100 active
until_ok 20 "aws-2's route the backup at metric 110" route_is aws-2 110 backup
out=$(show aws-1)
grep -q "^  Interface:     ts-aws-1 (VTI), inside address 169.254.10.2/30$" <<<"$out" ||
	fail "show ipsec tunnel aws-1 lacks its interface: $out"
grep -q "^  Routing:       routes active since " <<<"$out" ||
	fail "show ipsec tunnel aws-1 does not say its routes are active: $out"
json=$(echo "show ipsec tunnel aws-2 json" | sh_run a 2>&1)
for key in '"kind": "vti"' '"inside_address": "169.254.11.2/30"' \
	'"routes_active": true' '"network": "10.2.0.0/16"' '"metric": 110' \
	'"metric_now": 110' '"state": "backup"'; do
	grep -qF "$key" <<<"$json" || fail "show ipsec tunnel aws-2 json lacks $key: $json"
done

# Gateway 1 dies: nothing answers a's liveness checks.
kill -KILL "${pid[b1]}"
wait "${pid[b1]}" 2>/dev/null || true
unset 'pid[b1]'
rm -f "$dir/b1.sock"
until_ok 20 "aws-1's route withdrawn after b1 died" route_is aws-1 100 'withdrawn \(kept at 1100\)'
until_ok 5 "aws-2's route active with aws-1 down" route_is aws-2 110 active
out=$(show aws-1)
grep -q "route withdrawn: CHILD SA down since [0-9-]* [0-9:]*;" <<<"$out" ||
	fail "show ipsec tunnel aws-1 does not say why it carries nothing: $out"
json=$(echo "show ipsec tunnel aws-1 json" | sh_run a 2>&1)
for key in '"routes_active": false' '"metric_now": 1100' '"state": "withdrawn"' \
	'"routes_reason": "route withdrawn: CHILD SA down since'; do
	grep -qF "$key" <<<"$json" || fail "show ipsec tunnel aws-1 json lacks $key: $json"
done

# Gateway 1 back: a's restart gets through; the traffic returns to it.
start b1 "${ns[b1]}"
until_ok 40 "aws-1's route active again after b1 came back" route_is aws-1 100 active
until_ok 5 "aws-2's route the backup again" route_is aws-2 110 backup
echo "failover.sh: routes followed the CHILD SAs both ways"
