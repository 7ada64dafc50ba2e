#!/usr/bin/env bash
# tunshd (real kernel: --kernel netlink) in site a initiates a
# policy-based tunnel to strongSwan's charon in site b, configured only
# through piped tunsh scripts, twice: with AES-GCM-256 (IKE
# aes256gcm16-prfsha256-x25519, ESP aes256gcm16), then, after the tunnel
# is removed and added again, with AES-CBC-256/SHA-256 (IKE
# aes256-sha256-modp2048, ESP aes256-sha256), and a third time with
# AES-GCM-128 and ECP-256 (IKE aes128gcm16-prfsha256-ecp256, ESP
# aes128gcm16).  Each time, what a user would see:
#  - pings between the LANs are all answered, both ways;
#  - site a's kernel holds 2 SAs with the cipher asked for, whose packet
#    counters match the pings;
#  - the SPIs tunshd installed are the ones charon lists (in/out swapped);
#  - only ESP crossed the wire (frames sent on both wan ends);
#  - show ipsec tunnel says up and show ipsec sa's counters rose, when
#    the build has those commands.
#
#   ha (10.1.0.10) --lan-- a --wan--------------wan-- b --lan-- hb (10.2.0.10)
#          tunshd      10.1.0.1  192.0.2.1   192.0.2.2  10.2.0.1    charon

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

vm_log "topology"
vm_sites
# Control: without SAs the route carries the ping in clear and the
# counters see it, or their zeros below would prove nothing.
[ "$(vm_ping ha 10.2.0.10 1)" = 1 ] || vm_fail "control ping without IPsec got no answer"
[ "$(vm_ipt_count b raw PREROUTING plain)" -ge 1 ] ||
	vm_fail "b did not count the control ping as plaintext"

vm_log "charon in b, tunshd in a"
vm_charon_start b b
PEER_IKE="aes256gcm16-prfsha256-x25519, aes256-sha256-modp2048, aes128gcm16-prfsha256-ecp256" \
	PEER_ESP="aes256gcm16, aes256-sha256, aes128gcm16" vm_peer_conf | vm_charon_load b
vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a
show=
if vm_tunsh_has_show a; then show=1; else vm_log "no 'show ipsec tunnel' in this build: its checks are skipped"; fi

# show_sa_packets: "IN OUT", the packets show ipsec sa detail counts for
# the CHILD SAs ("  In: N bytes, M packets").
show_sa_packets() {
	local out
	out=$(echo "show ipsec sa detail" | vm_tunsh a 2>&1) || { echo "$out"; return 1; }
	awk '$1 == "In:" { i += $4 } $1 == "Out:" { o += $4 } END { print i + 0, o + 0 }' <<<"$out"
}

