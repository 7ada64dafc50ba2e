#!/usr/bin/env bash
# IKE fragmentation (RFC 7383) between tunshd in site a and Debian's
# charon as shipped (its default fragmentation = yes, fragment_size 1280)
# in site b, over a path that drops IP fragments: IKE_AUTH of both ends
# is larger than the path carries whole, so the tunnel comes up only in
# IKE fragments.  The tunnel has 16 networks a side, long FQDN IDs and 8
# ESP proposals (charon: 16), which makes IKE_AUTH about 1.2-1.8 KB.
#
# The path: from a to b its MTU is 1000 (a route MTU in a: a veth whose
# own MTU were 1000 would also drop what b sends larger), and tunshd runs
# with --ike-fragment-size 700 (IP datagrams of at most 728 bytes); from
# b to a it keeps 1500, since charon's fragments are IP datagrams of up
# to 1280 bytes (its fragment_size) and would not cross 1000 either.  Both ends
# DROP IP fragments in raw PREROUTING (iptables -f), so a message that
# the kernel had to cut into IP fragments is lost, and counted.
#
# Run 1: tunshd initiates; run 2: charon initiates.  Each time: the
# tunnel comes up, pings cross both ways, no IP fragment and no IKE
# datagram above the bounds arrived, charon's log says it received (and
# in run 2 sent) IKE fragments, and show ipsec counters counts them.
#
#   ha (10.1.0.10) --lan-- a --wan--------------wan-- b --lan-- hb (10.2.0.10)
#          tunshd      10.1.0.1  192.0.2.1   192.0.2.2  10.2.0.1    charon

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

LONG=with-a-name-long-enough-to-fill-much-of-what-an-fqdn-may-hold.the-two-hundred-and-fifty-three-bytes-of-dns.so-that-ike-auth-passes-the-path.example.net
ID_A=gw-a.$LONG
ID_B=gw-b.$LONG

vm_log "topology: MTU 1000 from a to b, IP fragments dropped at both ends"
vm_sites
vm_ip a <<EOF
route change 192.0.2.0/24 dev wan src 192.0.2.1 mtu lock 1000
EOF
for gw in a b; do
	vm_ipt "$gw" -t raw -I PREROUTING 1 -i wan -f \
		-m comment --comment ipfrag -j DROP
	vm_ipt "$gw" -t raw -I PREROUTING 2 -i wan -p udp -m multiport \
		--dports 500,4500 -m length --length 729:65535 \
		-m comment --comment ike-big -j RETURN
done

nets() { # nets PREFIX SEP: PREFIX.0.0/24 ... PREFIX.15.0/24
	local i out=
	for i in $(seq 0 15); do out+="${out:+$2}$1.$i.0/24"; done
	echo "$out"
}

vm_log "charon in b (fragmentation as shipped), tunshd in a"
vm_charon_start b b
vm_charon_load b <<EOF
connections {
	site {
		version = 2
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		proposals = aes256gcm16-prfsha256-x25519
		local {
			auth = psk
			id = $ID_B
		}
		remote {
			auth = psk
			id = $ID_A
		}
		children {
			lans {
				local_ts = $(nets 10.2 ,)
				remote_ts = $(nets 10.1 ,)
				mode = tunnel
				esp_proposals = aes256gcm16, aes128gcm16, chacha20poly1305, aes256-sha256, aes128-sha256, aes256-sha384, aes256-sha512, aes192gcm16, aes192-sha256, aes128-sha384, aes256gcm12, aes128gcm12, aes256gcm8, aes128gcm8, aes256-sha1, aes128-sha1
				start_action = none
			}
		}
	}
}
secrets {
	ike-site {
		id-a = $ID_A
		id-b = $ID_B
		secret = "vm-test-psk-not-secret-0123456789"
	}
}
EOF
vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a netlink \
	--ike-fragment-size 700

