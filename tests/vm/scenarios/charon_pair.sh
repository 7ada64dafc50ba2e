#!/usr/bin/env bash
# The harness's proof: two strongSwan gateways (Debian's charon with
# kernel-netlink) in their own namespaces negotiate a tunnel-mode CHILD_SA
# (IKE AES-GCM-256/X25519, ESP AES-GCM-256), and traffic between their LANs
# crosses the wire as ESP only.  Passing means the guest kernel does ESP
# with rfc4106(gcm(aes)) and the helpers in lib.sh work.
#
#   ha (10.1.0.10) --lan-- a --wan--------------wan-- b --lan-- hb (10.2.0.10)
#                    10.1.0.1  192.0.2.1   192.0.2.2  10.2.0.1
#
# a and b route the other LAN over wan by a plain route, so a missing or
# bypassed policy shows up as plaintext on the wire, which b's counters
# see: a control ping before the tunnel exists proves they would.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_charon_stop EXIT

vm_charon_need openssl kernel-netlink vici

vm_log "topology"
vm_netns a b ha hb
{
	vm_veth a wan b wan
	vm_veth a lan ha eth0
	vm_veth b lan hb eth0
} | vm_ip
vm_ip a <<EOF
link set wan up
link set lan up
addr add 192.0.2.1/24 dev wan
addr add 10.1.0.1/24 dev lan
route add 10.2.0.0/24 via 192.0.2.2 dev wan
EOF
vm_ip b <<EOF
link set wan up
link set lan up
addr add 192.0.2.2/24 dev wan
addr add 10.2.0.1/24 dev lan
route add 10.1.0.0/24 via 192.0.2.1 dev wan
EOF
vm_ip ha <<EOF
link set eth0 up
addr add 10.1.0.10/24 dev eth0
route add default via 10.1.0.1
EOF
vm_ip hb <<EOF
link set eth0 up
addr add 10.2.0.10/24 dev eth0
route add default via 10.2.0.1
EOF
vm_sysctl a net.ipv4.ip_forward=1
vm_sysctl b net.ipv4.ip_forward=1

# What arrives on each gateway's wan, counted in raw PREROUTING.  A
# decrypted tunnel-mode packet is re-injected on the device it came in on
# and passes PREROUTING again, so the policy match tells wire traffic
# (--pol none) from decrypted traffic (--pol ipsec).
for gw in a b; do
	vm_ipt "$gw" -t raw -A PREROUTING -i wan -p esp \
		-m comment --comment esp
	vm_ipt "$gw" -t raw -A PREROUTING -i wan -m policy --dir in --pol none \
		! -p esp -m comment --comment plain
	vm_ipt "$gw" -t raw -A PREROUTING -i wan -p icmp \
		-m policy --dir in --pol ipsec -m comment --comment decrypted
done

# Control: with no SA the route carries the ping in plaintext, and the
# counters must see it, or their zeros below would prove nothing.
ip netns exec ha busybox ping -c 1 -W 2 10.2.0.10 >/dev/null ||
	vm_fail "control ping without IPsec got no answer"
plain=$(vm_ipt_count b raw PREROUTING plain)
[ "$plain" -ge 1 ] || vm_fail "b counted $plain plaintext packets on wan for the control ping"

vm_log "charon"
vm_charon_start a a
vm_charon_start b b
# Shared PSK, tunnel mode, X25519 for IKE and for rekeying the CHILD_SA.
for gw in a b; do
	if [ "$gw" = a ]; then
		me=192.0.2.1 peer=192.0.2.2 lnet=10.1.0.0/24 rnet=10.2.0.0/24 other=b
	else
		me=192.0.2.2 peer=192.0.2.1 lnet=10.2.0.0/24 rnet=10.1.0.0/24 other=a
	fi
	vm_charon_load "$gw" <<EOF
