#!/usr/bin/env bash
# libreswan's pluto (site b, shipped defaults) initiates, as "ipsec auto
# --up site" does; tunshd (site a, real kernel) has the tunnel with
# initiator off and responds.  What a user would see: tunshd does not
# start the tunnel itself, says it is the responder once pluto has, its
# kernel holds the pair of SAs pluto lists, plain ESP (no UDP
# encapsulation without a NAT), and pings cross both ways.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
# shellcheck source=SCRIPTDIR/../pluto.sh
. "$TUNSH_TOP/tests/vm/pluto.sh"
trap vm_pluto_stop_all EXIT
vm_pluto_need

vm_log "topology"
vm_sites
vm_pluto_conf | vm_pluto_start b b
vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a
mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "add the tunnel, initiator off" <<'EOF'
configure
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm-test-psk-not-secret-0123456789
 local-network vlan 10
 remote-network 10.2.0.0/24
 initiator off
 exit
commit
EOF
# A policy exists before any SA (so the commit reached the kernel) and
# tunshd has not started anything.
vm_wait 10 "a has an outbound policy for the LANs" \
	sh -c "ip -n a xfrm policy | grep -q 'src 10.1.0.0/24 dst 10.2.0.0/24'"
vm_tunshd_logged a "IKE SA established" "$mark" &&
	vm_fail "tunshd initiated although the tunnel has initiator off"

vm_log "pluto initiates"
vm_pluto_up b site
vm_pluto_wait b 30
vm_tunshd_wait a 15 "tunnel to-b: CHILD SA up" "$mark"
vm_tunshd_logged a "tunnel to-b: IKE SA established with 192.0.2.2 as responder" "$mark" ||
	vm_fail "tunshd does not say it is the responder: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log")"
vm_log "pluto: $(grep -E 'established (IKE|Child) SA' "$VM_WORK/b/pluto.log" | sed 's/^.*: //' | tr '\n' '|')"

[ "$(vm_xfrm_count a)" = 2 ] || vm_fail "a holds $(vm_xfrm_count a) SAs, want 2: $(ip -n a xfrm state)"
! ip -n a xfrm state | grep -q encap ||
	vm_fail "a UDP-encapsulates ESP with no NAT between: $(ip -n a xfrm state)"
! ip -n b xfrm state | grep -q encap ||
	vm_fail "pluto UDP-encapsulates ESP: $(ip -n b xfrm state)"
spis_a_in=$(vm_xfrm_spis a 192.0.2.2 192.0.2.1)
spis_a_out=$(vm_xfrm_spis a 192.0.2.1 192.0.2.2)
read -r pin pout <<<"$(vm_pluto_child_spis b site)"
vm_log "SPIs: a in $spis_a_in out $spis_a_out; pluto in ${pin:-?} out ${pout:-?}"
{ [ -n "${pin:-}" ] && [ "$spis_a_in" = "$pout" ] && [ "$spis_a_out" = "$pin" ]; } ||
	vm_fail "SPIs differ: a in $spis_a_in out $spis_a_out, pluto in ${pin:-?} out ${pout:-?}: $(vm_whack b --showstates)"

vm_ipt a -t raw -Z PREROUTING
vm_ipt b -t raw -Z PREROUTING
vm_ping_all ha 10.2.0.10 3
vm_ping_all hb 10.1.0.10 3
for gw in a b; do
	esp=$(vm_ipt_count "$gw" raw PREROUTING esp)
	clear=$(vm_ipt_count "$gw" raw PREROUTING icmp-clear)
	dec=$(vm_ipt_count "$gw" raw PREROUTING decrypted)
	vm_log "$gw received esp $esp, icmp in clear $clear, decrypted icmp $dec"
	[ "$esp" = 6 ] || vm_fail "$gw received $esp ESP packets, want 6"
	[ "$clear" = 0 ] || vm_fail "$gw received $clear ICMP packets in clear"
	[ "$dec" = 6 ] || vm_fail "$gw decrypted $dec ICMP packets, want 6"
done
vm_log "PASS"
