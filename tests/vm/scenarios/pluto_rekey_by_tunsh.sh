#!/usr/bin/env bash
# Rekeys started by tunsh under traffic, tunshd (real kernel, site a)
# against libreswan's pluto (site b) with its default lifetimes (so pluto
# starts none of them) and everything else shipped: tunsh's default
# proposals and pluto's, PFS on both (each CHILD rekey runs a key
# exchange).  tunshd initiates the tunnel; an admin then asks
# request ipsec rekey tunnel to-b three times, once with ike, and once
# more after reauthentication yes (a reauthentication), a few seconds
# apart, while ha pings hb every 0.2 s.  What a user would see:
# each request gives new CHILD SPIs (tunshd logs "CHILD SA rekeyed", not
# "by the peer"), pluto's IKE SA is replaced, and in the end a's kernel
# holds the one pair pluto lists.  pluto, as the responder of a rekey,
# sends on its new SA as soon as it answers, so a ping reply that crosses
# its answer may find no keyed SA at a yet: at most one ping per new
# CHILD SA, each seen in a's XfrmAcquireError or XfrmInNoStates, may be
# lost (answer-race in lib.sh);
# against charon, which waits for the Delete, none may.  The loop is
# vm_rekeys_by_tunsh in lib.sh, shared with rekey_by_tunsh.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
# shellcheck source=SCRIPTDIR/../pluto.sh
. "$TUNSH_TOP/tests/vm/pluto.sh"
trap vm_pluto_stop_all EXIT
vm_pluto_need

vm_log "topology"
vm_sites
vm_pluto_conf | vm_pluto_start b b
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
 exit
commit
EOT
vm_tunshd_wait a 30 "tunnel to-b: CHILD SA up" "$mark"
vm_pluto_wait b
# b_child, b_ike: pluto's newest IPsec SA, its established IKE SA.
b_child() { vm_pluto_child_spis b site; }
b_ike() { vm_pluto_ike_serial b site; }
vm_rekeys_by_tunsh pluto b_child b_ike answer-race
vm_log "pluto: $(grep -E 'established|rekey|replace|expire|delete' "$VM_WORK/b/pluto.log" | sed 's/^[^"]*"site"//' | tr '\n' '|')"
# In the end one pair, pluto's, in a's kernel.
vm_wait 5 "a holds 2 SAs after the rekeys: $(ip -n a xfrm state | grep -E 'proto' | tr -s '\t\n' ' ')" \
	test "$(vm_xfrm_count a)" = 2
read -r pin pout <<<"$(vm_pluto_child_spis b site)"
ai=$(vm_xfrm_spis a 192.0.2.2 192.0.2.1)
ao=$(vm_xfrm_spis a 192.0.2.1 192.0.2.2)
{ [ "$ai" = "$pout" ] && [ "$ao" = "$pin" ]; } ||
	vm_fail "after the rekeys a holds in $ai out $ao, pluto in $pin out $pout"
vm_log "PASS"
