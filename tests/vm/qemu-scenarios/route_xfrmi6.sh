#!/usr/bin/env bash
# A route-based tunnel carrying IPv6 over an XFRM interface (Debian's
# amd64 kernel under qemu): AWS's IPv6 inside tunnel, whose inside CIDR
# is a /126 from fd00::/8 (AWS's end the first host, ours the second),
# against charon configured the way AWS's side is: ::/0 traffic
# selectors both ways, an XFRM interface of its own (if_id 42) holding
# fd00:10::1/126 and a route to site a's IPv6 LAN.  Two phases, each one
# tunsh commit (the second removes the first tunnel):
#  a. aws6: IPv4 outside (192.0.2.1 <-> .2), as AWS's tunnels are;
#  b. aws66: IPv6 outside (2001:db8:1::1 <-> ::2).
# In each, what a user would see:
#  - ts-NAME is an XFRM interface on the WAN port, up, with the inside
#    address fd00:10::2/126;
#  - the route to 2001:db8:20::/64 goes through it, with tunshd's
#    protocol;
#  - pings (busybox ping6) between the LANs and across the inside
#    addresses are answered, counted by the SAs in both kernels, and only
#    ESP crossed the wire.
#
#   ha --lan-- a --wan------------------------wan-- b --lan-- hb
#   2001:db8:10::10   192.0.2.1 / 2001:db8:1::1   192.0.2.2 / ::2   2001:db8:20::10
#          ts-NAME@wan fd00:10::2/126  ==  xfrm0@wan fd00:10::1/126    charon
#
# VM_SITE_A=charon (tests/vm/proof/route_xfrmi6_charon.sh, run with
# tests/vm/qemu.sh): charon in a with its own XFRM interface (if_id 43)
# in place of tunshd: proves the kernel, the topology and the peer.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT
SITE_A=${VM_SITE_A:-tunsh}
PSK=vm_test_psk_not_secret_0123456789

vm_charon_need openssl kernel-netlink vici

vm_log "topology: IPv4 and IPv6 everywhere"
vm_sites 46
# b reaches a's IPv6 LAN only through its XFRM interface (if_id 42).
vm_ip b <<-EOT
route del $VM6_LAN_A via $VM6_WAN_A dev wan
link add xfrm0 type xfrm dev wan if_id 42
addr add fd00:10::1/126 dev xfrm0 nodad
link set xfrm0 up
route add $VM6_LAN_A dev xfrm0
EOT

# aws_conf ME4 THEM4 ME6 THEM6 IF_ID: swanctl.conf of an AWS-like side:
# connections out4 and out6 (IPv4 and IPv6 outside), each with one child
# (aws6, aws66) of ::/0 selectors on XFRM interface IF_ID.
aws_conf() {
	local conn me them child
	echo "connections {"
	for conn in out4 out6; do
		if [ "$conn" = out4 ]; then me=$1 them=$2 child=aws6; else me=$3 them=$4 child=aws66; fi
		cat <<-EOT
		$conn {
			version = 2
			local_addrs = $me
			remote_addrs = $them
			proposals = aes256gcm16-prfsha384-ecp384
			local {
				auth = psk
				id = $me
			}
			remote {
				auth = psk
				id = $them
			}
			children {
				$child {
					local_ts = ::/0
					remote_ts = ::/0
					mode = tunnel
					esp_proposals = aes256gcm16-ecp384
					if_id_in = $5
					if_id_out = $5
				}
			}
		}
		EOT
	done
	cat <<-EOT
	}
	secrets {
		ike-4 {
			id-a = $1
			id-b = $2
			secret = "$PSK"
		}
		ike-6 {
			id-a = $3
			id-b = $4
			secret = "$PSK"
		}
	}
	EOT
}

vm_log "charon in b like AWS: ::/0 selectors, on xfrm0 (if_id 42); $SITE_A in a"
vm_charon_start b b
aws_conf 192.0.2.2 192.0.2.1 "$VM6_WAN_B" "$VM6_WAN_A" 42 | vm_charon_load b
if [ "$SITE_A" = charon ]; then
	vm_ip a <<-EOT
	link add xfrm1 type xfrm dev wan if_id 43
	addr add fd00:10::2/126 dev xfrm1 nodad
	link set xfrm1 up
	route add $VM6_LAN_B dev xfrm1
	EOT
	vm_charon_start a a
	aws_conf 192.0.2.1 192.0.2.2 "$VM6_WAN_A" "$VM6_WAN_B" 43 | vm_charon_load a
