#!/usr/bin/env bash
# Traffic selectors that do not match: charon in b expects a's LAN to be
# 10.9.0.0/24 while tunshd in a offers 10.1.0.0/24.  Both ways:
#  1. tunsh initiates: charon answers TS_UNACCEPTABLE, and tunsh says so
#     in words ("the peer refused our networks");
#  2. charon initiates (tunsh has initiator off): tunsh refuses charon's
#     networks ("the peer's networks do not match ours").
# Each time no keyed ESP SA in a's kernel and none in charon.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

vm_log "topology"
vm_sites
vm_charon_start b b
PEER_RTS=10.9.0.0/24 vm_peer_conf | vm_charon_load b
vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a
show=
vm_tunsh_has_show a && show=1

# no_child WHEN WORDS: no keyed ESP SA on either side, and WORDS in show
# ipsec tunnel's last error.
no_child() {
	local out n
	[ "$(vm_xfrm_keyed a)" = 0 ] || vm_fail "$1: a holds SAs with keys: $(ip -n a xfrm state)"
	[ "$(vm_xfrm_count b)" = 0 ] || vm_fail "$1: charon installed SAs: $(ip -n b xfrm state)"
	# The SPI reserved for the refused CHILD SA is given back too.
	n=$(vm_xfrm_count a)
	[ "$n" = 0 ] || vm_fail "$1: $n larval SA(s) left in a: $(ip -n a xfrm state | tr -s '\t\n' ' ')"
	if [ -n "$show" ]; then
		out=$(echo "show ipsec tunnel to-b" | vm_tunsh a 2>&1) || vm_fail "show ipsec tunnel: $out"
		out=$(tr -s ' \n' ' ' <<<"$out")
		grep -q "$2" <<<"$out" || vm_fail "$1: show ipsec tunnel does not say '$2': $out"
		vm_log "$1: show ipsec tunnel: $out"
	fi
	return 0
}

vm_log "tunsh initiates"
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
 exit
commit
EOT
words="the peer refused our networks"
vm_tunshd_wait a 15 "tunnel to-b: $words" "$mark"
grep -q "N(TS_UNACCEPT)" "$VM_WORK/b/charon.log" ||
	vm_fail "charon's log has no TS_UNACCEPTABLE"
vm_log "initiator: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep "$words" | head -n 1)"
no_child initiator "$words"

vm_log "charon initiates"
vm_tunsh_ok a "initiator off" <<'EOT'
configure
ipsec tunnel to-b
 initiator off
 exit
commit
EOT
# A tunnel without initiator must not start by itself any more; drop
# the IKE SA tunsh initiated, if any is left.
vm_swanctl b --terminate --ike site --timeout 5 >/dev/null 2>&1 || true
mark=$(vm_tunshd_lines a)
if vm_swanctl b --initiate --child lans --timeout 10 >"$VM_WORK/initiate.out" 2>&1; then
	vm_fail "charon's initiate succeeded with mismatched networks: $(cat "$VM_WORK/initiate.out")"
fi
words="the peer's networks do not match ours"
vm_tunshd_wait a 10 "tunnel to-b: $words" "$mark"
[ "$(grep -c "TS_UNACCEPT" "$VM_WORK/b/charon.log")" -ge 2 ] ||
	vm_fail "charon did not receive TS_UNACCEPTABLE from tunsh"
vm_log "responder: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep "$words" | head -n 1)"
no_child responder "$words"
vm_log "PASS"
