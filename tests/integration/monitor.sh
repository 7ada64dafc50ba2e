#!/usr/bin/env bash
# tests/integration/monitor.sh BUILD: a tunnel's traffic monitor, end to
# end through the real tunshd.  tunshd a has aws-1 to tunshd b1 and aws-2
# to tunshd b2 (each in its namespace, over its own veth pair, negotiating
# over real UDP; SAs, interfaces and routes kept in memory: --kernel
# none), both routing 10.2.0.0/16; aws-1 monitors 10.2.0.1 from vlan 10
# every second, down after 2 unanswered.  The probes are real ICMP echo
# requests: without ESP here they go by a's own route to b1's namespace,
# which answers while it holds 10.2.0.1.  What show ipsec tunnel says:
#  - answered: the monitor up, aws-1's route active at 100;
#  - 10.2.0.1 gone from b1 (its IKE still answers): the monitor down,
#    aws-1's route withdrawn "monitor unanswered" although its CHILD SA
#    is up, aws-2's active, aws-1 negotiated again;
#  - 10.2.0.1 back: the monitor up, aws-1's route active again;
#  - no monitor: no monitor shown, null in JSON;
#  - a tunshd without CAP_NET_RAW keeps the monitor off and says why.
# Root; 77 otherwise.
set -euo pipefail

bin=$(cd "${1:?usage: monitor.sh BUILD}" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "monitor.sh: needs root (namespaces)"; exit 77; }

prefix=tunsh-mon psk=monitor-test
# shellcheck source=SCRIPTDIR/two_gateways.sh
. "$(dirname "$0")/two_gateways.sh"
# a's address in its LAN (vlan 10) and the VPC host behind b1.
ip -n "${ns[a]}" addr add 10.1.0.1/32 dev lo
ip -n "${ns[a]}" route add 10.2.0.0/16 via 192.0.2.2
ip -n "${ns[b1]}" route add 10.1.0.0/24 via 192.0.2.1
ip -n "${ns[b1]}" addr add 10.2.0.1/32 dev lo

