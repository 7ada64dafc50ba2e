#!/usr/bin/env bash
# Different pre-shared keys on tunshd (site a, real kernel) and charon
# (site b), both ways:
#  1. tunsh initiates: charon answers AUTHENTICATION_FAILED;
#  2. charon initiates (tunsh has initiator off): tunsh refuses the AUTH.
# Each time: no SA in a's kernel, charon has no IKE SA, and tunshd says,
# in its log and in show ipsec tunnel (when the build has it),
# "authentication failed: the pre-shared keys (or IDs) do not match".

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

words="authentication failed: the pre-shared keys \(or IDs\) do not match"

vm_log "topology"
vm_sites
vm_charon_start b b
PEER_PSK=vm-test-psk-on-charon-not-tunsh-000 vm_peer_conf | vm_charon_load b
vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a
show=
vm_tunsh_has_show a && show=1

# no_sa WHEN: nothing installed in a, no IKE SA in charon, and the words
# in show ipsec tunnel.
no_sa() {
	local out
	local n
	[ "$(vm_xfrm_keyed a)" = 0 ] || vm_fail "$1: a holds SAs with keys: $(ip -n a xfrm state)"
	# The SPI reserved for the CHILD SA (ALLOCSPI, a larval SA without
	# keys) goes back with the failed IKE SA, or the kernel would keep it
	# for net.core.xfrm_acq_expires (30 s).
	n=$(vm_xfrm_count a)
	[ "$n" = 0 ] || vm_fail "$1: $n larval SA(s) left in a after the failure: $(ip -n a xfrm state | tr -s '\t\n' ' ')"
	[ -z "$(vm_charon_ike_spis b)" ] || vm_fail "$1: charon has an IKE SA: $(vm_swanctl b --list-sas)"
	if [ -n "$show" ]; then
		out=$(echo "show ipsec tunnel to-b" | vm_tunsh a 2>&1) || vm_fail "show ipsec tunnel: $out"
		# Long values wrap: compare with the lines joined.
		grep -Eq "$words" <<<"$(tr -s ' \n' ' ' <<<"$out")" ||
			vm_fail "$1: show ipsec tunnel does not say why: $out"
		grep -Eq '^ *State: +up$' <<<"$out" && vm_fail "$1: show ipsec tunnel says up: $out"
		vm_log "$1: show ipsec tunnel: $(tr -s ' \n' ' ' <<<"$out")"
	fi
	return 0
}

vm_log "tunsh initiates with the wrong key"
mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "add the tunnel" <<'EOF'
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
vm_tunshd_wait a 15 "tunnel to-b: $words" "$mark"
grep -q "MAC mismatched\|authentication of '192.0.2.1' with pre-shared key failed\|verification failed" \
	"$VM_WORK/b/charon.log" || vm_fail "charon's log does not show the failed authentication"
vm_log "initiator: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -E "$words" | head -n 1)"
no_sa initiator

vm_log "charon initiates with the wrong key"
vm_tunsh_ok a "initiator off" <<'EOF'
configure
ipsec tunnel to-b
 initiator off
 exit
commit
EOF
mark=$(vm_tunshd_lines a)
if vm_swanctl b --initiate --child lans --timeout 10 >"$VM_WORK/initiate.out" 2>&1; then
	vm_fail "charon's initiate succeeded with a wrong key: $(cat "$VM_WORK/initiate.out")"
fi
vm_tunshd_wait a 10 "tunnel to-b: $words" "$mark"
grep -q "received AUTHENTICATION_FAILED notify error" "$VM_WORK/b/charon.log" ||
	vm_fail "charon did not receive AUTHENTICATION_FAILED from tunsh"
vm_log "responder: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -E "$words" | head -n 1)"
no_sa responder
vm_log "PASS"
