#!/usr/bin/env bash
# A tunnel whose remote-address is a name, against strongSwan's charon
# as shipped, in one guest:
#  1. hosts: the name is in the guest's /etc/hosts (gw-b.vm.test,
#     192.0.2.2): the tunnel comes up, pings cross as ESP, show ipsec
#     tunnel prints the name and the address it resolved to.
#  2. dns: the name is only in a DNS server (a tiny one in python3, in
#     namespace dns behind a, answering vpn-b.vm.test with a TTL of 2 s):
#     the tunnel comes up, pings cross.  Then charon moves: it is killed,
#     b's address 192.0.2.2 becomes 192.0.2.3, the DNS answer changes to
#     192.0.2.3, and charon starts again there.  tunshd follows: it logs
#     the new address, show ipsec tunnel prints it, the tunnel comes back
#     between 192.0.2.1 and 192.0.2.3 and pings cross as ESP.  The times
#     from the move to the log line and to the CHILD SA are logged, and
#     how often tunshd asked the DNS server.
# charon identifies itself by the name (ID_FQDN vpn-b.vm.test), so the
# move changes no identity; tunsh's remote-id says so.  The tunnel has
# dpd action restart: a peer that vanished is noticed even if nothing
# else makes tunsh look again; a restart resolves the name again.
#
#   ha (10.1.0.10) --lan-- a --wan--------------------wan-- b --lan-- hb
#          tunshd      10.1.0.1  192.0.2.1   192.0.2.2 -> .3  10.2.0.1
#                            |dns0 10.9.0.1
#                            |eth0 10.9.0.53  dns (python3 DNS server)
#
# VM_SITE_A=charon (tests/vm/proof/names_charon.sh): charon in a in place
# of tunshd, remote_addrs the name (charon resolves it when it
# initiates): proves the hosts file, the DNS server and its answer change
# as namespace a sees them, and the peer's configuration.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap 'vm_stop_all; kill "$(cat "$VM_WORK/dns.pid" 2>/dev/null)" 2>/dev/null || true' EXIT
SITE_A=${VM_SITE_A:-tunsh}
PSK=vm-test-psk-not-secret-0123456789
TTL=2

vm_charon_need openssl kernel-netlink vici

vm_log "topology, DNS server in namespace dns"
vm_sites
vm_netns dns
vm_veth a dns0 dns eth0 | vm_ip
vm_ip a <<'EOT'
link set dns0 up
addr add 10.9.0.1/24 dev dns0
EOT
vm_ip dns <<'EOT'
link set eth0 up
addr add 10.9.0.53/24 dev eth0
route add default via 10.9.0.1
EOT
# The guest's root is a throw-away overlay: these vanish at power-off.
# ip netns exec lays /etc/netns/NS/* over /etc, so only a (and the
# daemons started in it) asks this server.
echo "192.0.2.2 gw-b.vm.test" >>/etc/hosts
mkdir -p /etc/netns/a
printf 'nameserver 10.9.0.53\noptions timeout:1 attempts:2\n' >/etc/netns/a/resolv.conf

