#!/usr/bin/env bash
# diagnose ipsec tunnel against charon (package defaults, the lib's
# swanctl.conf): one failing case after another in one guest, each
# making diagnose print FAIL on its check with the guide's fix under it.
# It holds what psk_mismatch.sh and ts_mismatch.sh checked (one guest
# boot instead of three):
#  1. different pre-shared keys, both ways: tunsh initiates and charon
#     answers AUTHENTICATION_FAILED, then charon initiates and tunsh
#     refuses; no SA left on either side;          -> Pre-shared key
#  2. an IKE proposal charon lacks, charon initiating: tunsh's words
#     give both offers;                              -> Proposals in common
#  3. a remote network charon lacks, both ways: TS_UNACCEPTABLE from
#     charon, then tunsh refusing charon's networks; no CHILD SA;
#                                                    -> Networks accepted
#  4. ESP dropped in b (iptables) under pings from ha
#                                 -> UDP 500/4500 and ESP, counters rising
#  5. all well: every check ok, and tunsh's own ping from VLAN 10's
#     address crosses the tunnel as ESP.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

vm_log "topology"
vm_sites
vm_charon_start b b
vm_peer_conf | vm_charon_load b
vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a

# diagnosed CASE CHECK FIX [WORDS]: diagnose prints FAIL on CHECK (its
# detail holding WORDS, a basic regular expression) and "fix: FIX" on
# the next line.  The output stays in $dx for more checks (fails).
diagnosed() {
	dx=$(echo "diagnose ipsec tunnel to-b" | vm_tunsh a 2>&1) || vm_fail "$1: diagnose: $dx"
	printf '%s\n' "$dx" >"${TUNSH_RESULT:-$VM_WORK}/diagnose-$1.txt"
	fails "$@"
}

# fails CASE CHECK FIX [WORDS]: that FAIL in the last diagnose's output.
fails() {
	grep -A1 "^  FAIL    $2: .*${4:-}" <<<"$dx" | grep -qF "fix: $3" ||
		vm_fail "$1: no FAIL on '$2' with its fix: $dx"
	vm_log "$1: $(grep -A1 "^  FAIL    $2" <<<"$dx" | tr -s ' \n' ' ')"
}

# commit WHAT LINES...: the lines in tunnel to-b, committed.
commit() {
	local what=$1
	shift
	printf 'configure\nipsec tunnel to-b\n%s\nexit\ncommit\n' "$(printf ' %s\n' "$@")" |
		vm_tunsh_ok a "$what"
}

# charon_fails WHAT: charon's initiate is refused.
charon_fails() {
	if vm_swanctl b --initiate --child lans --timeout 10 >"$VM_WORK/initiate.out" 2>&1; then
		vm_fail "$1: charon's initiate succeeded: $(cat "$VM_WORK/initiate.out")"
	fi
}

# no_larval WHEN: no larval SA left in a: the SPI reserved for a CHILD SA
# goes back with the failed IKE SA, or the kernel would keep it for
# net.core.xfrm_acq_expires (30 s).  tunshd tries again after a failure
# (with backoff), and the attempt in flight holds its SPI: a leak is one
# that stays, so this waits 10 s for a moment with none.
no_larval() {
	vm_wait 10 "$1: larval SA(s) left in a: $(ip -n a xfrm state | tr -s '\t\n' ' ')" \
		test "$(vm_xfrm_count a)" = 0
}

# no_sa WHEN: nothing keyed in a, no larval SA left there, no IKE SA in
# charon.
no_sa() {
	[ "$(vm_xfrm_keyed a)" = 0 ] || vm_fail "$1: a holds SAs with keys: $(ip -n a xfrm state)"
	no_larval "$1"
	[ -z "$(vm_charon_ike_spis b)" ] || vm_fail "$1: charon has an IKE SA: $(vm_swanctl b --list-sas)"
}

# no_child WHEN: no keyed ESP SA on either side, no larval one in a.
no_child() {
	[ "$(vm_xfrm_keyed a)" = 0 ] || vm_fail "$1: a holds SAs with keys: $(ip -n a xfrm state)"
	[ "$(vm_xfrm_count b)" = 0 ] || vm_fail "$1: charon installed SAs: $(ip -n b xfrm state)"
	no_larval "$1"
}

psk_fix="Verify the pre-shared key matches on both ends"
ts_fix="Verify local and remote network subnets are configured correctly"
auth_words="authentication failed: the pre-shared keys \(or IDs\) do not match"

vm_log "1. different pre-shared keys, tunsh initiating"
mark=$(vm_tunshd_lines a)
commit "the tunnel, wrong key" "wan-port wan1" "remote-address 192.0.2.2" \
	"pre-shared-key vm-test-psk-not-what-charon-has-000" \
	"local-network vlan 10" "remote-network 10.2.0.0/24" \
	"ike-proposal aes256gcm16-prfsha256-x25519" "esp-proposal aes256gcm16"
vm_tunshd_wait a 15 "tunnel to-b: $auth_words" "$mark"
grep -q "MAC mismatched\|authentication of '192.0.2.1' with pre-shared key failed\|verification failed" \
	"$VM_WORK/b/charon.log" || vm_fail "charon's log does not show the failed authentication"
no_sa "psk, initiator"
diagnosed psk-initiator "Pre-shared key" "$psk_fix" "the pre-shared keys .or IDs. do not match"