connections {
	site {
		version = 2
		local_addrs = $me
		remote_addrs = $peer
		proposals = aes256gcm16-prfsha256-x25519
		local {
			auth = psk
			id = $gw.vm.test
		}
		remote {
			auth = psk
			id = $other.vm.test
		}
		children {
			lans {
				local_ts = $lnet
				remote_ts = $rnet
				mode = tunnel
				esp_proposals = aes256gcm16-x25519
			}
		}
	}
}
secrets {
	ike-site {
		id-a = a.vm.test
		id-b = b.vm.test
		secret = "vm-test-psk-not-secret-0123456789"
	}
}
EOF
done

vm_log "initiate"
vm_swanctl a --initiate --child lans --timeout 20 >"$VM_WORK/initiate.out" 2>&1 ||
	vm_fail "initiate: $(tail -n 20 "$VM_WORK/initiate.out")"
vm_charon_wait a lans
vm_charon_wait b lans
vm_log "established: $(vm_swanctl a --list-sas --child lans | grep -E 'ESTABLISHED|INSTALLED|AES' | tr -s ' \n' ' ')"

# The kernel holds the SA pair in both gateways, with the cipher asked for.
for gw in a b; do
	n=$(vm_xfrm_count "$gw")
	[ "$n" = 2 ] || vm_fail "$gw holds $n SAs, want 2: $(ip -n "$gw" xfrm state)"
	# 36 bytes: the AES-256 key and the 4-byte salt (RFC 4106 8.1).
	sas=$(ip -n "$gw" xfrm state)
	n=$(grep -c 'aead rfc4106(gcm(aes)) 0x[0-9a-f]\{72\} 128' <<<"$sas") || true
	[ "$n" = 2 ] || vm_fail "$gw: want 2 SAs with rfc4106(gcm(aes)), 256-bit key: $sas"
done

vm_log "ping"
# Count from here: IKE's own packets before this are no concern.
vm_ipt a -t raw -Z PREROUTING
vm_ipt b -t raw -Z PREROUTING
tx_a0=$(vm_tx a wan)
tx_b0=$(vm_tx b wan)
out=$(ip netns exec ha busybox ping -c 5 -i 0.2 -W 3 10.2.0.10 2>&1) ||
	vm_fail "ping through the tunnel: $out"
grep -q '5 packets transmitted, 5 packets received' <<<"$out" ||
	vm_fail "not all 5 pings answered: $out"
tx_a=$(($(vm_tx a wan) - tx_a0))
tx_b=$(($(vm_tx b wan) - tx_b0))

# Each direction's SA counted the 5 packets, on both sides.
for spec in "a 192.0.2.1 192.0.2.2" "a 192.0.2.2 192.0.2.1" \
	"b 192.0.2.1 192.0.2.2" "b 192.0.2.2 192.0.2.1"; do
	read -r gw src dst <<<"$spec"
	n=$(vm_xfrm_packets "$gw" "$src" "$dst")
	[ "$n" -ge 5 ] || vm_fail "$gw: SA $src -> $dst counted $n packets, want >= 5"
done

# Only ESP crossed the wire: each side received 5 ESP packets, no other
# IP packet from the wire, and decrypted 5 ICMP packets; and each wan sent
# no more frames than the ESP the other side received (give or take one
# ARP exchange).
for spec in "a $tx_b" "b $tx_a"; do
	read -r gw tx <<<"$spec"
	esp=$(vm_ipt_count "$gw" raw PREROUTING esp)
	plain=$(vm_ipt_count "$gw" raw PREROUTING plain)
	dec=$(vm_ipt_count "$gw" raw PREROUTING decrypted)
	vm_log "$gw received: esp $esp, plaintext $plain, decrypted icmp $dec; peer sent $tx frames"
	[ "$esp" = 5 ] || vm_fail "$gw received $esp ESP packets, want 5"
	[ "$plain" = 0 ] || vm_fail "$gw received $plain non-ESP packets from the wire"
	[ "$dec" = 5 ] || vm_fail "$gw decrypted $dec ICMP packets, want 5"
	if [ "$tx" -lt 5 ] || [ "$tx" -gt 7 ]; then
		vm_fail "the peer of $gw sent $tx frames on wan for 5 ESP packets"
	fi
done
vm_log "PASS"
