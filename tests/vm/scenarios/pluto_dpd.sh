#!/usr/bin/env bash
# Dead Peer Detection of tunshd (real kernel, site a) against libreswan's
# pluto (site b, shipped defaults: it sends no liveness checks itself)
# that dies.  tunshd has dpd timeout 3 (a check every 3 s while the peer
# is silent), dpd delay 5 (the wait for an answer), dpd action restart.
# pluto is SIGKILLed (its SAs and policies are flushed from b's kernel,
# as a rebooted peer would have none); tunshd says the check went
# unanswered and "DPD restart"; pluto starts again with the same config
# and the tunnel comes back by itself, pings crossing both ways.

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
 dpd timeout 3
 dpd delay 5
 dpd action restart
 exit
commit
EOT
vm_tunshd_wait a 30 "tunnel to-b: CHILD SA up" "$mark"
vm_pluto_wait b
vm_ping_all ha 10.2.0.10 2
old=$(vm_xfrm_spis a 192.0.2.2 192.0.2.1)

vm_log "kill pluto"
mark=$(vm_tunshd_lines a)
vm_pluto_kill b
printf 'xfrm state flush\nxfrm policy flush\n' | vm_ip b
vm_tunshd_wait a 20 "tunnel to-b: no answer to the liveness check within 5 s" "$mark"
vm_tunshd_wait a 5 "tunnel to-b: DPD restart" "$mark"
vm_log "dpd: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -E 'liveness|DPD' | sed 's/.*tunnel to-b: //' | tr '\n' '|')"
[ "$(vm_xfrm_keyed a)" = 0 ] || vm_fail "a still holds SAs after the DPD action: $(ip -n a xfrm state)"

vm_log "pluto starts again"
mark=$(vm_tunshd_lines a)
vm_pluto_run b
vm_pluto_add b
vm_tunshd_wait a 40 "tunnel to-b: CHILD SA up" "$mark"
vm_pluto_wait b
new=$(vm_xfrm_spis a 192.0.2.2 192.0.2.1)
[ "$new" != "$old" ] || vm_fail "a's inbound SPI did not change ($old): not a new SA"
read -r _ pout <<<"$(vm_pluto_child_spis b site)"
[ "${pout:-}" = "$new" ] || vm_fail "pluto's outbound SPI ${pout:-none} is not a's inbound $new: $(vm_whack b --showstates)"
vm_ping_all ha 10.2.0.10 3
vm_ping_all hb 10.1.0.10 3
vm_log "back by itself: SPI in $old -> $new"
vm_log "PASS"
