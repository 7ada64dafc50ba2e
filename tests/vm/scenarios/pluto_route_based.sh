#!/usr/bin/env bash
# A route-based tunnel against libreswan's pluto set up the way a
# route-based peer is: 0.0.0.0/0 selectors both ways and mark=42 on its
# policies (its proposals and everything else shipped), a VTI
# with key 42 and the inside address 169.254.10.1/30, and a route to site
# a's LAN through it.  tunshd (real kernel) makes its own tunnel
# interface (a VTI: UML has no XFRM interfaces) with the inside address
# 169.254.10.2/30 and routes the remote network through it.  What a user
# would see:
#  - the interface ts-to-b is up with the inside address, the route to
#    10.2.0.0/24 goes through it, the SAs carry the tunnel's mark;
#  - pings between the LANs and across the inside addresses are answered,
#    as ESP only;
#  - removing the tunnel removes the interface, its route, SAs, policies.
#
#   ha (10.1.0.10) --lan-- a --wan--------------wan-- b --lan-- hb (10.2.0.10)
#          tunshd      10.1.0.1  192.0.2.1   192.0.2.2  10.2.0.1    pluto
#                      ts-to-b 169.254.10.2/30 == vti0 169.254.10.1/30

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
# shellcheck source=SCRIPTDIR/../pluto.sh
. "$TUNSH_TOP/tests/vm/pluto.sh"
trap vm_pluto_stop_all EXIT
vm_pluto_need

vm_log "topology"
vm_sites
# b reaches a's LAN only through its VTI (key 42).
vm_ip b <<'EOT'
route del 10.1.0.0/24 via 192.0.2.1 dev wan
link add vti0 type vti local 192.0.2.2 remote 192.0.2.1 key 42
addr add 169.254.10.1/30 dev vti0
link set vti0 up
route add 10.1.0.0/24 dev vti0
EOT
vm_sysctl b net.ipv4.conf.vti0.disable_policy=1

vm_log "pluto in b: 0/0 selectors, marked 42"
PLUTO_LEFTSUBNET=0.0.0.0/0 PLUTO_RIGHTSUBNET=0.0.0.0/0 PLUTO_CONN="	mark=42/0xffffffff" \
	vm_pluto_conf | vm_pluto_start b b
vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a

mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "add the route-based tunnel" <<'EOT'
configure
ipsec tunnel to-b
 tunnel-type route-based
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm-test-psk-not-secret-0123456789
 inside-address 169.254.10.2/30
 local-network vlan 10
 remote-network 10.2.0.0/24
 exit
commit
EOT
vm_tunshd_wait a 30 "tunnel to-b: CHILD SA up" "$mark"
vm_pluto_wait b
vm_log "pluto: $(grep -E 'established Child SA' "$VM_WORK/b/pluto.log" | sed 's/^.*: //' | tr '\n' '|')"

link=$(ip -n a -d link show ts-to-b 2>&1) || vm_fail "no interface ts-to-b in a: $link"
grep -q "UP" <<<"$link" || vm_fail "ts-to-b is not up: $link"
addrs=$(ip -n a addr show ts-to-b)
grep -q "inet 169.254.10.2/30" <<<"$addrs" || vm_fail "ts-to-b lacks the inside address: $addrs"
route=$(ip -n a route show 10.2.0.0/24)
vm_log "route: $route"
grep -q "dev ts-to-b proto 116 " <<<"$route" || vm_fail "no route to 10.2.0.0/24 through ts-to-b: $route"
sas=$(ip -n a xfrm state)
[ "$(vm_xfrm_count a)" = 2 ] || vm_fail "a holds $(vm_xfrm_count a) SAs, want 2: $sas"
[ "$(grep -c "mark 0x" <<<"$sas")" = 2 ] || vm_fail "a's SAs are not marked: $sas"
# VTI finds its traffic by the policies' mark (the key), not the SAs'.
[ "$(ip -n b xfrm policy | grep -c "mark 0x2a/0xffffffff")" -ge 2 ] ||
	vm_fail "pluto's policies in b do not carry mark 42: $(ip -n b xfrm policy)"

vm_ipt a -t raw -Z PREROUTING
vm_ipt b -t raw -Z PREROUTING
vm_ping_all ha 10.2.0.10 5
vm_ping_all hb 10.1.0.10 5
[ "$(vm_ping a 169.254.10.1 3)" = 3 ] || vm_fail "no answer across the inside addresses"
for spec in "192.0.2.1 192.0.2.2" "192.0.2.2 192.0.2.1"; do
	# shellcheck disable=SC2086 # two words: source and destination
	n=$(vm_xfrm_packets a $spec)
	[ "$n" -ge 13 ] || vm_fail "a's SA $spec counted $n packets, want 13 or more"
done
for gw in a b; do
	plain=$(vm_ipt_count "$gw" raw PREROUTING plain)
	[ "$plain" = 0 ] || vm_fail "$gw received $plain non-ESP packets from the wire"
done
vm_log "pings crossed the VTI as ESP only"

vm_tunsh_ok a "remove the tunnel" <<'EOT'
configure
no ipsec tunnel to-b
commit
EOT
ip -n a link show ts-to-b >/dev/null 2>&1 && vm_fail "ts-to-b is still there"
[ -z "$(ip -n a route show 10.2.0.0/24)" ] || vm_fail "the route stayed: $(ip -n a route show 10.2.0.0/24)"
[ "$(vm_xfrm_count a)" = 0 ] || vm_fail "SAs stayed: $(ip -n a xfrm state)"
pols=$(ip -n a xfrm policy | grep -v "socket \(in\|out\)") || true
grep -q dir <<<"$pols" && vm_fail "policies stayed: $pols"
vm_wait 10 "pluto's SAs are gone after tunsh removed the tunnel" \
	test -z "$(vm_pluto_ike_serial b site)"
vm_log "removing the tunnel removed its interface, route, SAs and policies"
vm_log "PASS"
