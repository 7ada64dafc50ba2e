#!/usr/bin/env bash
# diagnose ipsec tunnel, ping and traceroute through the real tunshd over
# its socket, in a network namespace of the test's own: diagnose says of
# each check of the guide's lists ok, FAIL or unknown, with the guide's
# fix under each FAIL; ping and traceroute run as commands that go on
# after their line (replies streamed, status at the end) from a VLAN's
# address on lo.  Root (the namespace); 77 otherwise.
set -euo pipefail
bin=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "diagnose: needs root for its network namespace" >&2
	exit 77
fi
# shellcheck source=SCRIPTDIR/scratch.sh
. "$top/tests/integration/scratch.sh"

cp "$top/etc/tunsh.conf" "$dir/tunsh.conf"
# VLAN 20 of the default configuration is 10.20.5.0/24: the host holds
# 10.20.5.1 (on lo) so that source vlan 20 has an address.  IPv6 (issue
# 14), beside the example and leaving it as it is: WAN port wan6 at
# 2001:db8:113::2, VLAN 40 of 2001:db8:40::/64 (the host holds
# 2001:db8:40::1, on lo), and six over IPv6 to 2001:db8:51::7 for
# 2001:db8:16::/48.
sed -i -e 's|^interfaces = (|interfaces = (\n  { name = "wan6"; address = "2001:db8:113::2/64"; },|' \
	-e 's|^vlans = (|vlans = (\n  { id = 40; name = "office6"; subnet = "2001:db8:40::/64"; },|' \
	-e 's|^tunnels = (|tunnels = (\n  { name = "six"; wan-port = "wan6"; remote-address = "2001:db8:51::7"; pre-shared-key = "example-only-change-me-0006"; remote-network = [ "2001:db8:16::/48" ]; local-network = [ "vlan 40" ]; },|' \
	"$dir/tunsh.conf"
grep -q 'name = "six"' "$dir/tunsh.conf" || fail "six not in the configuration"
unshare -n sh -c "ip link set lo up && ip addr add 10.20.5.1/24 dev lo &&
	ip addr add 2001:db8:40::1/64 dev lo nodad &&
	exec '$bin/shell/tunshd' -f --config '$dir/tunsh.conf' \
	--state-dir '$dir/state' --socket '$sock' --kernel none \
	--ike-ports 0,0" 2>"$dir/log" &
pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "tunshd did not create $sock"

# diagnose: ten checks in two lists, a fix under each FAIL.  The WAN
# address 203.0.113.2 is not on this namespace and there is no route to
# the peer: those two fail with the guide's words.
out=$(tunsh -c 'diagnose ipsec tunnel branch-1') || fail "diagnose: $out"
[ "$(grep -Ec '^  (ok|FAIL|unknown) ' <<<"$out")" = 10 ] || fail "not 10 checks: $out"
grep -q '^Tunnel not establishing$' <<<"$out" || fail "first list: $out"
grep -q '^Tunnel up but no traffic$' <<<"$out" || fail "second list: $out"
grep -A1 '^  FAIL    Local address on the WAN port: 203.0.113.2 is not an address' <<<"$out" |
	grep -q 'fix: Confirm the local and remote IP addresses are correct' || fail "local address: $out"
grep -A1 '^  FAIL    Remote gateway reachable: no route to 198.51.100.7' <<<"$out" |
	grep -q 'fix: Check that the remote gateway is reachable' || fail "reachable: $out"
[ "$(grep -c '^  FAIL' <<<"$out")" = "$(grep -c '^ *fix: ' <<<"$out")" ] || fail "a FAIL without its fix: $out"
out=$(tunsh -c 'diagnose ipsec tunnel nope' 2>&1) && fail "diagnose of no tunnel succeeded: $out"
grep -q 'no tunnel nope in the running configuration' <<<"$out" || fail "no tunnel: $out"
# | include reads the whole output at once: diagnose still answers.
out=$(tunsh -c 'diagnose ipsec tunnel branch-1 | include FAIL') || fail "filtered: $out"
[ "$(grep -c "^  FAIL" <<<"$out")" = 2 ] || fail "| include FAIL: $out"
grep -q "^2 FAIL, 6 unknown, 2 ok$" <<<"$out" || fail "| include FAIL summary: $out"