cat >"$VM_WORK/dns.py" <<'EOF'
# A DNS server for one name: A queries for NAME get the address in the
# file ANSWER (read per query, so the scenario changes it) with TTL;
# other types of NAME get no data, other names NXDOMAIN.  Each query is
# appended to LOG ("seconds qname qtype").
import socket, struct, sys, time
addr, name, answer, ttl, log, ready = sys.argv[1:7]
ttl = int(ttl)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
open(ready, "w").close()
while True:
    q, peer = s.recvfrom(512)
    if len(q) < 17:
        continue
    qid, flags = struct.unpack("!HH", q[:4])
    i, labels = 12, []
    while i < len(q) and q[i] != 0 and len(labels) < 64:
        n = q[i]
        labels.append(q[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    i += 1
    if i + 4 > len(q):
        continue
    qtype, = struct.unpack("!H", q[i:i + 2])
    question = q[12:i + 4]
    qname = ".".join(labels).lower()
    with open(log, "a") as f:
        f.write("%.2f %s %d\n" % (time.time(), qname, qtype))
    rcode, an, body = 0, 0, b""
    if qname != name:
        rcode = 3
    elif qtype == 1:
        with open(answer) as f:
            ip = f.read().strip()
        body = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, ttl, 4) + socket.inet_aton(ip)
        an = 1
    hdr = struct.pack("!HHHHHH", qid, 0x8480 | (flags & 0x0100) | rcode, 1, an, 0, 0)
    s.sendto(hdr + question + body, peer)
EOF
echo 192.0.2.2 >"$VM_WORK/dns.answer"
ip netns exec dns /usr/bin/python3 -I -S "$VM_WORK/dns.py" 10.9.0.53 vpn-b.vm.test \
	"$VM_WORK/dns.answer" "$TTL" "$VM_WORK/dns.log" "$VM_WORK/dns.ready" \
	>"$VM_WORK/dns.out" 2>&1 &
echo $! >"$VM_WORK/dns.pid"
vm_wait 20 "the DNS server in namespace dns listens" test -e "$VM_WORK/dns.ready"
# Control: namespace a resolves both names the way a daemon there would
# (getent: the C library, the hosts file then DNS).
out=$(ip netns exec a getent ahostsv4 gw-b.vm.test 2>&1) || vm_fail "a cannot resolve gw-b.vm.test from /etc/hosts: $out"
grep -q '^192\.0\.2\.2 ' <<<"$out" || vm_fail "gw-b.vm.test is not 192.0.2.2 in a: $out"
out=$(ip netns exec a getent ahostsv4 vpn-b.vm.test 2>&1) || vm_fail "a cannot resolve vpn-b.vm.test by DNS: $out"
grep -q '^192\.0\.2\.2 ' <<<"$out" || vm_fail "vpn-b.vm.test is not 192.0.2.2 in a: $out"
vm_log "a resolves gw-b.vm.test (hosts) and vpn-b.vm.test (DNS, TTL ${TTL}s) to 192.0.2.2"

# charon in b on any of its addresses, identified by the name.
PEER_ME=vpn-b.vm.test PEER_ME_ADDRS=%any vm_peer_conf >"$VM_WORK/peer-b.conf"
vm_charon_start b b
vm_charon_load b <"$VM_WORK/peer-b.conf"
if [ "$SITE_A" = charon ]; then
	vm_charon_start a a
else
	vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a
fi

# site_a_charon NAME: charon a's connection to NAME (remote_addrs), the
# peer identified by vpn-b.vm.test.
site_a_charon() {
	PEER_ME=192.0.2.1 PEER_THEM=vpn-b.vm.test PEER_THEM_ADDRS=$1 \
		PEER_LTS=10.1.0.0/24 PEER_RTS=10.2.0.0/24 PEER_CONN="dpd_delay = 2s" \
		PEER_CHILD="dpd_action = restart" vm_peer_conf | vm_charon_load a
}

# up NAME WHERE MARK: the tunnel to NAME is up with b at WHERE: one SA pair
# between 192.0.2.1 and WHERE in a, pings both ways as ESP only.
up() {
	local name=$1 where=$2 mark=$3 out n
	if [ "$SITE_A" = charon ]; then
		vm_charon_wait a lans 30
	else
		vm_tunshd_wait a 60 "tunnel to-b: CHILD SA up" "$mark"
	fi
	vm_charon_wait b lans 30
	vm_wait 15 "a holds one SA pair, between 192.0.2.1 and $where" \
		test "$(vm_xfrm_spis a 192.0.2.1 "$where" | wc -l)$(vm_xfrm_count a)" = 12
	vm_zero_wire
	vm_ping_all ha 10.2.0.10 5
	vm_ping_all hb 10.1.0.10 5
	n=$(vm_xfrm_packets a 192.0.2.1 "$where")
	[ "$n" = 10 ] || vm_fail "$name: a's SA to $where counted $n packets, want 10"
	for gw in a b; do
		out=$(vm_wire_counts "$gw")
		[ "$out" = 10/0/10/0 ] ||
			vm_fail "$name: $gw received esp/plaintext/decrypted/icmp in clear $out, want 10/0/10/0"
	done
	if [ "$SITE_A" = tunsh ]; then
		out=$(echo "show ipsec tunnel to-b" | vm_tunsh a 2>&1) || vm_fail "show ipsec tunnel: $out"
		vm_log "$name: show ipsec tunnel: $(tr -s ' \n' ' ' <<<"$out")"
		grep -Eq '^ *State: +up$' <<<"$out" || vm_fail "$name: show ipsec tunnel does not say up: $out"
		grep -qF "$name" <<<"$out" || vm_fail "$name: show ipsec tunnel does not name $name: $out"
		grep -qF "$where" <<<"$out" || vm_fail "$name: show ipsec tunnel lacks the address $where: $out"
	fi
	vm_log "$name at $where: up, 10 pings crossed as ESP only"
}

vm_log "phase hosts: remote-address gw-b.vm.test from /etc/hosts"
t0=$EPOCHREALTIME
if [ "$SITE_A" = charon ]; then
	site_a_charon gw-b.vm.test
	vm_swanctl a --initiate --child lans --timeout 30 >"$VM_WORK/initiate.out" 2>&1 ||
		vm_fail "initiate: $(tail -n 20 "$VM_WORK/initiate.out")"
	mark=
else
	mark=$(vm_tunshd_lines a)
	vm_tunsh_ok a "the tunnel to gw-b.vm.test" <<-EOT
	configure
	ipsec tunnel to-b
	 wan-port wan1
	 remote-address gw-b.vm.test
	 remote-id vpn-b.vm.test
	 pre-shared-key $PSK
	 local-network vlan 10
	 remote-network 10.2.0.0/24
	 dpd timeout 2
	 dpd delay 3
	 dpd action restart
	 exit
	commit
	EOT
fi
up gw-b.vm.test 192.0.2.2 "$mark"
vm_log "hosts: PASS in $(vm_since "$t0")s"

vm_log "phase dns: remote-address vpn-b.vm.test from the DNS server"
t0=$EPOCHREALTIME
if [ "$SITE_A" = charon ]; then
	vm_swanctl a --terminate --ike site --force >/dev/null 2>&1 || true
	site_a_charon vpn-b.vm.test
	vm_swanctl a --initiate --child lans --timeout 30 >"$VM_WORK/initiate.out" 2>&1 ||
		vm_fail "initiate: $(tail -n 20 "$VM_WORK/initiate.out")"
else
	mark=$(vm_tunshd_lines a)
	vm_tunsh_ok a "remote-address vpn-b.vm.test" <<-'EOT'
	configure
	ipsec tunnel to-b
	 remote-address vpn-b.vm.test
	 exit
	commit
	EOT
fi
up vpn-b.vm.test 192.0.2.2 "$mark"
q=$(grep -c ' vpn-b\.vm\.test ' "$VM_WORK/dns.log") || true
[ "$q" -ge 1 ] || vm_fail "nobody asked the DNS server for vpn-b.vm.test"
vm_log "dns: PASS in $(vm_since "$t0")s; the DNS server was asked $q times so far"

vm_log "move: charon dies, b's 192.0.2.2 becomes 192.0.2.3, DNS says so, charon starts there"
t0=$EPOCHREALTIME
[ "$SITE_A" = charon ] || mark=$(vm_tunshd_lines a)
pid=$(cat "$VM_WORK/b/pid")
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
ip -n b xfrm state flush
ip -n b xfrm policy flush
# wan's last IPv4 address going takes the routes through it along: b's
# route back to a's LAN is made again.
vm_ip b <<'EOT'
addr del 192.0.2.2/24 dev wan
addr add 192.0.2.3/24 dev wan
route replace 10.1.0.0/24 via 192.0.2.1 dev wan
EOT
# a's route to b's LAN follows b (a test artifact: the policies carry the
# LAN's traffic; the route only has to exist).
echo "route replace default via 192.0.2.3 dev wan" | vm_ip a
q0=$(wc -l <"$VM_WORK/dns.log")
echo 192.0.2.3 >"$VM_WORK/dns.answer"
rm -f "$VM_WORK/b/charon.vici"
vm_charon_start b b
vm_charon_load b <"$VM_WORK/peer-b.conf"
if [ "$SITE_A" = charon ]; then
	# charon's dpd_action restart resolves again when it restarts; no
	# need to wait for its DPD: the proof is of the name's new answer.
	vm_swanctl a --terminate --ike site --force >/dev/null 2>&1 || true
	vm_swanctl a --initiate --child lans --timeout 30 >"$VM_WORK/initiate.out" 2>&1 ||
		vm_fail "initiate after the move: $(tail -n 20 "$VM_WORK/initiate.out")"
else
	vm_tunshd_wait a 60 "192\.0\.2\.3" "$mark"
	vm_log "move: tunshd named 192.0.2.3 $(vm_since "$t0")s after the move: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -F 192.0.2.3 | head -n 1)"
fi
up vpn-b.vm.test 192.0.2.3 "$mark"
vm_log "move: the tunnel is back at 192.0.2.3 $(vm_since "$t0")s after the move; the DNS server was asked $(($(wc -l <"$VM_WORK/dns.log") - q0)) times since"
[ "$SITE_A" = charon ] ||
	vm_log "move: tunshd: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | sed 's/.*tunnel to-b: //' | tr '\n' '|')"
vm_log "PASS"
