#!/usr/bin/env bash
# Dead Peer Detection of tunshd (real kernel, site a) against libreswan's
# pluto (site b, shipped defaults: it sends no liveness checks itself)
# that dies: dpd timeout 3 (a check every 3 s while the peer is silent),
# dpd delay 5 (the wait for an answer), one phase per action (restart,
# hold, clear), in one guest: vm_dpd_actions in lib.sh, shared with dpd,
# says what each phase checks.  pluto is SIGKILLed and its SAs and
# policies flushed from b's kernel, as a rebooted peer would have none;
# it starts again with the same configuration.

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

# pluto_kill, pluto_up: the crash and the restart of pluto in b.
pluto_kill() {
	vm_pluto_kill b
	printf 'xfrm state flush\nxfrm policy flush\n' | vm_ip b
}
pluto_up() {
	vm_pluto_run b
	vm_pluto_add b
}
b_wait() { vm_pluto_wait b; }
b_ike() { vm_pluto_ike_serial b site; }
vm_dpd_actions pluto pluto_kill pluto_up b_wait b_ike
vm_log "PASS"
