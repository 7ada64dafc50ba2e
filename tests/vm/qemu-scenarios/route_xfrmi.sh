#!/usr/bin/env bash
# A route-based tunnel over an XFRM interface: route_based.sh's AWS-style
# tunnel in a kernel that has XFRM interfaces (Debian's amd64 kernel
# under qemu, tests/vm/qemu.sh), where tunshd (real kernel) must choose
# one over VTI.  The peer is charon configured the way AWS's side is,
# 0.0.0.0/0 traffic selectors both ways, with an XFRM interface of its
# own (if_id 42) holding the inside address 169.254.10.1/30 and a route
# to site a's LAN.  What a user would see:
#  - ts-aws-1 is an XFRM interface (an if_id, on the WAN port), up, with
#    the inside address 169.254.10.2/30;
#  - the route to 10.2.0.0/24 goes through it, with tunshd's protocol;
#  - SAs and policies carry the interface's if_id and no mark;
#  - pings between the LANs and across the inside addresses are
#    answered, counted by the SAs, and only ESP crossed the wire;
#  - ts-aws-1 has AWS's MTU (1446) and a TCP connection through it AWS's
#    MSS (1406) both ways, from tunshd's nftables table inet tunsh;
#    mtu 1400 and tcp-mss 1300 change both in place (same interface and
#    SPIs); tcp-mss 0 removes the table and the hosts' 1460 crosses;
#  - removing the tunnel removes the interface, its route, SAs, policies
#    (and the table);
#  - a tunshd killed with SIGKILL leaves them; the next one removes them
#    (its nftables table too) and carries traffic again, clamped.
#
#   ha (10.1.0.10) --lan-- a --wan--------------wan-- b --lan-- hb (10.2.0.10)
#          tunshd      10.1.0.1  192.0.2.1   192.0.2.2  10.2.0.1    charon
#                 ts-aws-1@wan 169.254.10.2/30 == xfrm0@wan 169.254.10.1/30

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

# The tunnel as a user adds it.  tunshd's WAN port is called "wan" like
# the veth, so that the XFRM interface is made on it (IFLA_XFRM_LINK).
tunnel_add() {
	vm_tunsh_ok a "$1" <<'EOF2'
configure
ipsec tunnel aws-1
 partner-type aws
 wan-port wan
 remote-address 192.0.2.2
 pre-shared-key vm_test_psk_not_secret_0123456789
 inside-address 169.254.10.2/30
 local-network vlan 10
 remote-network 10.2.0.0/24
 exit
commit
EOF2
}

# policies NS: the XFRM policies but the per-socket ones (charon's and
# tunshd's IKE sockets), one per line.
policies() {
	ip -n "$1" -o xfrm policy | grep -v "socket \(in\|out\)" || true
}

vm_log "topology"
vm_sites
# b reaches a's LAN only through its XFRM interface (if_id 42).
vm_ip b <<'EOF2'
route del 10.1.0.0/24 via 192.0.2.1 dev wan
link add xfrm0 type xfrm dev wan if_id 42
addr add 169.254.10.1/30 dev xfrm0
link set xfrm0 up
route add 10.1.0.0/24 dev xfrm0
EOF2

vm_log "charon in b like AWS: 0/0 selectors, on xfrm0 (if_id 42)"
vm_charon_start b b
PEER_PSK=vm_test_psk_not_secret_0123456789 PEER_IKE="aes256gcm16-prfsha384-ecp384" PEER_ESP="aes256gcm16-ecp384" \
	PEER_LTS=0.0.0.0/0 PEER_RTS=0.0.0.0/0 \
	PEER_CHILD="if_id_in = 42
				if_id_out = 42" vm_peer_conf | vm_charon_load b
cat <<EOF2 | vm_tunshd_start a a
hostname = "site-a";
interfaces = ( { name = "wan"; address = "192.0.2.1/24"; } );
vlans = ( { id = 10; name = "lan"; subnet = "10.1.0.0/24"; } );
tunnels = ( );
EOF2