# check_run LABEL LOG-MARK REGEX...: the tunnel comes up; all the checks.
# Each REGEX must match 2 lines of ip xfrm state (one per SA).
check_run() {
	local label=$1 mark=$2 alg sas n spis_a_in spis_a_out cin cout tx_a0 tx_b0 tx_a tx_b
	local gw esp plain dec out p0 p1 tx spec i0 o0 i1 o1 src dst
	shift 2

	vm_tunshd_wait a 20 "tunnel to-b: CHILD SA up" "$mark"
	vm_charon_wait b lans
	vm_log "$label: up: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -E 'IKE SA established|CHILD SA up' | tr '\n' ' ')"

	sas=$(ip -n a xfrm state)
	n=$(vm_xfrm_count a)
	[ "$n" = 2 ] || vm_fail "$label: a holds $n SAs, want 2: $sas"
	for alg in "$@"; do
		n=$(grep -Ec "$alg" <<<"$sas") || true
		[ "$n" = 2 ] || vm_fail "$label: want 2 SAs matching /$alg/ in a: $sas"
	done
	# Lifetimes: tunshd's timers rekey (no soft limit); the kernel's hard
	# limit, child-lifetime (3600 s by default) + 60 s, is a backstop.
	n=$(ip -n a -s xfrm state | grep -c 'expire add: soft 0(sec), hard 3660(sec)') || true
	[ "$n" = 2 ] || vm_fail "$label: want 2 SAs with no soft and a 3660 s hard expiry: $(ip -n a -s xfrm state)"
	# Policies for the LANs in both directions (and fwd).
	n=$(ip -n a xfrm policy | grep -Ec 'src 10\.(1|2)\.0\.0/24 dst 10\.(2|1)\.0\.0/24') || true
	[ "$n" -ge 3 ] || vm_fail "$label: a has $n LAN policies, want out, in, fwd: $(ip -n a xfrm policy)"

	# SPIs: a's inbound SA (b -> a) is charon's out, a's outbound its in.
	spis_a_in=$(vm_xfrm_spis a 192.0.2.2 192.0.2.1)
	spis_a_out=$(vm_xfrm_spis a 192.0.2.1 192.0.2.2)
	read -r cin cout <<<"$(vm_charon_child_spis b lans)"
	vm_log "$label: a in $spis_a_in out $spis_a_out; charon in $cin out $cout"
	{ [ -n "$cin" ] && [ "$spis_a_in" = "$cout" ] && [ "$spis_a_out" = "$cin" ]; } ||
		vm_fail "$label: SPIs differ: a in $spis_a_in out $spis_a_out, charon in $cin out $cout"
	tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" |
		grep -q "CHILD SA up: SPIs $spis_a_in in, $spis_a_out out" ||
		vm_fail "$label: tunshd's log names other SPIs than the kernel's $spis_a_in/$spis_a_out"

	if [ -n "$show" ]; then
		out=$(echo "show ipsec tunnel" | vm_tunsh a 2>&1) || vm_fail "show ipsec tunnel: $out"
		vm_log "$label: show ipsec tunnel: $(tr -s ' \n' ' ' <<<"$out")"
		grep -Eq '^ *State: +up$' <<<"$out" ||
			vm_fail "$label: show ipsec tunnel does not say to-b is up: $out"
		p0=$(show_sa_packets) || vm_fail "show ipsec sa detail: $p0"
	fi

	vm_ipt a -t raw -Z PREROUTING
	vm_ipt b -t raw -Z PREROUTING
	tx_a0=$(vm_tx a wan)
	tx_b0=$(vm_tx b wan)
	vm_ping_all ha 10.2.0.10 5
	vm_ping_all hb 10.1.0.10 5
	tx_a=$(($(vm_tx a wan) - tx_a0))
	tx_b=$(($(vm_tx b wan) - tx_b0))

	# 5 requests one way and 5 replies the other: 10 packets per SA.
	for spec in "192.0.2.1 192.0.2.2" "192.0.2.2 192.0.2.1"; do
		read -r src dst <<<"$spec"
		n=$(vm_xfrm_packets a "$src" "$dst")
		[ "$n" = 10 ] || vm_fail "$label: a's SA $spec counted $n packets, want 10: $(ip -n a -s xfrm state)"
	done
	for spec in "a $tx_b" "b $tx_a"; do
		read -r gw tx <<<"$spec"
		esp=$(vm_ipt_count "$gw" raw PREROUTING esp)
		plain=$(vm_ipt_count "$gw" raw PREROUTING plain)
		dec=$(vm_ipt_count "$gw" raw PREROUTING decrypted)
		vm_log "$label: $gw received esp $esp, plaintext $plain, decrypted icmp $dec; its peer sent $tx frames"
		[ "$esp" = 10 ] || vm_fail "$label: $gw received $esp ESP packets, want 10"
		[ "$plain" = 0 ] || vm_fail "$label: $gw received $plain non-ESP packets from the wire"
		[ "$dec" = 10 ] || vm_fail "$label: $gw decrypted $dec ICMP packets, want 10"
		# Give or take one ARP exchange.
		{ [ "$tx" -ge 10 ] && [ "$tx" -le 12 ]; } ||
			vm_fail "$label: the peer of $gw sent $tx frames on wan for 10 ESP packets"
	done

	if [ -n "$show" ]; then
		p1=$(show_sa_packets) || vm_fail "show ipsec sa detail: $p1"
		vm_log "$label: show ipsec sa detail: packets in/out before the pings $p0, after $p1"
		read -r i0 o0 <<<"$p0"
		read -r i1 o1 <<<"$p1"
		{ [ "$((i1 - i0))" = 10 ] && [ "$((o1 - o0))" = 10 ]; } ||
			vm_fail "$label: show ipsec sa detail: packets in/out went from $p0 to $p1, want +10 each: $(echo "show ipsec sa detail" | vm_tunsh a 2>&1)"
	fi
}

