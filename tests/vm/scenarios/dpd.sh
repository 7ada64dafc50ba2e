#!/usr/bin/env bash
# Dead Peer Detection of tunshd (real kernel) against a charon that dies:
# dpd timeout 3 (a check every 3 s while the peer is silent), dpd delay 5
# (the wait for an answer), one phase per action, in one guest:
#  restart  charon is SIGKILLed; tunshd says the check went unanswered
#           and "DPD restart"; charon starts again with the same config
#           and the tunnel comes back by itself.
#  hold     (commit: dpd action hold) after the kill: "DPD hold", no SA
#           in the kernel, the policies still there, and a ping from a's
#           LAN is not seen in clear on the wire; charon back, a ping
#           raises ACQUIRE and the tunnel comes back.
#  clear    (commit: dpd action clear) after the kill: "DPD clear", no SA;
#           with charon back, traffic does not start the tunnel and does
#           not leave in clear.
# A SIGKILLed charon leaves its SAs and policies in b's kernel; they are
# flushed, as a rebooted peer would have none.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

# charon_up: charon in b (again), with the peer's configuration.
charon_up() {
	rm -f "$VM_WORK/b/charon.vici"
	vm_charon_start b b
	vm_peer_conf | vm_charon_load b
}

# charon_kill: SIGKILL, then b's kernel forgets what charon installed.
charon_kill() {
	local pid
	pid=$(cat "$VM_WORK/b/pid")
	# The pid is ip netns exec's, which exec'd sh, which exec'd charon.
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	printf 'xfrm state flush\nxfrm policy flush\n' | vm_ip b
}

# dpd_fired ACTION MARK: tunshd logged the unanswered check and the action.
dpd_fired() {
	vm_tunshd_wait a 15 "tunnel to-b: no answer to the liveness check within 5 s" "$2"
	vm_tunshd_wait a 2 "tunnel to-b: DPD $1" "$2"
	vm_log "$1: $(tail -n "+$(($2 + 1))" "$VM_WORK/a/tunshd.log" | grep -E 'liveness|DPD' | sed 's/.*tunnel to-b: //' | tr '\n' '|')"
}

# lan_policies: a's policies between the LANs (out, in, fwd).
lan_policies() {
	ip -n a xfrm policy | grep -Ec 'src 10\.(1|2)\.0\.0/24 dst 10\.(2|1)\.0\.0/24' || true
}

vm_log "topology"
vm_sites
charon_up
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
 dpd timeout 3
 dpd delay 5
 dpd action restart
 exit
commit
EOT
vm_tunshd_wait a 15 "tunnel to-b: CHILD SA up" "$mark"
vm_charon_wait b lans
vm_ping_all ha 10.2.0.10 2

vm_log "restart: kill charon"
mark=$(vm_tunshd_lines a)
charon_kill
dpd_fired restart "$mark"
[ "$(vm_xfrm_keyed a)" = 0 ] || vm_fail "restart: a still holds SAs after the DPD action: $(ip -n a xfrm state)"
mark=$(vm_tunshd_lines a)
charon_up
vm_tunshd_wait a 20 "tunnel to-b: CHILD SA up" "$mark"
vm_charon_wait b lans
vm_ping_all ha 10.2.0.10 2
vm_log "restart: back by itself"

vm_log "hold: kill charon"
vm_tunsh_ok a "dpd action hold" <<'EOT'
configure
ipsec tunnel to-b
 dpd action hold
 exit
commit
EOT
mark=$(vm_tunshd_lines a)
charon_kill
dpd_fired hold "$mark"
[ "$(vm_xfrm_keyed a)" = 0 ] || vm_fail "hold: a still holds SAs: $(ip -n a xfrm state)"
n=$(lan_policies)
[ "$n" -ge 3 ] || vm_fail "hold: a has $n LAN policies left, want out, in, fwd: $(ip -n a xfrm policy)"
vm_ipt b -t raw -Z PREROUTING
tx0=$(vm_tx a wan)
n=$(vm_ping ha 10.2.0.10 3 0.2 1)
tx=$(($(vm_tx a wan) - tx0))
clear=$(vm_ipt_count b raw PREROUTING icmp-clear)
vm_log "hold: $n of 3 pings answered with the peer dead; a sent $tx frames on wan, b saw $clear ICMP in clear"
[ "$n" = 0 ] || vm_fail "hold: pings answered with the peer dead"
[ "$clear" = 0 ] || vm_fail "hold: $clear ICMP packets from a's LAN crossed the wire in clear"
[ "$(vm_ipt_count b raw PREROUTING esp)" = 0 ] || vm_fail "hold: ESP on the wire without SAs?"
mark=$(vm_tunshd_lines a)
charon_up
n=$(vm_ping ha 10.2.0.10 10 0.5 1)
vm_log "hold: charon back: $n of 10 pings answered"
vm_tunshd_logged a "tunnel to-b: CHILD SA up" "$mark" ||
	vm_fail "hold: the tunnel did not come back on traffic: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log")"
vm_charon_wait b lans
vm_ping_all ha 10.2.0.10 2
[ "$(vm_ipt_count b raw PREROUTING icmp-clear)" = 0 ] || vm_fail "hold: ICMP in clear on the wire while coming back"
vm_log "hold: back on traffic: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | sed 's/.*tunnel to-b: //' | tr '\n' '|')"

vm_log "clear: kill charon"
vm_tunsh_ok a "dpd action clear" <<'EOT'
configure
ipsec tunnel to-b
 dpd action clear
 exit
commit
EOT
mark=$(vm_tunshd_lines a)
charon_kill
dpd_fired clear "$mark"
[ "$(vm_xfrm_count a)" = 0 ] || vm_fail "clear: a still holds SAs: $(ip -n a xfrm state)"
vm_log "clear: $(lan_policies) LAN policies left in a"
charon_up
mark=$(vm_tunshd_lines a)
vm_ipt b -t raw -Z PREROUTING
n=$(vm_ping ha 10.2.0.10 3 0.5 1)
[ "$n" = 0 ] || vm_fail "clear: $n pings answered: the tunnel came back by itself"
if vm_tunshd_logged a "IKE SA established|CHILD SA up" "$mark"; then
	vm_fail "clear: traffic brought the tunnel back: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log")"
fi
[ "$(vm_ipt_count b raw PREROUTING icmp-clear)" = 0 ] || vm_fail "clear: ICMP in clear on the wire"
[ -z "$(vm_charon_ike_spis b)" ] || vm_fail "clear: charon has an IKE SA: $(vm_swanctl b --list-sas)"
vm_log "PASS"