mark=$(vm_tunshd_lines a)
tunnel_add "add the AWS-style tunnel"
# IKE with ECP-384 takes seconds on the emulated CPU.
vm_tunshd_wait a 40 "tunnel aws-1: CHILD SA up" "$mark"
# The route moves to its metric just after that line is logged.
vm_tunshd_wait a 5 "tunnel aws-1: route to 10.2.0.0/24 active" "$mark"
vm_charon_wait b lans 20

link=$(ip -n a -d link show ts-aws-1 2>&1) || vm_fail "no interface ts-aws-1 in a: $link"
vm_log "interface: $(tr -s ' \n' ' ' <<<"$link")"
grep -q " xfrm if_id 0x7473[0-9a-f]\{4\} " <<<"$link" ||
	vm_fail "ts-aws-1 is not an XFRM interface with tunshd's if_id: $link"
if_id=$(sed -n 's/.* xfrm if_id \(0x[0-9a-f]*\) .*/\1/p' <<<"$link")
grep -q "ts-aws-1@wan:" <<<"$link" || vm_fail "ts-aws-1 is not on the WAN port wan: $link"
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
[ "$(grep -c "if_id $if_id" <<<"$sas")" = 2 ] || vm_fail "a's SAs lack if_id $if_id: $sas"
grep -q "mark " <<<"$sas" && vm_fail "a's SAs carry a mark besides the if_id: $sas"
pols=$(policies a)
vm_log "policies: $(grep -c . <<<"$pols"), e.g. $(head -n 1 <<<"$pols")"
[ -n "$pols" ] || vm_fail "a has no policies"
grep -v "if_id $if_id" <<<"$pols" | grep -q . &&
	vm_fail "a has policies without if_id $if_id: $pols"
grep -q "mark " <<<"$pols" && vm_fail "a's policies carry a mark: $pols"

vm_ipt a -t raw -Z PREROUTING
vm_ipt b -t raw -Z PREROUTING
vm_ping_all ha 10.2.0.10 5
vm_ping_all hb 10.1.0.10 5
[ "$(vm_ping a 169.254.10.1 3)" = 3 ] || vm_fail "no answer across the inside addresses"
for spec in "192.0.2.1 192.0.2.2" "192.0.2.2 192.0.2.1"; do
	read -r src dst <<<"$spec"
	n=$(vm_xfrm_packets a "$src" "$dst")
	[ "$n" -ge 13 ] || vm_fail "a's SA $spec counted $n packets, want 13 or more"
done
tx=$(vm_tx a ts-aws-1)
[ "$tx" -ge 13 ] || vm_fail "ts-aws-1 sent $tx packets, want 13 or more"
for gw in a b; do
	plain=$(vm_ipt_count "$gw" raw PREROUTING plain)
	[ "$plain" = 0 ] || vm_fail "$gw received $plain non-ESP packets from the wire"
	esp=$(vm_ipt_count "$gw" raw PREROUTING esp)
	[ "$esp" -ge 13 ] || vm_fail "$gw received $esp ESP packets, want 13 or more"
done
vm_log "pings crossed the XFRM interfaces as ESP only ($tx sent by ts-aws-1)"

# MTU and TCP MSS (tunsh.conf(5), mtu and tcp-mss).  TCP timestamps are
# off at both hosts, so that TCP_MAXSEG of a connected socket is the MSS
# the other end's SYN carried (with the path's own 1460 above it): ha's
# side is hb's SYN-ACK as it came out of the tunnel, hb's side ha's SYN
# as it went in.
vm_sysctl ha net.ipv4.tcp_timestamps=0
vm_sysctl hb net.ipv4.tcp_timestamps=0
cat >"$VM_WORK/maxseg.py" <<'EOF2'
import socket, sys
role, addr = sys.argv[1], sys.argv[2]
if role == "server":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 5001))
    s.listen(1)
    s.settimeout(90)
    open(sys.argv[3], "w").close()  # listening
    c, _ = s.accept()