vm_log "1. different pre-shared keys, charon initiating"
commit "initiator off" "initiator off"
mark=$(vm_tunshd_lines a)
charon_fails "psk, responder"
vm_tunshd_wait a 10 "tunnel to-b: $auth_words" "$mark"
grep -q "received AUTHENTICATION_FAILED notify error" "$VM_WORK/b/charon.log" ||
	vm_fail "charon did not receive AUTHENTICATION_FAILED from tunsh"
no_sa "psk, responder"
diagnosed psk-responder "Pre-shared key" "$psk_fix" "the pre-shared keys .or IDs. do not match"

vm_log "2. an IKE proposal charon lacks, charon initiating"
commit "right key, other proposal" "pre-shared-key vm-test-psk-not-secret-0123456789" \
	"no ike-proposal aes256gcm16-prfsha256-x25519" "ike-proposal aes128-sha256-modp2048"
mark=$(vm_tunshd_lines a)
charon_fails "proposal"
vm_tunshd_wait a 10 "tunnel to-b: no common IKE proposal" "$mark"
diagnosed proposal "Proposals in common" "Set ike-proposal and esp-proposal to one the peer accepts" \
	"the peer offered AES_GCM_16_256.*; we accept AES_CBC_128"

vm_log "3. a remote network charon lacks, tunsh initiating"
mark=$(vm_tunshd_lines a)
commit "right proposal, other network, initiator on" \
	"no ike-proposal aes128-sha256-modp2048" "ike-proposal aes256gcm16-prfsha256-x25519" \
	"no remote-network 10.2.0.0/24" "remote-network 10.9.0.0/24" "initiator on"
vm_tunshd_wait a 15 "tunnel to-b: the peer refused our networks" "$mark"
grep -q "N(TS_UNACCEPT)" "$VM_WORK/b/charon.log" || vm_fail "charon's log has no TS_UNACCEPTABLE"
no_child "ts, initiator"
diagnosed ts-initiator "Networks accepted by the peer" "$ts_fix" "the peer refused our networks"

vm_log "3. a remote network charon lacks, charon initiating"
commit "initiator off" "initiator off"
# The IKE SA tunsh made (up, no CHILD SA) goes, so that charon starts anew.
vm_swanctl b --terminate --ike site --timeout 5 >/dev/null 2>&1 || true
mark=$(vm_tunshd_lines a)
charon_fails "ts, responder"
vm_tunshd_wait a 10 "tunnel to-b: the peer's networks do not match ours" "$mark"
[ "$(grep -c "TS_UNACCEPT" "$VM_WORK/b/charon.log")" -ge 2 ] ||
	vm_fail "charon did not receive TS_UNACCEPTABLE from tunsh"
no_child "ts, responder"
diagnosed ts-responder "Networks accepted by the peer" "$ts_fix" "the peer's networks do not match ours"

vm_log "4. ESP dropped in b"
vm_swanctl b --terminate --ike site --timeout 5 >/dev/null 2>&1 || true
vm_ipt b -A INPUT -i wan -p esp -j DROP
mark=$(vm_tunshd_lines a)
commit "the right network, initiator on" "no remote-network 10.9.0.0/24" \
	"remote-network 10.2.0.0/24" "initiator on"
# The commit of initiator on starts the tunnel by itself (tunsh.conf(5)).
vm_tunshd_wait a 15 "tunnel to-b: CHILD SA up" "$mark"
# Traffic during diagnose's sample: pings from ha that b drops as ESP
# (killed after it: the count is only a bound).
ip netns exec ha busybox ping -c 150 -i 0.2 10.2.0.10 >/dev/null 2>&1 &
pinger=$!
diagnosed esp "UDP 500, UDP 4500 and ESP from the peer" \
	"Ensure the WAN firewall allows IPSec traffic (UDP 500, UDP 4500, and ESP protocol)" \
	"none received"
fails esp "CHILD SA counters rising in and out" \
	"Confirm firewall rules allow traffic between the tunnel subnets" "nothing in"
kill "$pinger" 2>/dev/null || true
wait "$pinger" 2>/dev/null || true

vm_log "5. all well"
vm_ipt b -D INPUT -i wan -p esp -j DROP
out=$(echo "ping 10.2.0.10 source vlan 10 count 3" | vm_tunsh a 2>&1) || vm_fail "tunsh ping: $out"
grep -q '^PING 10.2.0.10 from 10.1.0.1: 3 packets' <<<"$out" || vm_fail "ping not from VLAN 10: $out"
grep -q '3 sent, 3 received' <<<"$out" || vm_fail "tunsh ping through the tunnel: $out"
vm_log "ping: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
[ "$(vm_ipt_count a raw PREROUTING decrypted)" -ge 3 ] ||
	vm_fail "the replies did not come through ESP: $(vm_ipt_count a raw PREROUTING decrypted)"
ip netns exec ha busybox ping -c 150 -i 0.2 10.2.0.10 >/dev/null 2>&1 &
pinger=$!
out=$(echo "diagnose ipsec tunnel to-b" | vm_tunsh a 2>&1) || vm_fail "diagnose: $out"
kill "$pinger" 2>/dev/null || true
wait "$pinger" 2>/dev/null || true
printf '%s\n' "$out" >"${TUNSH_RESULT:-$VM_WORK}/diagnose-ok.txt"
grep -q '^0 FAIL, 0 unknown, 10 ok$' <<<"$out" || vm_fail "not all 10 checks ok: $out"
vm_log "all ok: $(grep 'CHILD SA counters' <<<"$out" | tr -s ' ')"
vm_log "PASS"
