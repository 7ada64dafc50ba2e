#!/usr/bin/env bash
# A renegotiate-class commit takes effect at commit, make-before-break
# (tunshd with the real kernel, charon in b), while ha pings hb every
# 0.2 s:
#  1. a new pre-shared key, given to charon first (swanctl --load-all
#     leaves its SAs alone): tunshd reauthenticates at once, so charon
#     lists one IKE SA with new SPIs and a new CHILD SA, and a's kernel
#     the new CHILD SA's SPIs; at most one ping is lost (see change());
#  2. an IKE proposal that charon accepts too (it takes both suites):
#     the same, and charon's IKE SA now has the new suite (ECP_384).
# Measured: pings lost, and the time from the commit to tunshd's
# "reauthenticated" (the new SAs up, the old IKE SA being deleted).

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
trap vm_stop_all EXIT

vm_charon_need openssl kernel-netlink vici

PSK2=vm-test-psk-not-secret-second-key-4567
IKE2=aes256gcm16-prfsha384-ecp384
export PEER_IKE="aes256gcm16-prfsha256-x25519, $IKE2"

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

# charon_moved IKE CHILD: charon lists exactly one IKE SA, not IKE, and
# an installed CHILD SA that is not CHILD.
charon_moved() {
	local i c
	i=$(vm_charon_ike_spis b)
	c=$(vm_charon_child_spis b lans)
	[ -n "$i" ] && [ "$i" != "$1" ] && [ "$(wc -l <<<"$i")" = 1 ] &&
		[ -n "$c" ] && [ "$c" != "$2" ]
}

# xfrm_errors: the non-zero XFRM error counters (/proc/net/xfrm_stat)
# of a and b.
xfrm_errors() {
	local ns
	for ns in a b; do
		printf '%s: ' "$ns"
		ip netns exec "$ns" cat /proc/net/xfrm_stat | awk '$2 != 0 { printf "%s=%s ", $1, $2 }'
	done
}

# change WHAT SCRIPT: commits SCRIPT under pings, checks new IKE and
# CHILD SAs on both ends and no ping lost; logs the figures.
change() {
	local what=$1 script=$2 ike0 child0 t0 t1 ms out stats ci co ai ao err0 got
	ike0=$(vm_charon_ike_spis b)
	child0=$(vm_charon_child_spis b lans)
	mark=$(vm_tunshd_lines a)
	err0=$(xfrm_errors)
	# What both kernels did, with times, for a change that loses one.
	ip -n a -t xfrm monitor >"$VM_WORK/xfrm-a.out" 2>&1 &
	mon_a=$!
	ip -n b -t xfrm monitor >"$VM_WORK/xfrm-b.out" 2>&1 &
	mon_b=$!
	vm_log "$what: pings start"
	ip netns exec ha busybox ping -c 50 -i 0.2 -W 2 10.2.0.10 >"$VM_WORK/ping.out" 2>&1 &
	ping_pid=$!
	sleep 2 # pings on the old SAs first
	t0=$EPOCHREALTIME
	vm_tunsh_ok a "$what" <<<"$script"
	vm_tunshd_wait a 15 "tunnel to-b: reauthenticated" "$mark"
	t1=$EPOCHREALTIME
	ms=$(((${t1/./} - ${t0/./}) / 1000))
	# The change ran under traffic: the pings outlast it.
	kill -0 "$ping_pid" 2>/dev/null ||
		vm_fail "the pings ended before the change was through: make them longer"
	vm_wait 10 "charon: one new IKE SA (was $ike0) and a new CHILD SA (was $child0)" \
		charon_moved "$ike0" "$child0"
	wait "$ping_pid" || true
	kill "$mon_a" "$mon_b" 2>/dev/null || true
	out=$(cat "$VM_WORK/ping.out")
	stats=$(grep 'packets transmitted' <<<"$out" || true)
	got=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' <<<"$stats")
	vm_log "$what: commit to reauthenticated ${ms} ms; ping: $stats"
	vm_log "missing seq: $(vm_ping_missing 50 <<<"$out"); XFRM errors before: $err0; after: $(xfrm_errors)"
	vm_log "IKE $ike0 -> $(vm_charon_ike_spis b); CHILD $child0 -> $(vm_charon_child_spis b lans)"
	vm_log "tunshd: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | sed 's/.*tunnel to-b: //' | tr '\n' '|')"
	if [ "${got:-0}" -lt 50 ]; then
		vm_log "a's kernel: $(grep -v '^\s*$' "$VM_WORK/xfrm-a.out" | tr -s ' \t' ' ' | tr '\n' '|')"
		vm_log "b's kernel: $(grep -v '^\s*$' "$VM_WORK/xfrm-b.out" | tr -s ' \t' ' ' | tr '\n' '|')"
	fi
	# One answer may be lost: charon, answering IKE_AUTH, sends on its
	# new outbound SA at once, and what it sends before its answer has
	# reached a meets a's larval inbound SA (XfrmAcquireError 1 in a; 1
	# change in 6 to 10 measured).  a cannot install that SA earlier
	# without taking ESP from a peer not yet authenticated.  A break-
	# before-make change loses the whole negotiation's worth (5 or more
	# at 5/s), so this still fails.
	[ "${got:-0}" -ge 49 ] || vm_fail "$what: pings lost: $stats"
	vm_wait 10 "a holds 2 SAs (the old CHILD SA deleted)" test "$(vm_xfrm_count a)" = 2
	vm_wait_same_pair_as_charon 15 a b lans 192.0.2.1 192.0.2.2
	out=$(echo "show ipsec tunnel to-b" | vm_tunsh a 2>&1)
	grep -q 'State: *up' <<<"$out" || vm_fail "$what: not up: $out"
	if grep -q 'Config:' <<<"$out"; then
		vm_fail "$what: still on the previous configuration: $out"
	fi
	vm_ping_all hb 10.1.0.10 2
}

vm_log "1. a new pre-shared key, on both ends"
PEER_PSK=$PSK2 vm_peer_conf | vm_charon_load b
change "new pre-shared key" "configure
ipsec tunnel to-b
 pre-shared-key $PSK2
 exit
commit"

vm_log "2. an IKE proposal charon accepts too"
change "new IKE proposal" "configure
ipsec tunnel to-b
 ike-proposal $IKE2
 no ike-proposal aes256gcm16-prfsha256-x25519
 exit
commit"
sas=$(vm_swanctl b --list-sas)
grep -q 'ECP_384' <<<"$sas" || vm_fail "charon's IKE SA is not of $IKE2: $sas"
vm_log "PASS"
