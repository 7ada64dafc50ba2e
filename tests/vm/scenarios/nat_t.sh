#!/usr/bin/env bash
# NAT traversal: tunshd's site sits behind a NAT (iptables-legacy
# masquerade in its own namespace) and initiates to charon.  Both ends
# detect the NAT (RFC 7296 2.23), move to UDP 4500, and the SAs are
# ESP-in-UDP (RFC 3948).  What a user would see:
#  - the kernel's SAs in a carry "encap type espinudp" on 4500;
#  - pings between the LANs are answered;
#  - nothing but UDP 4500 (after IKE_SA_INIT on 500) leaves a's WAN;
#  - show ipsec tunnel says NAT-T, with a behind the NAT.
#
#   ha --lan-- a --wan--- nat ---out--- b --lan-- hb
#   10.1.0.10    192.168.1.2  192.168.1.1 | 192.0.2.1   192.0.2.2   10.2.0.10

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici
vm_masq_sites

vm_log "charon in b answers whoever is behind the NAT"
vm_charon_start b b
vm_charon_load b <<'EOT'
connections {
	site {
		version = 2
		local_addrs = 192.0.2.2
		remote_addrs = %any
		proposals = aes256gcm16-prfsha256-x25519
		local { auth = psk
			id = 192.0.2.2 }
		remote { auth = psk
			id = 192.168.1.2 }
		children {
			lans {
				local_ts = 10.2.0.0/24
				remote_ts = 10.1.0.0/24
				esp_proposals = aes256gcm16
			}
		}
	}
}
secrets {
	ike-site {
		id-a = 192.168.1.2
		id-b = 192.0.2.2
		secret = "vm-test-psk-not-secret-0123456789"
	}
}
EOT
vm_site_conf a 192.168.1.2 10.1.0.0/24 | vm_tunshd_start a a
vm_tunsh_ok a "add the tunnel" <<'EOT'
configure
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm-test-psk-not-secret-0123456789
 local-network vlan 10
 remote-network 10.2.0.0/24
 exit
commit
EOT
vm_tunshd_wait a 20 "tunnel to-b: CHILD SA up"
vm_charon_wait b lans
vm_tunshd_logged a "IKE SA established with 192.0.2.2 as initiator, NAT-T" ||
	vm_fail "tunshd did not report NAT-T: $(grep established "$VM_WORK/a/tunshd.log")"

sas=$(ip -n a xfrm state)
n=$(grep -c "encap type espinudp sport 4500 dport 4500" <<<"$sas") || true
[ "$n" = 2 ] || vm_fail "a's SAs are not ESP-in-UDP on 4500: $sas"
vm_swanctl b --list-sas | grep -q "TUNNEL-in-UDP" ||
	vm_fail "charon does not see NAT-T: $(vm_swanctl b --list-sas)"

vm_ipt a -t raw -Z OUTPUT
vm_ping_all ha 10.2.0.10 5
vm_ping_all hb 10.1.0.10 5
udp=$(vm_ipt_count a raw OUTPUT udp4500)
esp=$(vm_ipt_count a raw OUTPUT esp)
vm_log "a sent $udp datagrams to UDP 4500 and $esp bare ESP packets"
[ "$udp" -ge 10 ] || vm_fail "a sent $udp datagrams to 4500, want 10 or more"
[ "$esp" = 0 ] || vm_fail "a sent $esp bare ESP packets through the NAT"

out=$(echo "show ipsec tunnel to-b" | vm_tunsh a 2>&1) || vm_fail "show ipsec tunnel: $out"
vm_log "show ipsec tunnel: $(tr -s ' \n' ' ' <<<"$out")"
grep -Eq "NAT-T: +yes, we are behind a NAT" <<<"$out" ||
	vm_fail "show ipsec tunnel does not say a is behind a NAT: $out"