# IPv6 outside: six's local address (wan1's IPv6 one) is not on
# this namespace and there is no route to its peer, each said in words;
# then with the address on lo and a route, both pass.
out=$(tunsh -c 'diagnose ipsec tunnel six') || fail "diagnose six: $out"
grep -q '^Tunnel six (2001:db8:113::2 to 2001:db8:51::7): ' <<<"$out" || fail "six head: $out"
grep -A1 '^  FAIL    Local address on the WAN port: 2001:db8:113::2 is not an address of any interface of this host$' <<<"$out" |
	grep -q 'fix: Confirm the local and remote IP addresses are correct' || fail "six local address: $out"
grep -A1 '^  FAIL    Remote gateway reachable: no route to 2001:db8:51::7: ' <<<"$out" |
	grep -q 'fix: Check that the remote gateway is reachable' || fail "six reachable: $out"
nsenter -t "$pid" -n sh -c 'ip addr add 2001:db8:113::2/64 dev lo nodad &&
	ip -6 route add 2001:db8:51::/64 dev lo' || fail "cannot add the IPv6 address and route"
out=$(tunsh -c 'diagnose ipsec tunnel six') || fail "diagnose six: $out"
grep -q '^  ok      Local address on the WAN port: 2001:db8:113::2 is on this host, wan-port wan6$' <<<"$out" ||
	fail "six local address on lo: $out"
grep -Eq '^  [a-zA-Z]+ +Remote gateway reachable: route to 2001:db8:51::7 from 2001:db8:[0-9a-f:]+[;,] ' <<<"$out" ||
	fail "six route: $out"

# ping: from VLAN 20's address, 3 replies, status 0.
out=$(tunsh -c 'ping 10.20.5.1 source vlan 20 count 3') || fail "ping: $out"
grep -q '^PING 10.20.5.1 from 10.20.5.1: 3 packets' <<<"$out" || fail "ping head: $out"
[ "$(grep -c '^reply from 10.20.5.1: seq' <<<"$out")" = 3 ] || fail "ping replies: $out"
grep -q '3 sent, 3 received, 0% loss' <<<"$out" || fail "ping summary: $out"
# Without source, a destination in branch-1's remote network 172.16.0.0/16
# is pinged from its local network's address (vlan 20), so that the
# packets would take the tunnel; none answers here.
out=$(tunsh -c 'ping 172.16.0.9 count 1' 2>&1) && fail "ping 172.16.0.9 answered: $out"
grep -q '^PING 172.16.0.9 from 10.20.5.1: 1 packets' <<<"$out" || fail "ping source by tunnel: $out"
# No reply: the line fails, and says what to do.
out=$(tunsh -c 'ping 192.0.2.99 count 1' 2>&1) && fail "ping with no reply succeeded: $out"
grep -q 'no reply from 192.0.2.99: check the tunnel with diagnose' <<<"$out" || fail "ping no reply: $out"
# The bound and the grammar.
out=$(tunsh -c 'ping 10.20.5.1 count 101' 2>&1) && fail "count 101 accepted"
grep -q 'ping count 101: give 1 to 100' <<<"$out" || fail "count bound: $out"
out=$(tunsh -c 'ping 10.20.5.1 source vlan 99' 2>&1) && fail "vlan 99 accepted"
grep -q 'source vlan 99: no such VLAN' <<<"$out" || fail "vlan 99: $out"
# The session goes on after a ping: the next line runs.
out=$(tunsh -c 'ping 10.20.5.1 count 1; show version') || fail "line after ping: $out"
grep -q '1 received' <<<"$out" || fail "ping then show: $out"

