#!/usr/bin/env bash
# A route-based tunnel with the AWS preset, against charon configured the
# way AWS's side is: 0.0.0.0/0 traffic selectors both ways, a VTI with the
# inside address 169.254.10.1/30, and a route to site a's LAN through it.
# tunshd (real kernel) makes its own tunnel interface (VTI here: UML has
# no XFRM interfaces), gives it the inside address 169.254.10.2/30 and
# routes the remote network through it.  What a user would see:
#  - the interface ts-aws-1 exists, is up, has the inside address;
#  - the route to 10.2.0.0/24 goes through it, with tunshd's protocol;
#  - pings between the LANs and across the inside addresses are answered;
#  - the SAs carry the tunnel's mark and count the pings;
#  - only ESP crossed the wire;
#  - removing the tunnel removes the interface, its routes, SAs, policies.
#
#   ha (10.1.0.10) --lan-- a --wan--------------wan-- b --lan-- hb (10.2.0.10)
#          tunshd      10.1.0.1  192.0.2.1   192.0.2.2  10.2.0.1    charon
#                      ts-aws-1 169.254.10.2/30 == vti0 169.254.10.1/30

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

vm_log "topology"
vm_sites
# b reaches a's LAN only through its VTI (key 42), as AWS's side does.
vm_ip b <<'EOF2'
route del 10.1.0.0/24 via 192.0.2.1 dev wan
link add vti0 type vti local 192.0.2.2 remote 192.0.2.1 key 42
addr add 169.254.10.1/30 dev vti0
link set vti0 up
route add 10.1.0.0/24 dev vti0
EOF2
vm_sysctl b net.ipv4.conf.vti0.disable_policy=1

vm_log "charon in b like AWS: 0/0 selectors, marked 42"
vm_charon_start b b
PEER_PSK=vm_test_psk_not_secret_0123456789 PEER_IKE="aes256gcm16-prfsha384-ecp384" PEER_ESP="aes256gcm16-ecp384" \
	PEER_LTS=0.0.0.0/0 PEER_RTS=0.0.0.0/0 \
	PEER_CHILD="mark_in = 42
				mark_out = 42" vm_peer_conf | vm_charon_load b
vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a

mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "add the AWS-style tunnel" <<'EOF2'
configure
ipsec tunnel aws-1
 partner-type aws
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm_test_psk_not_secret_0123456789
 inside-address 169.254.10.2/30
 local-network vlan 10
 remote-network 10.2.0.0/24
 exit
commit
EOF2
vm_tunshd_wait a 20 "tunnel aws-1: CHILD SA up" "$mark"
# The route moves to its metric just after that line is logged.
vm_tunshd_wait a 5 "tunnel aws-1: route to 10.2.0.0/24 active" "$mark"
vm_charon_wait b lans

link=$(ip -n a -d link show ts-aws-1 2>&1) || vm_fail "no interface ts-aws-1 in a: $link"
vm_log "interface: $(tr -s ' \n' ' ' <<<"$link")"
grep -q "vti " <<<"$link" || vm_fail "ts-aws-1 is not a VTI: $link"
grep -q "UP" <<<"$link" || vm_fail "ts-aws-1 is not up: $link"
addrs=$(ip -n a addr show ts-aws-1)
grep -q "inet 169.254.10.2/30" <<<"$addrs" ||
	vm_fail "ts-aws-1 lacks the inside address: $addrs"
route=$(ip -n a route show 10.2.0.0/24)
vm_log "route: $route"
grep -q "dev ts-aws-1 proto 116 scope link metric 100" <<<"$route" ||
	vm_fail "no route to 10.2.0.0/24 through ts-aws-1: $route"
sas=$(ip -n a xfrm state)
[ "$(vm_xfrm_count a)" = 2 ] || vm_fail "a holds $(vm_xfrm_count a) SAs, want 2: $sas"
[ "$(grep -c "mark 0x7473" <<<"$sas")" = 2 ] || vm_fail "a's SAs are not marked: $sas"

vm_ipt a -t raw -Z PREROUTING
vm_ipt b -t raw -Z PREROUTING
vm_ping_all ha 10.2.0.10 5
vm_ping_all hb 10.1.0.10 5
[ "$(vm_ping a 169.254.10.1 3)" = 3 ] || vm_fail "no answer across the inside addresses"
for spec in "192.0.2.1 192.0.2.2" "192.0.2.2 192.0.2.1"; do
	n=$(vm_xfrm_packets a $spec)
	[ "$n" -ge 13 ] || vm_fail "a's SA $spec counted $n packets, want 13 or more"
done
for gw in a b; do
	plain=$(vm_ipt_count "$gw" raw PREROUTING plain)
	[ "$plain" = 0 ] || vm_fail "$gw received $plain non-ESP packets from the wire"
done
vm_log "pings crossed the VTI as ESP only"

