#!/usr/bin/env bash
# ipv6.sh against libreswan's pluto as shipped (its default proposals,
# IKEv2 its default; pluto.sh): one guest, three phases, each set up by
# tunsh commits (the previous tunnel removed, then the next added):
#  a. in4o6: IPv6 outside (2001:db8:1::1 <-> ::2), IPv4 LANs inside;
#  b. in6o4: IPv4 outside (192.0.2.1 <-> .2), IPv6 LANs inside;
#  c. in6o6: IPv6 outside and inside, pluto named by an AAAA entry of
#     /etc/hosts (a peer by name over IPv6).
# In each: pings both ways all answered (busybox ping6 for IPv6), one SA
# pair in each kernel between the phase's outside addresses counting
# them, only ESP of the outside family on the wire, show ipsec tunnel and
# show ipsec sa printing the IPv6 addresses (vm_phase_traffic,
# vm_phase_show in lib.sh).
#
# pluto holds one conn per phase, named like the tunnel: between phases,
# one commit removes the previous tunnel, pluto unloads its conn once its
# SAs are gone and loads the next, and another commit adds the next
# tunnel; so in4o6 and in6o6 (the same addresses and IDs) are never
# loaded together, and unloading in6o4 cannot take in6o6's policies
# (the same selectors) with it.
#
#   ha --lan-- a --wan---------------------wan-- b --lan-- hb
#   10.1.0.10  10.1.0.1  192.0.2.1      192.0.2.2  10.2.0.1  10.2.0.10
#   2001:db8:10::10  ::1 2001:db8:1::1  2001:db8:1::2  2001:db8:20::1  ::10
#      tunshd (or, VM_SITE_A=charon, charon: the peer's proof)     pluto

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
# shellcheck source=SCRIPTDIR/../pluto.sh
. "$TUNSH_TOP/tests/vm/pluto.sh"
trap vm_pluto_stop_all EXIT
vm_pluto_need
SITE_A=${VM_SITE_A:-tunsh}
PSK=vm-test-psk-not-secret-0123456789

vm_log "topology: IPv4 and IPv6 everywhere"
vm_sites 46
[ "$(vm_ping ha 10.2.0.10 1)" = 1 ] || vm_fail "control ping without IPsec got no answer"
[ "$(vm_ping ha "$VM6_HB" 1)" = 1 ] || vm_fail "control ping6 without IPsec got no answer"
[ "$(vm_ip6t_count b raw PREROUTING icmp-clear)" -ge 1 ] ||
	vm_fail "b did not count the control ping6 as ICMPv6 in clear"

# conn NAME LEFT RIGHT LEFTSUBNET RIGHTSUBNET AUTO: one conn of pluto's
# ipsec.conf, libreswan's defaults but the peers.
conn() {
	# ipsec.conf wants a conn's keys indented: no <<- here-document.
	printf 'conn %s\n' "$1"
	printf '\t%s\n' authby=secret "left=$2" "leftid=$2" "leftsubnet=$4" \
		"right=$3" "rightid=$3" "rightsubnet=$5" "auto=$6"
}

vm_log "pluto in b, $SITE_A in a"
{
	echo "config setup"
	echo
	conn in4o6 "$VM6_WAN_B" "$VM6_WAN_A" 10.2.0.0/24 10.1.0.0/24 add
	conn in6o4 192.0.2.2 192.0.2.1 "$VM6_LAN_B" "$VM6_LAN_A" ignore
	conn in6o6 "$VM6_WAN_B" "$VM6_WAN_A" "$VM6_LAN_B" "$VM6_LAN_A" ignore
} | PLUTO_IDS="192.0.2.2 $VM6_WAN_B" vm_pluto_start b b
if [ "$SITE_A" = charon ]; then
	vm_charon_start a a
	# pluto's default IKE proposals, which charon's default list meets.
	VM_CONF46_IKE=default vm_conf46 192.0.2.1 192.0.2.2 "$VM6_WAN_A" "$VM6_WAN_B" \
		10.1.0.0/24 10.2.0.0/24 "$VM6_LAN_A" "$VM6_LAN_B" | vm_charon_load a
