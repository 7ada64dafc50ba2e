#!/usr/bin/env bash
# traffic-selectors per-pair against libreswan's pluto, two LANs a side,
# tunshd (real kernel, site a) initiating.  pluto writes a per-pair peer
# the libreswan way: leftsubnets= and rightsubnets= (one connection per
# pair, site/1x1 .. site/2x2), everything else shipped.  What a user
# would see: four CHILD SAs in tunshd's log and in show ipsec tunnel,
# pluto lists four IPsec SAs under one IKE SA, a's kernel holds 8 SAs,
# each with its pair as its XFRM selector, and every pair's pings cross
# both ways as ESP only, counted on that pair's two SAs.
#
#   ha 10.1.0.10 --lan-- a --wan--------------wan-- b --lan-- hb 10.2.0.10
#      10.3.0.10  10.1.0.1/10.3.0.1  192.0.2.1  192.0.2.2  10.2.0.1/10.4.0.1  10.4.0.10
#        tunshd (vlans 10 and 30)                  pluto

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
# shellcheck source=SCRIPTDIR/../pluto.sh
. "$TUNSH_TOP/tests/vm/pluto.sh"
trap vm_pluto_stop_all EXIT
vm_pluto_need

# The pairs as "A-LAN B-LAN A-HOST B-HOST", in tunsh's order.
PAIRS=(
	"10.1.0.0/24 10.2.0.0/24 10.1.0.10 10.2.0.10"
	"10.1.0.0/24 10.4.0.0/24 10.1.0.10 10.4.0.10"
	"10.3.0.0/24 10.2.0.0/24 10.3.0.10 10.2.0.10"
	"10.3.0.0/24 10.4.0.0/24 10.3.0.10 10.4.0.10"
)
PINGS=3

vm_log "topology: two LANs a side"
vm_sites
vm_two_lans

vm_log "pluto in b: one connection per pair"
vm_pluto_start b b <<'EOT'
config setup

conn site
	authby=secret
	left=192.0.2.2
	leftid=192.0.2.2
	leftsubnets={10.2.0.0/24 10.4.0.0/24}
	right=192.0.2.1
	rightid=192.0.2.1
	rightsubnets={10.1.0.0/24 10.3.0.0/24}
	auto=add
EOT
vm_tunshd_start a a <<'EOT'
hostname = "site-a";
interfaces = ( { name = "wan1"; address = "192.0.2.1/24"; } );
vlans = ( { id = 10; name = "lan"; subnet = "10.1.0.0/24"; },
	{ id = 30; name = "lan30"; subnet = "10.3.0.0/24"; } );
tunnels = ( );
EOT

mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "add the per-pair tunnel" <<'EOF'
configure
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm-test-psk-not-secret-0123456789
 local-network vlan 10
 local-network vlan 30
 remote-network 10.2.0.0/24
 remote-network 10.4.0.0/24
 traffic-selectors per-pair
 exit
commit
EOF

# four_up: tunshd logged 4 CHILD SAs since the mark.
four_up() {
	[ "$(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -c 'CHILD SA up')" -ge 4 ]
}
# pluto_esp N: pluto lists N IPsec SAs.
pluto_esp() {
	[ "$(vm_pluto_sas b | grep -c 'type=ESP')" = "$1" ]
}
vm_wait 40 "tunshd brought up 4 CHILD SAs" four_up
vm_wait 15 "pluto lists 4 IPsec SAs" pluto_esp 4
vm_log "up: $(vm_pluto_sas b | sed 's/^[^"]*//' | tr '\n' '|')"
n=$(vm_whack b --showstates | grep -c 'ESTABLISHED_IKE_SA') || true
[ "$n" = 1 ] || vm_fail "pluto lists $n IKE SAs, want 1: $(vm_whack b --showstates)"

out=$(echo "show ipsec tunnel to-b" | vm_tunsh a 2>&1 | tr -s ' \n' ' ')
vm_log "show ipsec tunnel: $out"
grep -q 'CHILD SAs: 4 ' <<<"$out" || vm_fail "show ipsec tunnel does not list 4 CHILD SAs: $out"
! grep -q 'Not carried' <<<"$out" || vm_fail "show ipsec tunnel has pairs not carried: $out"

table=$(vm_sa_table a)
n=$(wc -l <<<"$table")
[ "$n" = 8 ] || vm_fail "a holds $n ESP SAs, want 8: $(ip -n a xfrm state)"

vm_zero_wire
for spec in "${PAIRS[@]}"; do
	read -r al bl ah bh <<<"$spec"
	sout=$(awk -v l="$al" -v r="$bl" '$1 == "192.0.2.1" && $4 == l && $5 == r { print $3 }' <<<"$table")
	sin=$(awk -v l="$al" -v r="$bl" '$1 == "192.0.2.2" && $4 == r && $5 == l { print $3 }' <<<"$table")
	{ [ -n "$sout" ] && [ -n "$sin" ]; } ||
		vm_fail "no SA pair with selector $al <-> $bl in a: $table"
	vm_ping_all_from ha "$ah" "$bh" "$PINGS"
	vm_ping_all_from hb "$bh" "$ah" "$PINGS"
	vm_check_wire "$al <-> $bl" $((2 * PINGS))
	after=$(vm_sa_table a)
	po=$(awk -v s="$sout" '$3 == s { print $6 }' <<<"$after")
	pi=$(awk -v s="$sin" '$3 == s { print $6 }' <<<"$after")
	[ "$po" = $((2 * PINGS)) ] && [ "$pi" = $((2 * PINGS)) ] ||
		vm_fail "$al <-> $bl: its SAs $sout/$sin counted $po/$pi packets, want $((2 * PINGS)) each: $after"
	table=$after
	vm_log "$al <-> $bl: $PINGS pings each way on SAs out $sout in $sin"
done
vm_log "PASS"
