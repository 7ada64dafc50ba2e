#!/usr/bin/env bash
# IPv6 outside and inside against strongSwan's charon as shipped
# (swanctl, its default socket: IPv4 and IPv6), in one guest, three
# phases, each set up by one tunsh commit that removes the previous
# tunnel and adds the next:
#  a. in4o6: IPv6 outside (2001:db8:1::1 <-> ::2), IPv4 LANs inside;
#  b. in6o4: IPv4 outside (192.0.2.1 <-> .2), IPv6 LANs inside;
#  c. in6o6: IPv6 outside and inside.
# In each, what a user would see:
#  - pings between the LANs are all answered, both ways (busybox ping6
#    for IPv6);
#  - both kernels hold one SA pair between the phase's outside addresses,
#    whose packet counters rose by the pings (ip -s xfrm state);
#  - only ESP crossed the wire, of the outside family, and each gateway
#    decrypted as many pings as it received ESP packets;
#  - show ipsec tunnel and show ipsec sa print the outside IPv6 addresses
#    (RFC 5952) and the IPv6 networks.
#
#   ha --lan-- a --wan---------------------wan-- b --lan-- hb
#   10.1.0.10  10.1.0.1  192.0.2.1      192.0.2.2  10.2.0.1  10.2.0.10
#   2001:db8:10::10  ::1 2001:db8:1::1  2001:db8:1::2  2001:db8:20::1  ::10
#      tunshd (or, VM_SITE_A=charon, a second charon: the peer's proof)
#
# VM_SITE_A=charon (tests/vm/proof/ipv6_charon.sh) puts charon in a in
# place of tunshd: the same topology, charon b's configuration and checks
# (but tunsh's own), proving the guest's kernel, ping6, the namespaces and
# the peer's configuration without tunsh.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT
SITE_A=${VM_SITE_A:-tunsh}
PSK=vm-test-psk-not-secret-0123456789

vm_charon_need openssl kernel-netlink vici

vm_log "topology: IPv4 and IPv6 everywhere"
vm_sites 46
# Control: without SAs the routes carry pings of both families in clear
# and the counters see them, or their zeros below would prove nothing.
[ "$(vm_ping ha 10.2.0.10 1)" = 1 ] || vm_fail "control ping without IPsec got no answer"
[ "$(vm_ping ha "$VM6_HB" 1)" = 1 ] || vm_fail "control ping6 without IPsec got no answer"
[ "$(vm_ipt_count b raw PREROUTING icmp-clear)" -ge 1 ] ||
	vm_fail "b did not count the control ping as ICMP in clear"
[ "$(vm_ip6t_count b raw PREROUTING icmp-clear)" -ge 1 ] ||
	vm_fail "b did not count the control ping6 as ICMPv6 in clear"
vm_log "control pings of both families crossed in clear and were counted"

vm_log "charon in b, $SITE_A in a"
vm_charon_start b b
vm_conf46 192.0.2.2 192.0.2.1 "$VM6_WAN_B" "$VM6_WAN_A" 10.2.0.0/24 10.1.0.0/24 \
	"$VM6_LAN_B" "$VM6_LAN_A" | vm_charon_load b
if [ "$SITE_A" = charon ]; then
	vm_charon_start a a
	vm_conf46 192.0.2.1 192.0.2.2 "$VM6_WAN_A" "$VM6_WAN_B" 10.1.0.0/24 10.2.0.0/24 \
		"$VM6_LAN_A" "$VM6_LAN_B" | vm_charon_load a
else
	vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a
	# The WAN port's IPv6 address beside its IPv4 one, and the IPv6 LAN
	# as VLAN 20, from the shell as an admin would add them.
	vm_tunsh_ok a "IPv6 on wan1 and VLAN 20" <<-EOT
	configure
	interface wan1
	 address $VM6_WAN_A/64
	 exit
	vlan 20
	 name lan6
	 subnet $VM6_LAN_A
	 exit
	commit
	EOT
	out=$(echo "show running-config" | vm_tunsh a 2>&1) || vm_fail "show running-config: $out"
	grep -q " address $VM6_WAN_A/64" <<<"$out" && grep -q " subnet $VM6_LAN_A" <<<"$out" ||
		vm_fail "the running configuration lacks wan1's IPv6 address or VLAN 20's subnet: $out"
fi

prev=
# phase NAME OUT_A OUT_B PING_A PING_B [TUNSH SETTINGS...]: the tunnel NAME
# (charon's child of that name) between the outside addresses OUT_A and
# OUT_B; ha pings PING_B (hb's address of the inside family) and hb pings
# PING_A.  With tunsh in a, SETTINGS are the tunnel's lines after
# wan-port, remote-address and pre-shared-key.
phase() {
	local name=$1 oa=$2 ob=$3 pa=$4 pb=$5 t0=$EPOCHREALTIME ike=six
	shift 5
	[[ $oa == *:* ]] || ike=four
	vm_log "phase $name: outside $oa <-> $ob, inside $pa <-> $pb"
	if [ "$SITE_A" = charon ]; then
		if [ -n "$prev" ]; then
			vm_swanctl a --terminate --ike "$prev" --timeout 10 >/dev/null 2>&1 ||
				vm_fail "$name: charon a could not terminate $prev"
		fi
		vm_swanctl a --initiate --child "$name" --timeout 20 >"$VM_WORK/initiate.out" 2>&1 ||
			vm_fail "$name: initiate: $(tail -n 20 "$VM_WORK/initiate.out")"
		vm_charon_wait a "$name"
		prev=$ike
	else
		vm_tunsh_phase "$name" "$prev" "$ob" "$PSK" "$@"
		prev=$name
	fi
	vm_charon_wait b "$name" 20
	vm_log "$name: up in $(vm_since "$t0")s"
	vm_phase_traffic "$name" "$oa" "$ob" "$pa" "$pb"
	[ "$SITE_A" != tunsh ] || vm_phase_show "$name" "$oa" "$ob" "$pa"
	vm_log "$name: PASS in $(vm_since "$t0")s"
}

phase in4o6 "$VM6_WAN_A" "$VM6_WAN_B" 10.1.0.10 10.2.0.10 \
	"local-network vlan 10" "remote-network 10.2.0.0/24"
phase in6o4 192.0.2.1 192.0.2.2 "$VM6_HA" "$VM6_HB" \
	"local-network vlan 20" "remote-network $VM6_LAN_B"
phase in6o6 "$VM6_WAN_A" "$VM6_WAN_B" "$VM6_HA" "$VM6_HB" \
	"local-address $VM6_WAN_A" "local-network $VM6_LAN_A" "remote-network $VM6_LAN_B"
vm_log "PASS"