else
	vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a
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
fi

prev=
# phase NAME OUT_A OUT_B PING_A PING_B [TUNSH SETTINGS...]: as in ipv6.sh,
# but the previous tunnel goes first, on its own: pluto unloads its conn
# only once its SAs are gone, then loads the next.  (Unloading a conn
# makes pluto delete the kernel policies of its selectors, whoever
# installed them: in6o4 and in6o6 have the same.)
phase() {
	local name=$1 oa=$2 ob=$3 pa=$4 pb=$5 t0=$EPOCHREALTIME
	shift 5
	vm_log "phase $name: outside $oa <-> $ob, inside $pa <-> $pb"
	if [ -n "$prev" ]; then
		if [ "$SITE_A" = charon ]; then
			vm_swanctl a --terminate --ike "$(cat "$VM_WORK/prev-ike")" --timeout 10 >/dev/null 2>&1 ||
				vm_fail "$name: charon a could not terminate its previous IKE SA"
		else
			vm_tunsh_ok a "remove tunnel $prev" <<-EOT
			configure
			no ipsec tunnel $prev
			commit
			EOT
		fi
		# shellcheck disable=SC2016 # eval expands it
		vm_wait 15 "pluto b: the previous conn $prev has no SA left" \
			eval '! vm_pluto_conn_up b "$prev"'
		vm_wait 10 "a's SAs of $prev are gone" test "$(vm_xfrm_count a)" = 0
		vm_pluto_del_conn b "$prev"
		vm_pluto_add_conn b "$name"
	fi
	if [ "$SITE_A" = charon ]; then
		if [[ $oa == *:* ]]; then echo six; else echo four; fi >"$VM_WORK/prev-ike"
		vm_swanctl a --initiate --child "$name" --timeout 30 >"$VM_WORK/initiate.out" 2>&1 ||
			vm_fail "$name: initiate: $(tail -n 20 "$VM_WORK/initiate.out")"
		vm_charon_wait a "$name"
	else
		vm_tunsh_phase "$name" "" "${PHASE_REMOTE:-$ob}" "$PSK" "$@"
	fi
	vm_wait 30 "pluto b: conn $name has an IPsec SA" vm_pluto_conn_up b "$name"
	prev=$name
	vm_log "$name: up in $(vm_since "$t0")s: $(vm_pluto_sas b | tr '\n' ' ')"
	vm_phase_traffic "$name" "$oa" "$ob" "$pa" "$pb"
	[ "$SITE_A" != tunsh ] || vm_phase_show "$name" "$oa" "$ob" "$pa"
	vm_log "$name: PASS in $(vm_since "$t0")s"
}

phase in4o6 "$VM6_WAN_A" "$VM6_WAN_B" 10.1.0.10 10.2.0.10 \
	"local-network vlan 10" "remote-network 10.2.0.0/24"
phase in6o4 192.0.2.1 192.0.2.2 "$VM6_HA" "$VM6_HB" \
	"local-network vlan 20" "remote-network $VM6_LAN_B"
# in6o6 names pluto by an AAAA entry of the guest's /etc/hosts (the
# root is a throw-away overlay): a peer by name over IPv6.  pluto
# identifies itself by its address, as shipped, so tunsh says so.
echo "$VM6_WAN_B pluto-b.vm.test" >>/etc/hosts
PHASE_REMOTE=pluto-b.vm.test phase in6o6 "$VM6_WAN_A" "$VM6_WAN_B" \
	"$VM6_HA" "$VM6_HB" "local-address $VM6_WAN_A" "remote-id $VM6_WAN_B" \
	"local-network $VM6_LAN_A" "remote-network $VM6_LAN_B"
vm_log "PASS"
