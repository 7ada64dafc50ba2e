#!/usr/bin/env bash
# tunshd (real kernel) as responder, then as initiator on traffic:
#  1. tunsh has "initiator off"; charon in b initiates: the tunnel comes
#     up with tunsh as responder and pings between the LANs pass.
#  2. charon tears it down (swanctl --terminate): tunshd hears the delete,
#     its SAs go, its policies stay (nothing leaks in clear).
#  3. A ping from tunsh's LAN hits the policy: the kernel's ACQUIRE makes
#     tunshd initiate (charon has start_action = none), and the pings pass;
#     the first ones may be lost while IKE runs.
#
#   ha (10.1.0.10) --lan-- a --wan--------------wan-- b --lan-- hb (10.2.0.10)
#          tunshd      10.1.0.1  192.0.2.1   192.0.2.2  10.2.0.1    charon

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

vm_log "topology"
vm_sites
vm_charon_start b b
vm_peer_conf | vm_charon_load b
vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a
vm_tunsh_ok a "add the tunnel, initiator off" <<'EOF'
configure
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm-test-psk-not-secret-0123456789
 local-network vlan 10
 remote-network 10.2.0.0/24
 ike-proposal aes256gcm16-prfsha256-x25519
 esp-proposal aes256gcm16
 initiator off
 exit
commit
EOF
vm_tunsh_ok a "show the tunnel's settings" <<<'show running-config'
grep -q 'initiator' <<<"$(echo 'show running-config' | vm_tunsh a)" ||
	vm_fail "show running-config does not show the initiator setting: $(echo 'show running-config' | vm_tunsh a)"

# tunsh must not start anything by itself: no IKE packet for a while.
sleep 1
if vm_tunshd_logged a "IKE SA established"; then
	vm_fail "tunshd initiated although the tunnel has initiator off"
fi
n=$(ip -n a xfrm policy | grep -c 'src 10\.1\.0\.0/24 dst 10\.2\.0\.0/24') || true
[ "$n" -ge 1 ] || vm_fail "a has no outbound policy for the LANs before any SA: $(ip -n a xfrm policy)"

vm_log "charon initiates"
mark=$(vm_tunshd_lines a)
vm_swanctl b --initiate --child lans --timeout 20 >"$VM_WORK/initiate.out" 2>&1 ||
	vm_fail "charon's initiate: $(tail -n 20 "$VM_WORK/initiate.out")"
vm_charon_wait b lans
vm_tunshd_wait a 10 "tunnel to-b: CHILD SA up" "$mark"
vm_tunshd_logged a "tunnel to-b: IKE SA established with 192.0.2.2 as responder" "$mark" ||
	vm_fail "tunshd does not say it is the responder: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log")"
[ "$(vm_xfrm_count a)" = 2 ] || vm_fail "a holds $(vm_xfrm_count a) SAs, want 2: $(ip -n a xfrm state)"
# charon as shipped (MOBIKE on) moves IKE to UDP 4500 with no NAT between:
# both ends' ESP must be plain, or nothing crosses (RFC 7296 2.23).
! ip -n a xfrm state | grep -q encap ||
	vm_fail "a UDP-encapsulates ESP with no NAT between: $(ip -n a xfrm state)"
! ip -n b xfrm state | grep -q encap ||
	vm_fail "charon UDP-encapsulates ESP: $(ip -n b xfrm state)"
vm_ping_all ha 10.2.0.10 3
vm_ping_all hb 10.1.0.10 3
for spec in "192.0.2.1 192.0.2.2" "192.0.2.2 192.0.2.1"; do
	read -r src dst <<<"$spec"
	n=$(vm_xfrm_packets a "$src" "$dst")
	[ "$n" = 6 ] || vm_fail "responder: a's SA $spec counted $n packets, want 6"
done
vm_log "responder: up, 6 pings through"

vm_log "charon terminates"
mark=$(vm_tunshd_lines a)
vm_swanctl b --terminate --ike site --timeout 10 >"$VM_WORK/terminate.out" 2>&1 ||
	vm_fail "charon's terminate: $(tail -n 20 "$VM_WORK/terminate.out")"
vm_tunshd_wait a 10 "tunnel to-b: the peer deleted the IKE SA" "$mark"
vm_wait 5 "a's SAs are gone after the peer's delete" test "$(vm_xfrm_count a)" = 0
n=$(ip -n a xfrm policy | grep -c 'src 10\.1\.0\.0/24 dst 10\.2\.0\.0/24') || true
[ "$n" -ge 1 ] || vm_fail "a dropped its outbound policy with the SAs: $(ip -n a xfrm policy)"
vm_log "down: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | tr '\n' ' ')"

vm_log "traffic from a's LAN starts the tunnel"
mark=$(vm_tunshd_lines a)
vm_ipt b -t raw -Z PREROUTING
n=$(vm_ping ha 10.2.0.10 6 0.5)
vm_log "acquire: $n of 6 pings answered"
vm_tunshd_logged a "tunnel to-b: IKE SA established with 192.0.2.2 as initiator" "$mark" ||
	vm_fail "tunshd did not initiate on traffic: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log")"
[ "$n" -ge 4 ] || vm_fail "only $n of 6 pings answered after the ACQUIRE"
vm_charon_wait b lans
[ "$(vm_ipt_count b raw PREROUTING icmp-clear)" = 0 ] ||
	vm_fail "b received $(vm_ipt_count b raw PREROUTING icmp-clear) ICMP packets in clear while the tunnel came up"
vm_ping_all hb 10.1.0.10 3
vm_log "initiator on traffic: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | tr '\n' ' ')"
vm_log "PASS"
