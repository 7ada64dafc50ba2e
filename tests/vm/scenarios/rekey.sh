#!/usr/bin/env bash
# Rekeying under traffic, tunshd (real kernel) against charon.  tunsh's
# lifetimes cannot be shorter than 300 s (CHILD) and 900 s (IKE), so
# charon rekeys: its CHILD SA every 8 s (with PFS: ESP aes256gcm16-x25519
# on both ends, so each CHILD rekey runs a key exchange) and its IKE SA
# after 18 s, while ha pings hb every 0.2 s for 26 s.  What a user would
# see: the CHILD SPIs change several times, the IKE SPIs change, tunshd
# logs each rekey, not one ping is lost, and in the end a's kernel holds
# the one pair of SAs that charon lists.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

vm_log "topology"
vm_sites
vm_charon_start b b
PEER_ESP=aes256gcm16-x25519 \
	PEER_CONN="rekey_time = 18s
		over_time = 20s
		reauth_time = 0
		rand_time = 0" \
	PEER_CHILD="rekey_time = 8s
				life_time = 30s
				rand_time = 0" vm_peer_conf | vm_charon_load b
# life_time: its default, rekey_time + 10 %, truncates to the same whole
# second in the kernel, where the hard expiry would win over the rekey.
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
ike0=$(vm_charon_ike_spis b)
child0=$(vm_charon_child_spis b lans)
vm_log "up: IKE $ike0, CHILD $child0"

vm_log "pinging every 0.2 s for 26 s"
ip netns exec ha busybox ping -c 130 -i 0.2 -W 2 10.2.0.10 >"$VM_WORK/ping.out" 2>&1 &
ping_pid=$!
# Sample the CHILD SPIs while the pings run.
declare -A seen=(["$child0"]=1)
end=$((EPOCHSECONDS + 30))
while kill -0 "$ping_pid" 2>/dev/null && [ "$EPOCHSECONDS" -lt "$end" ]; do
	c=$(vm_charon_child_spis b lans)
	[ -z "$c" ] || seen[$c]=1
	sleep 1
done
wait "$ping_pid" || true
out=$(cat "$VM_WORK/ping.out")
stats=$(grep 'packets transmitted' <<<"$out" || true)
vm_log "ping: $stats"
ike1=$(vm_charon_ike_spis b)
vm_log "CHILD SPI pairs seen: ${#seen[@]} (${!seen[*]}); IKE now $ike1"
vm_log "tunshd: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -E 'rekeyed|established|CHILD SA up|error|WARN' | sed 's/.*tunnel to-b: //' | tr '\n' '|')"

grep -q '130 packets transmitted, 130 packets received' <<<"$out" ||
	vm_fail "pings lost during the rekeys: $stats; $(grep -v 'bytes from' <<<"$out" | tail -n 5)"
[ "${#seen[@]}" -ge 3 ] || vm_fail "the CHILD SA was rekeyed $((${#seen[@]} - 1)) times, want >= 2"
{ [ -n "$ike1" ] && [ "$ike1" != "$ike0" ]; } || vm_fail "the IKE SA was not rekeyed: before $ike0, now $ike1"
n=$(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -c 'rekeyed by the peer') || true
[ "$n" -ge 2 ] || vm_fail "tunshd logged $n CHILD rekeys by the peer, want >= 2"
vm_tunshd_logged a "tunnel to-b: IKE SA rekeyed" "$mark" || vm_fail "tunshd did not log the IKE rekey"
# In the end one pair, charon's, in a's kernel.
vm_wait_same_pair_as_charon 15 a b lans 192.0.2.1 192.0.2.2
# charon goes on rekeying (every 8 s): show ipsec sa is compared with
# charon's IKE SA and a's kernel as they are at the same moment.
shows_current_sas() {
	local ike in
	ike=$(vm_charon_ike_spis b)
	in=$(vm_xfrm_spis a 192.0.2.2 192.0.2.1)
	out=$(echo "show ipsec sa" | vm_tunsh a 2>&1)
	[ -n "$ike" ] && [ -n "$in" ] && grep -q "${ike%%_i*}" <<<"$out" &&
		grep -q "$in" <<<"$out"
}
if [ "$(vm_tunsh_has_show a && echo y)" = y ]; then
	vm_wait 30 "show ipsec sa lists the IKE SA charon has and the CHILD SA in a's kernel" \
		shows_current_sas
	vm_log "show ipsec sa: $(tr -s ' \n' ' ' <<<"$out")"
fi
vm_log "PASS"