else:
    c = socket.create_connection((addr, 5001), timeout=60)
print(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG), flush=True)
c.close()
EOF2
# mss_both WANT WHAT: one TCP connection from ha to hb through the
# tunnel; both ends must see MSS WANT.
mss_both() {
	local srv cli
	rm -f "$VM_WORK/maxseg.ready" "$VM_WORK/maxseg.srv"
	ip netns exec hb /usr/bin/python3 -I -S "$VM_WORK/maxseg.py" server 10.2.0.10 \
		"$VM_WORK/maxseg.ready" >"$VM_WORK/maxseg.srv" 2>&1 &
	vm_wait 60 "the TCP server in hb" test -e "$VM_WORK/maxseg.ready"
	cli=$(ip netns exec ha /usr/bin/python3 -I -S "$VM_WORK/maxseg.py" client 10.2.0.10 2>&1) ||
		vm_fail "TCP from ha to hb ($2): $cli"
	wait $! || vm_fail "the TCP server in hb ($2): $(cat "$VM_WORK/maxseg.srv")"
	srv=$(cat "$VM_WORK/maxseg.srv")
	[ "$cli" = "$1" ] && [ "$srv" = "$1" ] ||
		vm_fail "$2: TCP MSS seen by ha $cli, by hb $srv; want $1 both"
	vm_log "$2: a TCP connection through the tunnel has MSS $cli at ha, $srv at hb"
}
mtu_is() { # WANT WHAT
	local got
	got=$(ip -n a link show ts-aws-1 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
	[ "$got" = "$1" ] || vm_fail "$2: ts-aws-1 has mtu $got, want $1"
}
clamps() { # the clamp rules of tunshd's table in a, one a line
	ip netns exec a nft list table inet tunsh 2>/dev/null |
		sed -n 's/^\t\t\(.*maxseg.*\)$/\1/p'
}
# partner-type aws: AWS's MTU 1446 and MSS 1406.
mtu_is 1446 "partner-type aws"
want='oifname "ts-aws-1" tcp flags syn tcp option maxseg size > 1406 tcp option maxseg size set 1406 comment "aws-1 out"
iifname "ts-aws-1" tcp flags syn tcp option maxseg size > 1406 tcp option maxseg size set 1406 comment "aws-1 in"'
[ "$(clamps)" = "$want" ] || vm_fail "a's table inet tunsh: $(ip netns exec a nft list ruleset)"
mss_both 1406 "partner-type aws"
# Other values: in place, the same interface and SAs.
idx=$(ip -n a -o link show ts-aws-1 | cut -d: -f1)
spis=$(vm_xfrm_spis a 192.0.2.1 192.0.2.2)
vm_tunsh_ok a "mtu 1400 and tcp-mss 1300" <<'EOF2'
configure
ipsec tunnel aws-1
 mtu 1400
 tcp-mss 1300
 exit
commit
EOF2
mtu_is 1400 "mtu 1400"
[ "$(ip -n a -o link show ts-aws-1 | cut -d: -f1)" = "$idx" ] ||
	vm_fail "mtu 1400 made ts-aws-1 again (ifindex $idx before)"
[ "$(vm_xfrm_spis a 192.0.2.1 192.0.2.2)" = "$spis" ] ||
	vm_fail "mtu and tcp-mss changed the SAs: $spis -> $(vm_xfrm_spis a 192.0.2.1 192.0.2.2)"
mss_both 1300 "tcp-mss 1300"
vm_ping_all ha 10.2.0.10 2
# No clamp: no table, and the hosts' own MSS (1460) crosses.
vm_tunsh_ok a "tcp-mss 0" <<'EOF2'
configure
ipsec tunnel aws-1
 tcp-mss 0
 exit
commit
EOF2
ip netns exec a nft list table inet tunsh >/dev/null 2>&1 &&
	vm_fail "tcp-mss 0 left the table: $(ip netns exec a nft list ruleset)"
mss_both 1460 "tcp-mss 0"

vm_tunsh_ok a "remove the tunnel" <<'EOF2'
configure
no ipsec tunnel aws-1
commit
EOF2
ip -n a link show ts-aws-1 >/dev/null 2>&1 && vm_fail "ts-aws-1 is still there"
[ -z "$(ip -n a route show 10.2.0.0/24)" ] || vm_fail "the route stayed: $(ip -n a route show 10.2.0.0/24)"
[ "$(vm_xfrm_count a)" = 0 ] || vm_fail "SAs stayed: $(ip -n a xfrm state)"
[ -z "$(policies a)" ] || vm_fail "policies stayed: $(policies a)"
ip netns exec a nft list table inet tunsh >/dev/null 2>&1 &&
	vm_fail "the clamp's table stayed: $(ip netns exec a nft list ruleset)"
vm_log "removing the tunnel removed its interface, route, SAs and policies"

# A tunshd that dies (SIGKILL) leaves its interface, route, SAs and
# policies; the next one removes them, then applies the running
# configuration again.  Policies must be deleted with their if_id: the
# kernel finds a policy by index only when the if_id matches too.  A
# policy the new tunshd merely updated would keep its index (the kernel
# keeps it on replace), so no index of the dead tunshd's may remain.
mark=$(vm_tunshd_lines a)
tunnel_add "add the tunnel again"
vm_tunshd_wait a 40 "tunnel aws-1: CHILD SA up" "$mark"
old_idx=$(ip -n a -s xfrm policy | grep -v "socket \(in\|out\)" |
	sed -n 's/.*index \([0-9]*\).*/\1/p' | sort -n | tr '\n' ' ')
kill -KILL "$(cat "$VM_WORK/a/pid")"
sleep 0.2
ip -n a link show ts-aws-1 >/dev/null 2>&1 || vm_fail "the killed tunshd's interface vanished by itself"
[ "$(vm_xfrm_count a)" -ge 2 ] || vm_fail "the killed tunshd's SAs vanished by itself"
[ -n "$old_idx" ] || vm_fail "the killed tunshd's policies vanished by itself"
cp "$VM_WORK/a/tunsh.conf" "$VM_WORK/a-restart.conf"
vm_tunshd_start a a <"$VM_WORK/a-restart.conf"
vm_tunshd_wait a 20 "removed [0-9]+ SAs, policies and interfaces an earlier tunshd left"
vm_log "$(grep 'an earlier tunshd left' "$VM_WORK/a/tunshd.log")"
vm_tunshd_wait a 40 "tunnel aws-1: CHILD SA up"
[ "$(vm_xfrm_count a)" = 2 ] || vm_fail "after the restart a holds $(vm_xfrm_count a) SAs, want 2: $(ip -n a xfrm state)"
new_idx=$(ip -n a -s xfrm policy | grep -v "socket \(in\|out\)" |
	sed -n 's/.*index \([0-9]*\).*/\1/p' | sort -n | tr '\n' ' ')
for i in $old_idx; do
	[[ " $new_idx " != *" $i "* ]] ||
		vm_fail "policy index $i of the dead tunshd is still there (indexes before: $old_idx, after: $new_idx): $(ip -n a -s xfrm policy)"
done
vm_ping_all ha 10.2.0.10 3
# The tunnel was added afresh before the kill: the preset's values.
mtu_is 1446 "after the restart"
[ "$(clamps)" = "$want" ] ||
	vm_fail "after the restart, a's clamps: $(ip netns exec a nft list ruleset)"
vm_log "a restarted tunshd removed the dead one's state (policies $old_idx) and carries traffic again (policies $new_idx)"
