#!/usr/bin/env bash
# The peer's NAT rebinds (RFC 3948, RFC 7296 2.23): charon sits behind a
# masquerading namespace, tunshd is public.  After the tunnel is up and
# quiet, the NAT forgets the mapping and gives charon's traffic a new
# source port.  tunshd's kernel sees authenticated ESP-in-UDP from the new
# port and says so (XFRM MAPPING); tunshd moves its SAs and its IKE SA
# there.  What a user would see:
#  - pings answered again right after the rebinding;
#  - the SAs in a now encapsulate towards the new port;
#  - tunshd's log and show ipsec tunnel name the new port.
#
#   ha --lan-- a --wan---------out-- nat --in--- b --lan-- hb
#   10.1.0.10    192.0.2.1      192.0.2.2 | 192.168.2.1  192.168.2.2  10.2.0.10

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici
vm_netns a nat b ha hb
{
	vm_veth a wan nat out
	vm_veth nat in b wan
	vm_veth a lan ha eth0
	vm_veth b lan hb eth0
} | vm_ip
vm_ip a <<'EOT'
link set wan up
link set lan up
addr add 192.0.2.1/24 dev wan
addr add 10.1.0.1/24 dev lan
route add default via 192.0.2.2
EOT
vm_ip nat <<'EOT'
link set out up
link set in up
addr add 192.0.2.2/24 dev out
addr add 192.168.2.1/24 dev in
EOT
vm_ip b <<'EOT'
link set wan up
link set lan up
addr add 192.168.2.2/24 dev wan
addr add 10.2.0.1/24 dev lan
route add default via 192.168.2.1
EOT
vm_ip ha <<'EOT'
link set eth0 up
addr add 10.1.0.10/24 dev eth0
route add default via 10.1.0.1
EOT
vm_ip hb <<'EOT'
link set eth0 up
addr add 10.2.0.10/24 dev eth0
route add default via 10.2.0.1
EOT
for ns in a nat b; do vm_sysctl "$ns" net.ipv4.ip_forward=1; done
vm_ipt nat -t nat -A POSTROUTING -o out -p udp -j SNAT --to-source 192.0.2.2:40000-40009
# Mappings die 2 s after the last packet, so a quiet tunnel loses its own.
vm_sysctl nat net.netfilter.nf_conntrack_udp_timeout=2
vm_sysctl nat net.netfilter.nf_conntrack_udp_timeout_stream=2

vm_charon_start b b
vm_charon_load b <<'EOT'
connections {
	site {
		version = 2
		local_addrs = 192.168.2.2
		remote_addrs = 192.0.2.1
		proposals = aes256gcm16-prfsha256-x25519
		local { auth = psk
			id = 192.168.2.2 }
		remote { auth = psk
			id = 192.0.2.1 }
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
		id-a = 192.0.2.1
		id-b = 192.168.2.2
		secret = "vm-test-psk-not-secret-0123456789"
	}
}
EOT
vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a
vm_tunsh_ok a "add the tunnel" <<'EOT'
configure
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 remote-id 192.168.2.2
 pre-shared-key vm-test-psk-not-secret-0123456789
 local-network vlan 10
 remote-network 10.2.0.0/24
 initiator off
 dpd timeout 0
 exit
commit
EOT
vm_swanctl b --initiate --child lans >"$VM_WORK/initiate.out" 2>&1 ||
	vm_fail "charon could not initiate: $(tail -n 5 "$VM_WORK/initiate.out")"
vm_tunshd_wait a 20 "tunnel to-b: CHILD SA up"
vm_ping_all hb 10.1.0.10 3
before=$(ip -n a xfrm state | grep -o "dport 4000[0-9]" | sort -u)
[ -n "$before" ] || vm_fail "a's SAs are not encapsulated towards 4000x: $(ip -n a xfrm state)"
vm_log "before: a's SAs go to $before"

# Quiet for longer than the mapping lives, then a new port range.
sleep 3
vm_ipt nat -t nat -R POSTROUTING 1 -o out -p udp -j SNAT --to-source 192.0.2.2:41000-41009
# The new mapping lives as long as a NAT's usually do (30 s): the checks
# below take longer than 2 s in a guest, and the rebinding is over.
vm_sysctl nat net.netfilter.nf_conntrack_udp_timeout=30
vm_sysctl nat net.netfilter.nf_conntrack_udp_timeout_stream=30
mark=$(vm_tunshd_lines a)
n=$(vm_ping hb 10.1.0.10 6)
vm_log "after the rebinding: $n of 6 pings answered"
[ "$n" -ge 4 ] || vm_fail "only $n of 6 pings answered after the NAT rebound"
vm_tunshd_wait a 10 "tunnel to-b: the peer moved to 192\.0\.2\.2 port 4100[0-9]" "$mark"
after=$(ip -n a xfrm state | grep -o "dport 4100[0-9]" | sort -u)
[ -n "$after" ] || vm_fail "a's SAs did not follow: $(ip -n a xfrm state)"
vm_log "after: a's SAs go to $after"
vm_ping_all ha 10.2.0.10 3
out=$(echo "show ipsec tunnel to-b" | vm_tunsh a 2>&1) || vm_fail "show ipsec tunnel: $out"
grep -Eq "Remote: +192\.0\.2\.2 port 4100[0-9]" <<<"$out" ||
	vm_fail "show ipsec tunnel does not show the new port: $out"
