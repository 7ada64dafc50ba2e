#!/usr/bin/env bash
# Dead Peer Detection of tunshd (real kernel) against a charon that dies:
# dpd timeout 3 (a check every 3 s while the peer is silent), dpd delay 5
# (the wait for an answer), one phase per action (restart, hold, clear),
# in one guest: vm_dpd_actions in lib.sh, shared with pluto_dpd, says
# what each phase checks.
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

# b_ike: charon's IKE SAs.
b_ike() { vm_charon_ike_spis b; }
b_wait() { vm_charon_wait b lans; }
vm_dpd_actions charon charon_kill charon_up b_wait b_ike
vm_log "PASS"
