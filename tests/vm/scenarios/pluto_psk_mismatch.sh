#!/usr/bin/env bash
# Different pre-shared keys on tunshd (site a, real kernel) and libreswan's
# pluto (site b, shipped defaults), both ways:
#  1. tunsh initiates: pluto answers AUTHENTICATION_FAILED;
#  2. pluto initiates (tunsh has initiator off): tunsh refuses the AUTH.
# Each time: no SA with keys in a's kernel, no larval SA left, pluto's
# log shows the failure, and tunshd says, in its log and in show ipsec
# tunnel, "authentication failed: the pre-shared keys (or IDs) do not
# match".

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
# shellcheck source=SCRIPTDIR/../pluto.sh
. "$TUNSH_TOP/tests/vm/pluto.sh"
trap vm_pluto_stop_all EXIT
vm_pluto_need

words="authentication failed: the pre-shared keys \(or IDs\) do not match"

vm_log "topology"
vm_sites
export PLUTO_PSK=vm-test-psk-on-pluto-not-tunsh-0000
vm_pluto_conf | vm_pluto_start b b
grep -q "$PLUTO_PSK" "$VM_WORK/b/ipsec.secrets" || vm_fail "pluto's secrets lack its own key"
vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a

# no_sa WHEN: nothing installed in a, pluto has no IPsec SA, and the
# words in show ipsec tunnel.
no_sa() {
	local out n
	[ "$(vm_xfrm_keyed a)" = 0 ] || vm_fail "$1: a holds SAs with keys: $(ip -n a xfrm state)"
	n=$(vm_xfrm_count a)
	[ "$n" = 0 ] || vm_fail "$1: $n larval SA(s) left in a after the failure: $(ip -n a xfrm state | tr -s '\t\n' ' ')"
	! vm_pluto_established b || vm_fail "$1: pluto has an IPsec SA: $(vm_pluto_sas b)"
	out=$(echo "show ipsec tunnel to-b" | vm_tunsh a 2>&1) || vm_fail "show ipsec tunnel: $out"
	# Long values wrap: compare with the lines joined.
	grep -Eq "$words" <<<"$(tr -s ' \n' ' ' <<<"$out")" ||
		vm_fail "$1: show ipsec tunnel does not say why: $out"
	grep -Eq '^ *State: +up$' <<<"$out" && vm_fail "$1: show ipsec tunnel says up: $out"
	vm_log "$1: show ipsec tunnel: $(tr -s ' \n' ' ' <<<"$out")"
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
 exit
commit
EOF
vm_tunshd_wait a 30 "tunnel to-b: $words" "$mark"
vm_log "initiator: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -E "$words" | head -n 1)"
failed='"site" #[0-9]+: authentication failed: computed hash does not match hash received from peer'
vm_log "pluto: $(grep -E "$failed" "$VM_WORK/b/pluto.log" | sed 's/^[^"]*//' | head -n 1)"
grep -qE "$failed" "$VM_WORK/b/pluto.log" ||
	vm_fail "pluto's log does not show the failed authentication"
no_sa initiator

vm_log "pluto initiates with the wrong key"
vm_tunsh_ok a "initiator off" <<'EOF'
configure
ipsec tunnel to-b
 initiator off
 exit
commit
EOF
mark=$(vm_tunshd_lines a)
plines=$(wc -l <"$VM_WORK/b/pluto.log")
vm_pluto_up b site
vm_tunshd_wait a 30 "tunnel to-b: $words" "$mark"
vm_wait 10 "pluto logged the AUTHENTICATION_FAILED it received" \
	sh -c "tail -n +$((plines + 1)) '$VM_WORK/b/pluto.log' | grep -q AUTHENTICATION_FAILED"
vm_log "responder: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -E "$words" | head -n 1)"
vm_log "pluto: $(tail -n "+$((plines + 1))" "$VM_WORK/b/pluto.log" | grep AUTHENTICATION_FAILED | sed 's/^.*: //' | head -n 1)"
# pluto keeps trying (keyingtries=%forever by default): stop it so that
# no half-done exchange is in flight while a's kernel is checked.
vm_whack b --name site --delete >/dev/null 2>&1 || true
no_sa responder
vm_log "PASS"
