#!/usr/bin/env bash
# tunshd (real kernel) in site a initiates a policy-based tunnel to
# libreswan's pluto in site b, both with their shipped proposals (tunsh's
# defaults, no ike-proposal; libreswan's defaults, no ike=/esp=).  What a
# user would see:
#  - pings between the LANs are all answered, both ways;
#  - only ESP crossed the wire (raw PREROUTING counters of both gateways),
#    and each decrypted the 10 ICMP packets it received;
#  - the SPIs in a's kernel are the ones pluto lists (in/out swapped) and
#    the ones tunshd logged.
#
#   ha (10.1.0.10) --lan-- a --wan--------------wan-- b --lan-- hb (10.2.0.10)
#          tunshd      10.1.0.1  192.0.2.1   192.0.2.2  10.2.0.1    pluto

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
# shellcheck source=SCRIPTDIR/../pluto.sh
. "$TUNSH_TOP/tests/vm/pluto.sh"
trap vm_pluto_stop_all EXIT
vm_pluto_need

vm_log "topology"
vm_sites
# Control: without SAs the route carries the ping in clear and the
# counters see it, or their zeros below would prove nothing.
[ "$(vm_ping ha 10.2.0.10 1)" = 1 ] || vm_fail "control ping without IPsec got no answer"
[ "$(vm_ipt_count b raw PREROUTING plain)" -ge 1 ] ||
	vm_fail "b did not count the control ping as plaintext"

vm_log "pluto in b, tunshd in a"
vm_pluto_conf | vm_pluto_start b b
vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a
mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "add the tunnel" <<'EOF'
configure
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm-test-psk-not-secret-0123456789
 local-network vlan 10
 remote-network 10.2.0.0/24
 exit
commit
EOF
vm_tunshd_wait a 30 "tunnel to-b: CHILD SA up" "$mark"
vm_pluto_wait b
vm_log "up: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -E 'IKE SA established|CHILD SA up' | tr '\n' ' ')"
vm_log "pluto: $(vm_pluto_sas b | tr '\n' ' ')"
vm_log "pluto: $(grep -E 'established (IKE|Child) SA' "$VM_WORK/b/pluto.log" | sed 's/^.*: //' | tr '\n' '|')"

n=$(vm_xfrm_count a)
[ "$n" = 2 ] || vm_fail "a holds $n SAs, want 2: $(ip -n a xfrm state)"
spis_a_in=$(vm_xfrm_spis a 192.0.2.2 192.0.2.1)
spis_a_out=$(vm_xfrm_spis a 192.0.2.1 192.0.2.2)
read -r pin pout <<<"$(vm_pluto_child_spis b site)"
vm_log "SPIs: a in $spis_a_in out $spis_a_out; pluto in ${pin:-?} out ${pout:-?}"
{ [ -n "${pin:-}" ] && [ "$spis_a_in" = "$pout" ] && [ "$spis_a_out" = "$pin" ]; } ||
	vm_fail "SPIs differ: a in $spis_a_in out $spis_a_out, pluto in ${pin:-?} out ${pout:-?}: $(vm_whack b --showstates)"
tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" |
	grep -q "CHILD SA up: SPIs $spis_a_in in, $spis_a_out out" ||
	vm_fail "tunshd's log names other SPIs than the kernel's $spis_a_in/$spis_a_out"
n=$(ip -n b xfrm state | grep -c "spi 0x\($spis_a_in\|$spis_a_out\)") || true
[ "$n" = 2 ] || vm_fail "b's kernel lacks the SAs $spis_a_in/$spis_a_out: $(ip -n b xfrm state)"

vm_ipt a -t raw -Z PREROUTING
vm_ipt b -t raw -Z PREROUTING
vm_ping_all ha 10.2.0.10 5
vm_ping_all hb 10.1.0.10 5
for gw in a b; do
	esp=$(vm_ipt_count "$gw" raw PREROUTING esp)
	plain=$(vm_ipt_count "$gw" raw PREROUTING plain)
	clear=$(vm_ipt_count "$gw" raw PREROUTING icmp-clear)
	dec=$(vm_ipt_count "$gw" raw PREROUTING decrypted)
	vm_log "$gw received esp $esp, plaintext $plain, icmp in clear $clear, decrypted icmp $dec"
	[ "$esp" = 10 ] || vm_fail "$gw received $esp ESP packets, want 10"
	[ "$plain" = 0 ] || vm_fail "$gw received $plain non-ESP packets from the wire"
	[ "$clear" = 0 ] || vm_fail "$gw received $clear ICMP packets in clear"
	[ "$dec" = 10 ] || vm_fail "$gw decrypted $dec ICMP packets, want 10"
done
for spec in "192.0.2.1 192.0.2.2" "192.0.2.2 192.0.2.1"; do
	read -r src dst <<<"$spec"
	n=$(vm_xfrm_packets a "$src" "$dst")
	[ "$n" = 10 ] || vm_fail "a's SA $spec counted $n packets, want 10: $(ip -n a -s xfrm state)"
done
vm_log "PASS"
