#!/usr/bin/env bash
# Rekeys started by tunsh under traffic, tunshd (real kernel) against
# charon with its default lifetimes (so charon starts none of them).
# tunsh's own lifetimes cannot be shorter than 300 s (CHILD) and 900 s
# (IKE), so an admin asks: request ipsec rekey tunnel to-b, three times,
# then request ipsec rekey tunnel to-b ike, then the same after
# reauthentication yes (a reauthentication), a few seconds apart, while
# ha pings hb every 0.2 s (ESP aes256gcm16-x25519 on both ends:
# each CHILD rekey runs a key exchange).  What a user would see: each
# request gives new CHILD SPIs (tunshd logs "CHILD SA rekeyed", not "by
# the peer"), the IKE SPIs change, not one ping is lost, and in the end
# a's kernel holds the one pair of SAs that charon lists.  The loop is
# vm_rekeys_by_tunsh in lib.sh, shared with pluto_rekey_by_tunsh.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

vm_log "topology"
vm_sites
vm_charon_start b b
PEER_ESP=aes256gcm16-x25519 vm_peer_conf | vm_charon_load b
vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a
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
 esp-proposal aes256gcm16-x25519
 exit
commit
EOT
vm_tunshd_wait a 15 "tunnel to-b: CHILD SA up" "$mark"
vm_charon_wait b lans
# b_child, b_ike: charon's newest CHILD SA, its one IKE SA.
b_child() { vm_charon_child_spis b lans; }
b_ike() {
	local i
	i=$(vm_charon_ike_spis b)
	[ "$(wc -l <<<"$i")" = 1 ] && echo "$i"
}
vm_rekeys_by_tunsh charon b_child b_ike
cat "$VM_WORK/a/tunsh.out"
# In the end one pair, charon's, in a's kernel.
vm_wait 5 "a holds 2 SAs after the rekeys" test "$(vm_xfrm_count a)" = 2
vm_wait_same_pair_as_charon 15 a b lans 192.0.2.1 192.0.2.2
n=$(vm_swanctl b --list-sas --child lans | grep -c 'INSTALLED') || true
[ "$n" = 1 ] || vm_fail "charon lists $n CHILD SAs, want 1: $(vm_swanctl b --list-sas)"
vm_log "PASS"