# ping over IPv6: ICMPv6 echoes, replies and summary as for IPv4; from
# VLAN 40's address with source vlan 40, from six's local network
# (VLAN 40) without source.
out=$(tunsh -c 'ping ::1 count 1') || fail "ping ::1: $out"
grep -q "^PING ::1 from (the route's): 1 packets" <<<"$out" || fail "ping ::1 head: $out"
[ "$(grep -c '^reply from ::1: seq' <<<"$out")" = 1 ] || fail "ping ::1 replies: $out"
grep -q '^--- ::1: 1 sent, 1 received, 0% loss' <<<"$out" || fail "ping ::1 summary: $out"
out=$(tunsh -c 'ping 2001:db8:40::1 source vlan 40 count 2') || fail "ping6 vlan: $out"
grep -q '^PING 2001:db8:40::1 from 2001:db8:40::1: 2 packets' <<<"$out" || fail "ping6 head: $out"
[ "$(grep -c '^reply from 2001:db8:40::1: seq' <<<"$out")" = 2 ] || fail "ping6 replies: $out"
grep -q '^--- 2001:db8:40::1: 2 sent, 2 received, 0% loss' <<<"$out" || fail "ping6 summary: $out"
out=$(tunsh -c 'ping 2001:db8:16::9 count 1' 2>&1) && fail "ping 2001:db8:16::9 answered: $out"
grep -q '^PING 2001:db8:16::9 from 2001:db8:40::1: 1 packets' <<<"$out" || fail "ping6 source by tunnel: $out"
grep -q '^seq 1: no reply yet$' <<<"$out" || fail "ping6 timeout: $out"
grep -q 'no reply from 2001:db8:16::9: check the tunnel with diagnose' <<<"$out" || fail "ping6 no reply: $out"
out=$(tunsh -c 'ping 2001:db8:40::1 source vlan 20' 2>&1) && fail "vlan 20 has no IPv6 subnet"
grep -q 'source vlan 20: it has no IPv6 subnet, and the destination is IPv6' <<<"$out" || fail "vlan 20: $out"
out=$(tunsh -c 'ping 2001:db8:40::1 source 10.20.5.1' 2>&1) && fail "IPv4 source for IPv6 accepted"
grep -q "source 10.20.5.1: not of the destination's family" <<<"$out" || fail "mixed source: $out"
out=$(tunsh -c 'traceroute 2001:db8:40::1 source vlan 40') || fail "traceroute6: $out"
grep -Eq '^ 1  2001:db8:40::1 +[0-9.]+ ms$' <<<"$out" || fail "traceroute6 hop: $out"

# The protocol by hand: replies before the STATUS, INTERRUPT ends the
# ping, a LINE while it runs ends the session.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
"$py" "$top/tests/integration/diagnose_proto.py" "$sock" || fail "protocol of a ping"

# traceroute: one hop on lo.
out=$(tunsh -c 'traceroute 10.20.5.1 source vlan 20') || fail "traceroute: $out"
grep -Eq '^ 1  10\.20\.5\.1 +[0-9.]+ ms$' <<<"$out" || fail "traceroute hop: $out"

# On a terminal (tmux): Tab completes the tunnel's name, and Ctrl-C
# stops a ping at once with its summary; the session goes on.
export TMUX_TMPDIR=$dir
screen() { tmux capture-pane -t t -p; }
expect() {
	for _ in $(seq 50); do
		screen | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	fail "never saw /$1/ on the terminal: $(screen)"
}
tmux new-session -d -s t -x 100 -y 40 \
	"HOME=$dir $bin/shell/tunsh --socket $sock; sleep 30"
trap 'tmux kill-server 2>/dev/null || true; cleanup' EXIT
expect '^fw1# *$'
tmux send-keys -t t -l 'diagnose ipsec tunnel bra'
tmux send-keys -t t Tab
expect '^fw1# diagnose ipsec tunnel branch-1 *$'
tmux send-keys -t t C-u
tmux send-keys -t t -l 'ping 10.20.5.1 count 100'
tmux send-keys -t t Enter
expect '^reply from 10\.20\.5\.1: seq 2 '
tmux send-keys -t t C-c
expect '^--- 10\.20\.5\.1: [0-9]+ sent, [0-9]+ received'
expect '^fw1# *$'
sent=$(screen | sed -n 's/^--- 10\.20\.5\.1: \([0-9]*\) sent.*/\1/p')
[ "$sent" -lt 100 ] || fail "Ctrl-C did not stop the ping: $sent sent"
tmux send-keys -t t -l 'show version'
tmux send-keys -t t Enter
expect '^tunsh [0-9]'
echo "diagnose: ok"
