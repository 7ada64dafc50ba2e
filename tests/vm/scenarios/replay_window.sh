#!/usr/bin/env bash
# replay-window reaches the kernel (tunshd with the real kernel, charon in
# b), as a user would check it with ip xfrm state:
#  1. a tunnel committed with replay-window 1024: a's inbound SA holds a
#     1024-packet window (over 32: an ESN replay state of 32 bitmap words,
#     without the ESN flag, as tunsh negotiates no ESN), its outbound SA
#     none; pings pass through it both ways;
#  2. replay-window 4096 (the kernel's maximum) committed on the live
#     tunnel: a renegotiate change (the kernel fixes a window when it
#     creates the SA), so the commit reauthenticates the tunnel at once,
#     make-before-break: new SAs, the new inbound SA holds 4096; pings
#     pass.
#
#   ha (10.1.0.10) --lan-- a --wan--------------wan-- b --lan-- hb (10.2.0.10)
#          tunshd      10.1.0.1  192.0.2.1   192.0.2.2  10.2.0.1    charon

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

# inbound_sa: a's SA from b to a, as ip xfrm state prints it.
inbound_sa() {
	ip -n a xfrm state list src 192.0.2.2 dst 192.0.2.1
}

# check_window LABEL N: the inbound SA's replay window is N packets in an
# ESN replay state of N/32 words, and the SA is no ESN SA.
check_window() {
	local label=$1 n=$2 sa
	sa=$(inbound_sa)
	# Logged without its key line.
	vm_log "$label: inbound SA: $(grep -Ev '^\s*(aead|enc|auth)' <<<"$sa" | tr -s ' \n' ' ')"
	grep -Eq "replay_window $n, bitmap-length $((n / 32))" <<<"$sa" ||
		vm_fail "$label: a's inbound SA has no $n-packet replay window: $sa"
	grep -q 'flag.*esn' <<<"$sa" &&
		vm_fail "$label: a's inbound SA is an ESN SA, but no ESN was negotiated: $sa"
	[ "$(ip -n a xfrm state list src 192.0.2.1 dst 192.0.2.2 | grep -c 'replay_window [1-9]')" = 0 ] ||
		vm_fail "$label: a's outbound SA has a replay window: $(ip -n a xfrm state)"
	vm_ping_all ha 10.2.0.10 3
	vm_ping_all hb 10.1.0.10 3
}

vm_log "topology"
vm_sites
vm_charon_start b b
vm_peer_conf | vm_charon_load b
vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a

vm_log "1. replay-window 1024"
mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "add the tunnel" <<'EOT'
configure
ipsec tunnel to-b
 wan-port wan1
 remote-address 192.0.2.2
 pre-shared-key vm-test-psk-not-secret-0123456789
 local-network vlan 10
 remote-network 10.2.0.0/24
 ike-proposal aes256gcm16-prfsha256-x25519
 esp-proposal aes256gcm16
 replay-window 1024
 exit
commit
EOT
vm_tunshd_wait a 20 "tunnel to-b: CHILD SA up" "$mark"
vm_charon_wait b lans
check_window "1024" 1024
in0=$(vm_xfrm_spis a 192.0.2.2 192.0.2.1)

vm_log "2. replay-window 4096 on the live tunnel"
mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "change the replay window" <<'EOT'
configure
ipsec tunnel to-b
 replay-window 4096
 exit
commit
EOT
vm_tunshd_wait a 30 "tunnel to-b: reauthenticated" "$mark"
vm_wait 10 "a holds the new SAs only" test "$(vm_xfrm_count a)" = 2
in1=$(vm_xfrm_spis a 192.0.2.2 192.0.2.1)
[ "$in1" != "$in0" ] || vm_fail "the inbound SA was not replaced: SPI $in0 still"
check_window "4096" 4096
vm_log "PASS"