vm_log "run 1: AES-GCM-256, X25519"
mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "add the GCM tunnel" <<'EOF'
configure
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm-test-psk-not-secret-0123456789
 local-network vlan 10
 remote-network 10.2.0.0/24
 ike-proposal aes256gcm16-prfsha256-x25519
 esp-proposal aes256gcm16
 exit
commit
EOF
# 36 bytes: the AES-256 key and the 4-byte salt (RFC 4106 8.1).
check_run gcm "$mark" 'aead rfc4106\(gcm\(aes\)\) 0x[0-9a-f]{72} 128'

grep -q 'AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519' <<<"$(vm_swanctl b --list-sas)" ||
	vm_fail "gcm: charon's IKE SA is not AES-GCM-256/SHA-256/X25519: $(vm_swanctl b --list-sas)"

# remove_tunnel: no ipsec tunnel to-b; the SAs and policies go, in both.
remove_tunnel() {
	local n
	vm_log "remove the tunnel"
	vm_tunsh_ok a "remove the tunnel" <<'EOF'
configure
no ipsec tunnel to-b
commit
EOF
	vm_wait 10 "a's SAs are gone after the tunnel was removed" test "$(vm_xfrm_count a)" = 0
	vm_wait 10 "charon's IKE SA is gone after tunsh removed the tunnel" \
		test -z "$(vm_charon_ike_spis b)"
	n=$(ip -n a xfrm policy | grep -c 'src 10\.') || true
	[ "$n" = 0 ] || vm_fail "a keeps LAN policies after the tunnel was removed: $(ip -n a xfrm policy)"
}
remove_tunnel

vm_log "run 2: AES-CBC-256/SHA-256, MODP-2048"
mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "add the CBC tunnel" <<'EOF'
configure
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm-test-psk-not-secret-0123456789
 local-network vlan 10
 remote-network 10.2.0.0/24
 ike-proposal aes256-sha256-modp2048
 esp-proposal aes256-sha256
 exit
commit
EOF
check_run cbc "$mark" 'enc cbc\(aes\) 0x[0-9a-f]{64}$' \
	'auth-trunc hmac\(sha256\) 0x[0-9a-f]{64} 128$'

grep -q 'AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048' <<<"$(vm_swanctl b --list-sas)" ||
	vm_fail "cbc: charon's IKE SA is not AES-CBC-256/SHA-256/MODP-2048: $(vm_swanctl b --list-sas)"
remove_tunnel

vm_log "run 3: AES-GCM-128, ECP-256"
mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "add the GCM-128 tunnel" <<'EOF'
configure
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm-test-psk-not-secret-0123456789
 local-network vlan 10
 remote-network 10.2.0.0/24
 ike-proposal aes128gcm16-prfsha256-ecp256
 esp-proposal aes128gcm16
 exit
commit
EOF
check_run gcm128 "$mark" 'aead rfc4106\(gcm\(aes\)\) 0x[0-9a-f]{40} 128'
grep -q 'AES_GCM_16-128/PRF_HMAC_SHA2_256/ECP_256' <<<"$(vm_swanctl b --list-sas)" ||
	vm_fail "gcm128: charon's IKE SA is not AES-GCM-128/SHA-256/ECP-256: $(vm_swanctl b --list-sas)"
vm_log "PASS"
