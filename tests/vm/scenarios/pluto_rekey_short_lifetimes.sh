#!/usr/bin/env bash
# Rekeying under traffic, tunshd (real kernel, site a) against libreswan's
# pluto (site b) with NON-DEFAULT short lifetimes, hence the name:
# salifetime=12s, ikelifetime=24s, rekeymargin=6s, rekeyfuzz=0%, so pluto
# rekeys its Child SA every 6 s and its IKE SA after 18 s (everything
# else shipped: PFS on by default, so each Child rekey runs a key
# exchange).  tunsh's lifetimes cannot be shorter than 300 s (CHILD) and
# 900 s (IKE), so only pluto starts rekeys here
# (pluto_rekey_by_tunsh has tunsh start them, by command).
# ha pings hb every 0.2 s for 26 s.  What a user would see: the CHILD
# SPIs change several times, pluto's IKE SA is replaced, tunshd logs each
# rekey, not one ping is lost, and in the end a's kernel holds the one
# pair of SAs that pluto lists.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
# shellcheck source=SCRIPTDIR/../pluto.sh
. "$TUNSH_TOP/tests/vm/pluto.sh"
trap vm_pluto_stop_all EXIT
vm_pluto_need

vm_log "topology"
vm_sites
PLUTO_CONN="	salifetime=12s
	ikelifetime=24s
	rekeymargin=6s
	rekeyfuzz=0%" vm_pluto_conf | vm_pluto_start b b
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
 initiator off
 exit
commit
EOT
# pluto initiates: the side whose lifetimes are short must own the
# rekeys, and as initiator its timers run from the start.
vm_pluto_up b site
vm_tunshd_wait a 30 "tunnel to-b: CHILD SA up" "$mark"
vm_pluto_wait b
ike0=$(vm_pluto_ike_serial b site)
child0=$(vm_pluto_child_spis b site)
vm_log "up: IKE #$ike0, CHILD $child0"

vm_log "pinging every 0.2 s for 26 s"
ip netns exec ha busybox ping -c 130 -i 0.2 -W 2 10.2.0.10 >"$VM_WORK/ping.out" 2>&1 &
ping_pid=$!
declare -A seen=(["$child0"]=1)
end=$((EPOCHSECONDS + 40))
while kill -0 "$ping_pid" 2>/dev/null && [ "$EPOCHSECONDS" -lt "$end" ]; do
	c=$(vm_pluto_child_spis b site)
	[ -z "$c" ] || seen[$c]=1
	sleep 1
done
wait "$ping_pid" || true
out=$(cat "$VM_WORK/ping.out")
stats=$(grep 'packets transmitted' <<<"$out" || true)
vm_log "ping: $stats"
ike1=$(vm_pluto_ike_serial b site)
vm_log "CHILD SPI pairs seen: ${#seen[@]} (${!seen[*]}); IKE now #$ike1"
vm_log "tunshd: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -E 'rekeyed|established|CHILD SA up|error|WARN' | sed 's/.*tunnel to-b: //' | tr '\n' '|')"
vm_log "pluto: $(grep -E 'established|rekey|replace|expire' "$VM_WORK/b/pluto.log" | sed 's/^[^"]*"site"//' | tr '\n' '|')"

grep -q '130 packets transmitted, 130 packets received' <<<"$out" ||
	vm_fail "pings lost during the rekeys: $stats; $(grep -v 'bytes from' <<<"$out" | tail -n 5)"
[ "${#seen[@]}" -ge 3 ] || vm_fail "the CHILD SA was rekeyed $((${#seen[@]} - 1)) times, want >= 2"
{ [ -n "$ike1" ] && [ "$ike1" != "$ike0" ]; } || vm_fail "pluto's IKE SA was not replaced: before #$ike0, now #${ike1:-none}"
n=$(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -c 'rekeyed by the peer') || true
[ "$n" -ge 2 ] || vm_fail "tunshd logged $n CHILD rekeys by the peer, want >= 2"
vm_tunshd_logged a "tunnel to-b: IKE SA rekeyed" "$mark" || vm_fail "tunshd did not log the IKE rekey"
# In the end one pair, pluto's, in a's kernel.  pluto keeps rekeying
# every 6 s, and a's two directions and pluto's state are read one after
# the other: the comparison is retried until all three were read between
# two rekeys (15 s at most).
same_pair() {
	[ "$(vm_xfrm_count a)" = 2 ] || return 1
	read -r pin pout <<<"$(vm_pluto_child_spis b site)"
	ai=$(vm_xfrm_spis a 192.0.2.2 192.0.2.1)
	ao=$(vm_xfrm_spis a 192.0.2.1 192.0.2.2)
	[ -n "$ai" ] && [ "$ai" = "$pout" ] && [ "$ao" = "$pin" ]
}
pin= pout= ai= ao=
end=$((EPOCHSECONDS + 15))
until same_pair; do
	[ "$EPOCHSECONDS" -lt "$end" ] ||
		vm_fail "after the rekeys a holds in $ai out $ao, pluto in $pin out $pout: a: $(ip -n a xfrm state | grep -E '^src|proto' | tr -s '\t\n' ' ') pluto: $(vm_whack b --showstates)"
	sleep 0.2
done
vm_log "PASS"