tunnel_script() { # tunnel_script INITIATOR(on|off)
	local i
	echo configure
	echo "ipsec tunnel to-b"
	echo " wan-port wan1"
	echo " remote-address 192.0.2.2"
	echo " pre-shared-key vm-test-psk-not-secret-0123456789"
	echo " local-id $ID_A"
	echo " remote-id $ID_B"
	for i in $(seq 0 15); do echo " local-network 10.1.$i.0/24"; done
	for i in $(seq 0 15); do echo " remote-network 10.2.$i.0/24"; done
	echo " ike-proposal aes256gcm16-prfsha256-x25519"
	for p in aes256gcm16 aes128gcm16 aes256-sha256 aes128-sha256 \
		aes256-sha384 aes256-sha512 aes128-sha1 aes256-sha1; do
		echo " esp-proposal $p"
	done
	[ "$1" = on ] || echo " no initiator"
	echo " exit"
	echo commit
}

# check LABEL MARK: up, pings both ways, nothing cut by the kernel.
check() {
	local label=$1 mark=$2 out
	vm_tunshd_wait a 30 "tunnel to-b: CHILD SA up" "$mark"
	vm_charon_wait b lans
	vm_ping_all ha 10.2.0.10 3
	vm_ping_all hb 10.1.0.10 3
	for gw in a b; do
		n=$(vm_ipt_count "$gw" raw PREROUTING ipfrag)
		[ "$n" = 0 ] || vm_fail "$label: $gw dropped $n IP fragments: an IKE message was cut by the kernel"
	done
	n=$(vm_ipt_count b raw PREROUTING ike-big)
	[ "$n" = 0 ] || vm_fail "$label: b received $n IKE datagrams above 728 bytes from tunshd"
	n=$(vm_ipt_count a raw PREROUTING ike-big)
	vm_log "$label: a received $n IKE datagrams above 728 bytes (charon's, at most 1280)"
	out=$(echo "show ipsec counters" | vm_tunsh a 2>&1)
	vm_log "$label: $(grep -E 'IKE fragments|fragments' <<<"$out" | tr -s ' \n' ' ')"
	grep -Eq 'IKE fragments: +[0-9]+ in, [1-9][0-9]* out' <<<"$out" ||
		vm_fail "$label: show ipsec counters shows no IKE fragments sent: $out"
}

vm_log "run 1: tunshd initiates"
mark=$(vm_tunshd_lines a)
tunnel_script on | vm_tunsh_ok a "add the tunnel"
check tunsh "$mark"
grep -Eq 'received fragment #[0-9]+ of [0-9]+' "$VM_WORK/b/charon.log" ||
	vm_fail "run 1: charon's log says nothing of received fragments"
vm_log "run 1: charon: $(grep -Eo 'received fragment #[0-9]+ of [0-9]+' "$VM_WORK/b/charon.log" | sort -u | tr '\n' ' ')"

vm_log "run 2: charon initiates"
vm_tunsh_ok a "remove the tunnel" <<'EOF'
configure
no ipsec tunnel to-b
commit
EOF
vm_wait 10 "a's SAs are gone" test "$(vm_xfrm_count a)" = 0
vm_wait 10 "charon's IKE SA is gone" test -z "$(vm_charon_ike_spis b)"
c0=$(wc -l <"$VM_WORK/b/charon.log")
mark=$(vm_tunshd_lines a)
tunnel_script off | vm_tunsh_ok a "add the tunnel, initiator off"
vm_swanctl b --initiate --child lans --timeout 30 >"$VM_WORK/b/initiate.out" 2>&1 ||
	vm_fail "run 2: charon could not initiate: $(tail -n 20 "$VM_WORK/b/initiate.out")"
check charon "$mark"
# Read once: grep -q on a pipe under pipefail fails the pipe (SIGPIPE).
run2=$(tail -n "+$((c0 + 1))" "$VM_WORK/b/charon.log")
grep -Eq 'splitting IKE message \([0-9]+ bytes\) into [0-9]+ fragments' <<<"$run2" ||
	vm_fail "run 2: charon's log says nothing of fragments sent"
grep -Eq 'received fragment #[0-9]+ of [0-9]+' <<<"$run2" ||
	vm_fail "run 2: charon received no fragments of tunshd's IKE_AUTH response"
grep -E 'splitting IKE message|received fragment #' <<<"$run2" | sed 's/^/run 2: charon: /' |
	while read -r line; do vm_log "$line"; done
vm_log "PASS"
