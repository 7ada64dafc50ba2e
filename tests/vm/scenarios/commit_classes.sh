#!/usr/bin/env bash
# What a commit does to a live tunnel (tunshd with the real kernel, charon
# in b), by change class:
#  1. in place (dpd timeout/delay): the SAs stay, same SPIs in a's kernel
#     and in charon, and pings still pass;
#  2. replace (a remote network, 10.2.0.0/24 -> 10.2.0.0/16, which charon
#     accepts: its local_ts is 10.2.0.0/16): the policies move to the new
#     network and the CHILD SA is replaced (new SPIs) under the same IKE SA
#     (charon's IKE SPIs unchanged); pings pass;
#  3. a commit that fails in the kernel halfway: it changes to-b's dpd
#     timers and adds a route-based tunnel to-c whose route cannot be made
#     (a route to 10.3.0.0/24 with the same metric exists already: the
#     kernel answers EEXIST to tunshd's NLM_F_EXCL).  The commit is
#     refused in words, and everything is as before: running config
#     (to-b's dpd timers, no to-c), no ts-to-c interface, to-b's SPIs and
#     policies, pings.

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

# state: a's SPIs and policies and charon's IKE and CHILD SPIs, one line.
state() {
	echo "a-in=$(vm_xfrm_spis a 192.0.2.2 192.0.2.1 | sort | tr '\n' ,)" \
		"a-out=$(vm_xfrm_spis a 192.0.2.1 192.0.2.2 | sort | tr '\n' ,)" \
		"ike=$(vm_charon_ike_spis b | tr '\n' ,)" \
		"child=$(vm_charon_child_spis b lans)"
}

# running: show running-config, lines joined.
running() {
	echo "show running-config" | vm_tunsh a 2>&1 | tr -s ' \n' ' '
}

vm_log "topology"
vm_sites
vm_charon_start b b
PEER_LTS=10.2.0.0/16 vm_peer_conf | vm_charon_load b
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
 dpd timeout 10
 dpd delay 30
 exit
commit
EOT
vm_tunshd_wait a 15 "tunnel to-b: CHILD SA up" "$mark"
vm_charon_wait b lans
vm_ping_all ha 10.2.0.10 2
s0=$(state)
vm_log "up: $s0"

vm_log "1. in place: dpd timers"
mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "change the dpd timers" <<'EOT'
configure
ipsec tunnel to-b
 dpd timeout 20
 dpd delay 40
 exit
commit
EOT
grep -q 'dpd timeout 20' <<<"$(running)" || vm_fail "dpd timeout 20 not in the running config: $(running)"
vm_ping_all ha 10.2.0.10 2
s1=$(state)
vm_log "after: $s1"
[ "$s1" = "$s0" ] || vm_fail "in-place change of dpd timers changed SAs: before $s0, after $s1"
if vm_tunshd_logged a "CHILD SA up|IKE SA established|rekey" "$mark"; then
	vm_fail "in-place change renegotiated: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log")"
fi

vm_log "2. replace: remote network 10.2.0.0/24 -> 10.2.0.0/16"
read -r cin0 cout0 <<<"$(vm_charon_child_spis b lans)"
ike0=$(vm_charon_ike_spis b)
mark=$(vm_tunshd_lines a)
vm_tunsh_ok a "change the remote network" <<'EOT'
configure
ipsec tunnel to-b
 no remote-network 10.2.0.0/24
 remote-network 10.2.0.0/16
 exit
commit
EOT
vm_tunshd_wait a 15 "tunnel to-b: CHILD SA up" "$mark"
new_child() {
	local i o
	read -r i o <<<"$(vm_charon_child_spis b lans)"
	[ -n "$i" ] && [ "$i" != "$cin0" ] && [ "$o" != "$cout0" ] &&
		vm_swanctl b --list-sas --child lans | grep -q 'remote 10.1.0.0/24' &&
		vm_swanctl b --list-sas --child lans | grep -q 'local  10.2.0.0/16'
}
vm_wait 10 "charon: a new CHILD SA for 10.2.0.0/16" new_child
# The old CHILD SA goes once the new one is in.
vm_wait 10 "a keeps 2 SAs (the old CHILD SA deleted)" test "$(vm_xfrm_count a)" = 2
ike1=$(vm_charon_ike_spis b)
[ "$ike1" = "$ike0" ] || vm_fail "the IKE SA changed: before $ike0, after $ike1"
pol=$(ip -n a xfrm policy)
grep -q 'src 10.1.0.0/24 dst 10.2.0.0/16' <<<"$pol" || vm_fail "no policy to 10.2.0.0/16 in a: $pol"
if grep -q '10.2.0.0/24' <<<"$pol"; then vm_fail "a kept policies for 10.2.0.0/24: $pol"; fi
vm_ping_all ha 10.2.0.10 2
vm_ping_all hb 10.1.0.10 2
s2=$(state)
vm_log "after: $s2; tunshd: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | sed 's/.*tunnel to-b: //' | tr '\n' '|')"
vm_wait_same_pair_as_charon 15 a b lans 192.0.2.1 192.0.2.2

vm_log "3. a commit that fails in the kernel halfway"
# The route tunshd will want for to-c: same destination, table and metric
# (a new tunnel's route waits at standby, 1000 above 100, until its CHILD
# SA is up).
vm_ip a <<<"route add 10.3.0.0/24 dev lan metric 1100"
s3=$(state)
run3=$(running)
pol3=$(ip -n a xfrm policy | sort)
mark=$(vm_tunshd_lines a)
if out=$(vm_tunsh a 2>&1 <<'EOT'
configure
ipsec tunnel to-b
 dpd timeout 5
 dpd delay 15
 exit
ipsec tunnel to-c
 tunnel-type route-based
 wan-port wan1
 remote-address 192.0.2.3
 pre-shared-key vm-test-psk-not-secret-0123456789
 local-network vlan 10
 remote-network 10.3.0.0/24
 initiator off
 exit
commit
EOT
); then
	vm_fail "the commit succeeded although the route cannot be made: $out"
fi
vm_log "refused: $(tr -s ' \n' ' ' <<<"$out")"
grep -q "route to 10.3.0.0/24 through ts-to-c (metric 1100): File exists" <<<"$out" ||
	vm_fail "the commit's error does not name the route and the kernel's answer: $out"
run4=$(running)
[ "$run4" = "$run3" ] || vm_fail "the running config changed: before $run3, after $run4"
if ip -n a link show ts-to-c >/dev/null 2>&1; then
	vm_fail "ts-to-c is left behind: $(ip -n a link show ts-to-c)"
fi
s4=$(state)
[ "$s4" = "$s3" ] || vm_fail "the failed commit changed SAs: before $s3, after $s4"
pol4=$(ip -n a xfrm policy | sort)
[ "$pol4" = "$pol3" ] || vm_fail "the failed commit changed policies: before $pol3, after $pol4"
grep -q 'dev lan' <<<"$(ip -n a route show 10.3.0.0/24)" || vm_fail "the pre-existing route is gone"
vm_ping_all ha 10.2.0.10 2
vm_log "after: $s4; tunshd: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | tr '\n' '|')"
vm_log "PASS"