else
	cat <<-EOT | vm_tunshd_start a a
	hostname = "site-a";
	interfaces = ( { name = "wan"; address = "192.0.2.1/24"; } );
	vlans = ( { id = 10; name = "lan"; subnet = "10.1.0.0/24"; } );
	tunnels = ( );
	EOT
	vm_tunsh_ok a "IPv6 on wan and VLAN 20" <<-EOT
	configure
	interface wan
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
# phase NAME OUT_A OUT_B: the route-based tunnel NAME between OUT_A and
# OUT_B.
phase() {
	local name=$1 oa=$2 ob=$3 t0=$EPOCHREALTIME mark link n gw spec src dst w esp plain clear
	vm_log "phase $name: outside $oa <-> $ob, IPv6 inside"
	if [ "$SITE_A" = charon ]; then
		if [ -n "$prev" ]; then
			vm_swanctl a --terminate --ike "$prev" --timeout 10 >/dev/null 2>&1 ||
				vm_fail "$name: charon a could not terminate $prev"
		fi
		prev=out4
		[[ $oa != *:* ]] || prev=out6
		vm_swanctl a --initiate --child "$name" --timeout 60 >"$VM_WORK/initiate.out" 2>&1 ||
			vm_fail "$name: initiate: $(tail -n 20 "$VM_WORK/initiate.out")"
		vm_charon_wait a "$name" 40
	else
		mark=$(vm_tunshd_lines a)
		{
			echo configure
			[ -z "$prev" ] || echo "no ipsec tunnel $prev"
			echo "ipsec tunnel $name"
			echo " partner-type aws"
			echo " wan-port wan"
			echo " remote-address $ob"
			echo " pre-shared-key $PSK"
			echo " inside-address fd00:10::2/126"
			echo " local-network vlan 20"
			echo " remote-network $VM6_LAN_B"
			echo " exit"
			echo commit
		} | vm_tunsh_ok a "$name: the tunnel"
		# IKE with ECP-384 takes seconds on the emulated CPU.
		vm_tunshd_wait a 60 "tunnel $name: CHILD SA up" "$mark"
		vm_tunshd_wait a 5 "tunnel $name: route to $VM6_LAN_B active" "$mark"
		prev=$name
		link=$(ip -n a -d link show "ts-$name" 2>&1) || vm_fail "no interface ts-$name in a: $link"
		vm_log "$name: interface: $(tr -s ' \n' ' ' <<<"$link")"
		grep -q " xfrm if_id 0x7473[0-9a-f]\{4\} " <<<"$link" ||
			vm_fail "$name: ts-$name is not an XFRM interface with tunshd's if_id: $link"
		grep -q "ts-$name@wan:" <<<"$link" || vm_fail "$name: ts-$name is not on the WAN port: $link"
		grep -q "UP" <<<"$link" || vm_fail "$name: ts-$name is not up: $link"
		w=$(ip -n a addr show "ts-$name")
		grep -q "inet6 fd00:10::2/126" <<<"$w" ||
			vm_fail "$name: ts-$name lacks the inside address fd00:10::2/126: $w"
		w=$(ip -n a -6 route show "$VM6_LAN_B")
		vm_log "$name: route: $w"
		grep -q "dev ts-$name proto 116" <<<"$w" ||
			vm_fail "$name: no route to $VM6_LAN_B through ts-$name: $w"
	fi
	vm_charon_wait b "$name" 40
	vm_log "$name: up in $(vm_since "$t0")s"
	for gw in a b; do
		vm_wait 10 "$name: $gw holds one SA pair (an earlier phase's deleted)" \
			test "$(vm_xfrm_count "$gw")" = 2
	done
	[ -n "$(vm_xfrm_spis a "$oa" "$ob")" ] || vm_fail "$name: a's SAs are not between $oa and $ob: $(ip -n a xfrm state)"
	vm_zero_wire
	vm_ping_all ha "$VM6_HB" 5
	vm_ping_all hb "$VM6_HA" 5
	[ "$(vm_ping a fd00:10::1 3)" = 3 ] || vm_fail "$name: no answer across the inside addresses"
	# 5 pings and 5 answers each way between the LANs, 3 more across the
	# inside addresses: 13 packets per SA, or more: what the kernel sends
	# on an XFRM interface of its own (MLD reports) goes into the tunnel
	# too.  Decrypted packets come in on the XFRM interface, not on wan,
	# so the wire's "decrypted" counter has no say here.
	for gw in a b; do
		for spec in "$oa $ob" "$ob $oa"; do
			read -r src dst <<<"$spec"
			n=$(vm_xfrm_packets "$gw" "$src" "$dst")
			[ "$n" -ge 13 ] || vm_fail "$name: $gw's SA $src -> $dst counted $n packets, want 13 or more: $(ip -n "$gw" -s xfrm state)"
		done
	done
	for gw in a b; do
		w=$(vm_wire_counts "$gw")
		vm_log "$name: $gw received esp/plain/decrypted/icmp-clear $w"
		IFS=/ read -r esp plain _ clear <<<"$w"
		[ "$esp" -ge 13 ] && [ "$plain" = 0 ] && [ "$clear" = 0 ] ||
			vm_fail "$name: $gw received esp/plaintext/decrypted/icmp in clear $w, want 13 or more/0/any/0"
	done
	if [ "$SITE_A" = tunsh ]; then
		w=$(echo "show ipsec tunnel $name" | vm_tunsh a 2>&1) || vm_fail "show ipsec tunnel: $w"
		vm_log "$name: show ipsec tunnel: $(tr -s ' \n' ' ' <<<"$w")"
		for want in fd00:10::2/126 "$VM6_LAN_B" "$ob"; do
			grep -qF "$want" <<<"$w" || vm_fail "$name: show ipsec tunnel lacks $want: $w"
		done
	fi
	vm_log "$name: PASS in $(vm_since "$t0")s"
}

phase aws6 192.0.2.1 192.0.2.2
phase aws66 "$VM6_WAN_A" "$VM6_WAN_B"
if [ "$SITE_A" = tunsh ]; then
	vm_tunsh_ok a "remove the tunnel" <<-'EOT'
	configure
	no ipsec tunnel aws66
	commit
	EOT
	ip -n a link show ts-aws66 >/dev/null 2>&1 && vm_fail "ts-aws66 is still there"
	[ -z "$(ip -n a -6 route show "$VM6_LAN_B")" ] || vm_fail "the route stayed: $(ip -n a -6 route show "$VM6_LAN_B")"
	[ "$(vm_xfrm_count a)" = 0 ] || vm_fail "SAs stayed: $(ip -n a xfrm state)"
	vm_log "removing the tunnel removed its interface, route and SAs"
fi
vm_log "PASS"