# A change that leaves the interface and routes alone (DPD timers) does
# not recreate the interface: same ifindex, same SAs.
idx=$(ip -n a -o link show ts-aws-1 | cut -d: -f1)
spis=$(vm_xfrm_spis a 192.0.2.1 192.0.2.2)
vm_tunsh_ok a "change the DPD timers" <<'EOF2'
configure
ipsec tunnel aws-1
 dpd timeout 20
 exit
commit
EOF2
[ "$(ip -n a -o link show ts-aws-1 | cut -d: -f1)" = "$idx" ] ||
	vm_fail "changing DPD timers recreated ts-aws-1"
[ "$(vm_xfrm_spis a 192.0.2.1 192.0.2.2)" = "$spis" ] ||
	vm_fail "changing DPD timers changed the SAs"
vm_ping_all ha 10.2.0.10 2
vm_log "a DPD timer change left the interface ($idx) and the SAs alone"

# AWS's second tunnel of the pair (its peer is absent here): both route
# the VPC's network, the second as the backup (metric 110); with no
# CHILD SA its route waits at standby, 1000 above (tunsh.conf(5)).
vm_tunsh_ok a "add the backup tunnel" <<'EOF2'
configure
ipsec tunnel aws-2
 partner-type aws
 wan-port wan1
 remote-address 192.0.2.9
 pre-shared-key vm_test_psk_not_secret_9876543210
 inside-address 169.254.11.2/30
 local-network vlan 10
 remote-network 10.2.0.0/24
 exit
commit
EOF2
routes=$(ip -n a route show 10.2.0.0/24)
vm_log "routes: $(tr '\n' ';' <<<"$routes")"
grep -q "dev ts-aws-1 proto 116 scope link metric 100" <<<"$routes" ||
	vm_fail "the first tunnel's route is not metric 100: $routes"
grep -q "dev ts-aws-2 proto 116 scope link metric 1110" <<<"$routes" ||
	vm_fail "the backup tunnel, with no CHILD SA, is not at standby metric 1110: $routes"
vm_ping_all ha 10.2.0.10 3
vm_tunsh_ok a "remove the backup tunnel" <<'EOF2'
configure
no ipsec tunnel aws-2
commit
EOF2
ip -n a link show ts-aws-2 >/dev/null 2>&1 && vm_fail "ts-aws-2 is still there"
vm_log "the backup tunnel's route waited at 1110 and the primary kept carrying"

vm_tunsh_ok a "remove the tunnel" <<'EOF2'
configure
no ipsec tunnel aws-1
commit
EOF2
ip -n a link show ts-aws-1 >/dev/null 2>&1 && vm_fail "ts-aws-1 is still there"
[ -z "$(ip -n a route show 10.2.0.0/24)" ] || vm_fail "the route stayed: $(ip -n a route show 10.2.0.0/24)"
[ "$(vm_xfrm_count a)" = 0 ] || vm_fail "SAs stayed: $(ip -n a xfrm state)"
pols=$(ip -n a xfrm policy | grep -v "socket \(in\|out\)") || true
grep -q dir <<<"$pols" && vm_fail "policies stayed: $pols"
vm_log "removing the tunnel removed its interface, route, SAs and policies"

# A tunshd that dies (SIGKILL) leaves its interface, routes, SAs and
# policies; the next one removes them, then applies the running
# configuration again.
mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "add the tunnel again" <<'EOF2'
configure
ipsec tunnel aws-1
 partner-type aws
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm_test_psk_not_secret_0123456789
 inside-address 169.254.10.2/30
 local-network vlan 10
 remote-network 10.2.0.0/24
 exit
commit
EOF2
vm_tunshd_wait a 20 "tunnel aws-1: CHILD SA up" "$mark"
kill -KILL "$(cat "$VM_WORK/a/pid")"
sleep 0.2
ip -n a link show ts-aws-1 >/dev/null 2>&1 || vm_fail "the killed tunshd's interface vanished by itself"
[ "$(vm_xfrm_count a)" -ge 2 ] || vm_fail "the killed tunshd's SAs vanished by itself"
cp "$VM_WORK/a/tunsh.conf" "$VM_WORK/a-restart.conf"
vm_tunshd_start a a <"$VM_WORK/a-restart.conf"
vm_tunshd_wait a 20 "removed [0-9]+ SAs, policies and interfaces an earlier tunshd left"
vm_log "$(grep 'an earlier tunshd left' "$VM_WORK/a/tunshd.log")"
vm_tunshd_wait a 20 "tunnel aws-1: CHILD SA up"
[ "$(vm_xfrm_count a)" = 2 ] || vm_fail "after the restart a holds $(vm_xfrm_count a) SAs, want 2"
vm_ping_all ha 10.2.0.10 3
vm_log "a restarted tunshd cleaned the dead one's state and carries traffic again"