show() { # TUNNEL [json]: show ipsec tunnel on a
	echo "show ipsec tunnel $*" | sh_run a 2>&1
}
until_context() { echo ": $(show aws-1)"; }
route_is() { # TUNNEL METRIC STATE
	show "$1" | grep -Eq "^    10\.2\.0\.0/16 +metric $2 +$3"
}
monitor_is() { # STATE
	show aws-1 | grep -q "^  Monitor:       $1 since "
}
answered_ge() { # N
	local n
	n=$(show aws-1 json | sed -n 's/^ *"answered": \([0-9]*\),$/\1/p')
	[ "${n:-0}" -ge "$1" ]
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
 pre-shared-key monitor-test-b1
 inside-address 169.254.10.2/30
 local-network vlan 10
 remote-network 10.2.0.0/16
 monitor destination 10.2.0.1 source vlan 10 interval 1 threshold 2
 exit
ipsec tunnel aws-2
 tunnel-type route-based
 wan-port wan2
 remote-address 198.51.100.2
 pre-shared-key monitor-test-b2
 inside-address 169.254.11.2/30
 local-network vlan 10
 remote-network 10.2.0.0/16
 exit
commit
EOT
out=$(echo "show running-config" | sh_run a 2>&1)
grep -q "^ monitor destination 10.2.0.1 source vlan 10 interval 1 threshold 2$" <<<"$out" ||
	fail "show running-config lacks the monitor line: $out"

until_ok 20 "aws-1's route active at metric 100" route_is aws-1 100 active
until_ok 10 "aws-1's monitor answered" answered_ge 2
monitor_is up || fail "aws-1's monitor not up while answered: $(show aws-1)"
out=$(show aws-1)
grep -q "^  Monitor:       up since .*: ping 10.2.0.1 from 10.1.0.1 every$" <<<"$out" ||
	fail "show ipsec tunnel aws-1 does not show the monitor: $out"

# The VPC host goes; b1's IKE still answers: only the probes see it.
ip -n "${ns[b1]}" addr del 10.2.0.1/32 dev lo
until_ok 15 "aws-1's monitor down" monitor_is down
until_ok 5 "aws-1's route withdrawn by the monitor" route_is aws-1 100 'withdrawn \(kept at 1100\)'
until_ok 5 "aws-2's route active with aws-1's monitor down" route_is aws-2 110 active
out=$(show aws-1)
grep -q "route withdrawn: CHILD SA up but its monitor unanswered" <<<"$out" ||
	grep -q "route withdrawn: CHILD SA down since" <<<"$out" ||
	fail "show ipsec tunnel aws-1 does not say why it carries nothing: $out"
grep -q "tunnel aws-1: monitor 10.2.0.1 unanswered: negotiating the tunnel again" "$dir/a.log" ||
	fail "aws-1 was not negotiated again"
json=$(show aws-1 json)
for key in '"monitor": {' '"state": "down"' '"destination": "10.2.0.1"' \
	'"source": "10.1.0.1"' '"interval": 1' '"threshold": 2' '"routes_active": false'; do
	grep -qF "$key" <<<"$json" || fail "show ipsec tunnel aws-1 json lacks $key: $json"
done
grep -Eq '"restarts": [1-9]' <<<"$json" || fail "no restart counted: $json"
# Its CHILD SA back after the restart, the route stays withdrawn.
until_ok 20 "aws-1 negotiated again" bash -c "echo 'show ipsec tunnel aws-1' |
	'$bin/shell/tunsh' --socket '$dir/a.sock' | grep -q 'CHILD SA up but its monitor unanswered'"
route_is aws-1 100 'withdrawn \(kept at 1100\)' ||
	fail "aws-1's route came back with its CHILD SA though the monitor is down: $(show aws-1)"

# The VPC host back: answered, up, the route returns.
ip -n "${ns[b1]}" addr add 10.2.0.1/32 dev lo
until_ok 15 "aws-1's monitor up again" monitor_is up
until_ok 5 "aws-1's route active again" route_is aws-1 100 active
until_ok 5 "aws-2's route the backup again" route_is aws-2 110 backup

sh_run a <<'EOT' >"$dir/a-commit2.out" 2>&1 || fail "no monitor: $(cat "$dir/a-commit2.out")"
configure
ipsec tunnel aws-1
 no monitor
 exit
commit
EOT
out=$(show aws-1)
! grep -q "Monitor" <<<"$out" || fail "no monitor still shows one: $out"
show aws-1 json | grep -qF '"monitor": null' || fail "no monitor: json not null: $(show aws-1 json)"

# Without CAP_NET_RAW (a unit that forgot it): no socket, said so.
cat >"$dir/c.conf" <<'EOT'
hostname = "site-c";
interfaces = ( { name = "wan1"; address = "192.0.2.1/24"; } );
vlans = ( { id = 10; name = "lan"; subnet = "10.1.0.0/24"; } );
tunnels = ( {
  name = "mon"; wan-port = "wan1"; remote-address = "192.0.2.9";
  pre-shared-key = "monitor-test-c-long-enough";
  local-network = [ "vlan 10" ]; remote-network = [ "10.2.0.0/16" ];
  initiator = false; monitor = "destination 10.2.0.1"; } );
EOT
ip netns exec "${ns[a]}" setpriv --bounding-set -net_raw --inh-caps -net_raw \
	"$bin/shell/tunshd" -f --config "$dir/c.conf" --state-dir "$dir/c-state" \
	--socket "$dir/c.sock" --kernel none --ike-ports 0,0 2>>"$dir/c.log" &
pid[c]=$!
for _ in $(seq 100); do [ -S "$dir/c.sock" ] && break; sleep 0.1; done
out=$(echo "show ipsec tunnel mon" | sh_run c 2>&1)
grep -q "^  Monitor:       off since " <<<"$out" &&
	grep -q "^  Monitor error: no ICMP socket (Operation not permitted): tunshd needs$" <<<"$out" ||
	fail "a tunshd without CAP_NET_RAW does not say why its monitor is off: $out"
grep -q "tunnel mon: monitor: no ICMP socket" "$dir/c.log" ||
	fail "a tunshd without CAP_NET_RAW did not log why its monitor is off"
echo "monitor.sh: the monitor withdrew and returned aws-1's route"
