#!/usr/bin/env bash
# commit confirmed protects the operator from a wrong key (tunshd with the
# real kernel, charon in b), while ha pings hb every 0.2 s:
#  - commit confirmed 15s of a pre-shared key charon lacks: tunshd
#    reauthenticates at once and charon answers AUTHENTICATION_FAILED;
#    show ipsec tunnel says the tunnel runs on the SAs of the previous
#    configuration and why the new one failed, and those SAs carry the
#    pings on;
#  - nobody confirms: at the deadline tunshd rolls back, reauthenticates
#    with the right key, and the tunnel is on new SAs (new IKE and CHILD
#    SPIs in charon) that carry pings both ways.
# Measured: pings lost, the time from the commit to the failure shown,
# and from the deadline to the tunnel on new SAs of the right key.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

vm_log "topology"
vm_sites
vm_charon_start b b
vm_peer_conf | vm_charon_load b
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
 esp-proposal aes256gcm16
 exit
commit
EOT
vm_tunshd_wait a 15 "tunnel to-b: CHILD SA up" "$mark"
vm_charon_wait b lans
vm_ping_all ha 10.2.0.10 2
ike0=$(vm_charon_ike_spis b)
child0=$(vm_charon_child_spis b lans)
vm_log "up: IKE $ike0, CHILD $child0"

# show_has REGEX: show ipsec tunnel to-b, lines joined, matches REGEX.
show_has() {
	echo "show ipsec tunnel to-b" | vm_tunsh a 2>&1 | tr -s ' \n' ' ' | grep -Eq -- "$1"
}

# charon_moved: one IKE SA, not ike0, and a CHILD SA that is not child0.
charon_moved() {
	local i c
	i=$(vm_charon_ike_spis b)
	c=$(vm_charon_child_spis b lans)
	[ -n "$i" ] && [ "$i" != "$ike0" ] && [ "$(wc -l <<<"$i")" = 1 ] &&
		[ -n "$c" ] && [ "$c" != "$child0" ]
}

# 35 s of pings: the deadline (15 s) and the recovery lie within.
ip netns exec ha busybox ping -c 175 -i 0.2 -W 2 10.2.0.10 >"$VM_WORK/ping.out" 2>&1 &
ping_pid=$!
sleep 2
mark=$(vm_tunshd_lines a)
t0=$EPOCHREALTIME
vm_tunsh_ok a "commit confirmed a key charon lacks" <<'EOT'
configure
ipsec tunnel to-b
 pre-shared-key not-the-key-charon-has-0123456789
 exit
commit confirmed 15s
EOT
vm_wait 10 "show ipsec tunnel names the previous configuration and the failure" \
	show_has 'Config: previous: .*the new one failed: authentication failed'
t1=$EPOCHREALTIME
vm_log "failure shown $(((${t1/./} - ${t0/./}) / 1000)) ms after the commit"
out=$(echo "show ipsec tunnel to-b" | vm_tunsh a 2>&1)
vm_log "show: $(tr -s ' \n' ' ' <<<"$out")"
grep -q 'State: *up' <<<"$out" || vm_fail "the tunnel is not up on its old SAs: $out"
[ "$(vm_charon_ike_spis b)" = "$ike0" ] || vm_fail "charon's IKE SA changed: $(vm_charon_ike_spis b)"
vm_ping_all hb 10.1.0.10 2

vm_log "waiting for the deadline"
vm_tunshd_wait a 40 "automatic rollback" "$mark"
t2=$EPOCHREALTIME
vm_tunshd_wait a 15 "tunnel to-b: reauthenticated" "$mark"
t3=$EPOCHREALTIME
vm_wait 10 "charon: one new IKE SA (was $ike0), a new CHILD SA (was $child0)" charon_moved
vm_log "rollback logged $(((${t2/./} - ${t0/./}) / 1000)) ms after the commit (deadline 15000 ms); reauthenticated $(((${t3/./} - ${t0/./}) / 1000 - 15000)) ms after the deadline"
if show_has 'Config:'; then
	vm_fail "still on the previous configuration after the rollback: $(echo "show ipsec tunnel to-b" | vm_tunsh a 2>&1)"
fi
wait "$ping_pid" || true
out=$(cat "$VM_WORK/ping.out")
stats=$(grep 'packets transmitted' <<<"$out" || true)
vm_log "ping: $stats"
vm_log "IKE $ike0 -> $(vm_charon_ike_spis b); CHILD $child0 -> $(vm_charon_child_spis b lans)"
vm_log "tunshd: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | sed 's/.*tunnel to-b: //' | tr '\n' '|')"
grep -q '175 packets transmitted, 175 packets received' <<<"$out" ||
	vm_fail "pings lost: $stats"
vm_wait 10 "a holds 2 SAs (the old CHILD SA deleted)" test "$(vm_xfrm_count a)" = 2
vm_wait_same_pair_as_charon 15 a b lans 192.0.2.1 192.0.2.2
vm_ping_all ha 10.2.0.10 3
vm_ping_all hb 10.1.0.10 3
vm_log "PASS"
