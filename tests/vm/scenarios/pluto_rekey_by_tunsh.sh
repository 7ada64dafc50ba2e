#!/usr/bin/env bash
# Rekeys started by tunsh under traffic, tunshd (real kernel, site a)
# against libreswan's pluto (site b) with its default lifetimes (so pluto
# starts none of them) and everything else shipped: tunsh's default
# proposals and pluto's, PFS on both (each CHILD rekey runs a key
# exchange).  tunshd initiates the tunnel; an admin then asks
# request ipsec rekey tunnel to-b three times and once with ike, a few
# seconds apart, while ha pings hb every 0.2 s for 30 s.  What a user
# would see: each request gives new CHILD SPIs (tunshd logs "CHILD SA
# rekeyed", not "by the peer"), pluto's IKE SA is replaced, not one ping
# is lost, and in the end a's kernel holds the one pair pluto lists.

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
 exit
commit
EOT
vm_tunshd_wait a 30 "tunnel to-b: CHILD SA up" "$mark"
vm_pluto_wait b
ike0=$(vm_pluto_ike_serial b site)
child0=$(vm_pluto_child_spis b site)
vm_log "up: IKE #$ike0, CHILD $child0"

# rekeyed_count REGEX: tunshd's log lines matching REGEX since the mark.
rekeyed_count() {
	tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -Ec -- "$1" || true
}

# pluto_child_is_not OLD: pluto's newest IPsec SA is another.
pluto_child_is_not() {
	local c
	c=$(vm_pluto_child_spis b site)
	[ -n "$c" ] && [ "$c" != "$1" ]
}

# pluto_ike_is_not OLD: pluto's established IKE SA is another.
pluto_ike_is_not() {
	local i
	i=$(vm_pluto_ike_serial b site)
	[ -n "$i" ] && [ "$i" != "$1" ]
}

vm_log "pinging every 0.2 s for 30 s"
ip netns exec ha busybox ping -c 150 -i 0.2 -W 2 10.2.0.10 >"$VM_WORK/ping.out" 2>&1 &
ping_pid=$!
sleep 2 # some pings on the first SA before the first rekey

prev=$child0
declare -A seen=(["$child0"]=1)
for i in 1 2 3; do
	vm_log "CHILD rekey $i"
	echo "request ipsec rekey tunnel to-b" | vm_tunsh_ok a "CHILD rekey $i"
	vm_wait 10 "tunshd logged CHILD rekey $i" \
		test "$(rekeyed_count 'tunnel to-b: CHILD SA [0-9a-f]+ rekeyed: now')" -ge "$i"
	vm_wait 10 "pluto lists a new IPsec SA after rekey $i (was $prev)" \
		pluto_child_is_not "$prev"
	prev=$(vm_pluto_child_spis b site)
	seen[$prev]=1
	vm_log "CHILD now $prev"
	sleep 3 # spacing: traffic on each new SA before the next rekey
done
vm_log "IKE rekey"
echo "request ipsec rekey tunnel to-b ike" | vm_tunsh_ok a "IKE rekey"
vm_tunshd_wait a 10 "tunnel to-b: IKE SA rekeyed" "$mark"
vm_wait 10 "pluto lists a new IKE SA (was #$ike0)" pluto_ike_is_not "$ike0"
ike1=$(vm_pluto_ike_serial b site)
vm_log "IKE now #$ike1"
# Every rekey ran under traffic: the pings outlast the last one.
kill -0 "$ping_pid" 2>/dev/null ||
	vm_fail "the pings ended before the IKE rekey did: make them longer"

wait "$ping_pid" || true
out=$(cat "$VM_WORK/ping.out")
stats=$(grep 'packets transmitted' <<<"$out" || true)
vm_log "ping: $stats"
vm_log "CHILD SPI pairs seen: ${#seen[@]} (${!seen[*]}); IKE #$ike0 -> #$ike1"
vm_log "tunshd: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -E 'rekeyed|established|CHILD SA up|error|WARN' | sed 's/.*tunnel to-b: //' | tr '\n' '|')"
vm_log "pluto: $(grep -E 'established|rekey|replace|expire|delete' "$VM_WORK/b/pluto.log" | sed 's/^[^"]*"site"//' | tr '\n' '|')"

grep -q '150 packets transmitted, 150 packets received' <<<"$out" ||
	vm_fail "pings lost during the rekeys started by tunsh: $stats; $(grep -v 'bytes from' <<<"$out" | tail -n 5)"
[ "${#seen[@]}" = 4 ] || vm_fail "pluto listed ${#seen[@]} IPsec SPI pairs, want 4 (3 rekeys)"
n=$(rekeyed_count 'rekeyed by the peer')
[ "$n" = 0 ] || vm_fail "tunshd logged $n rekeys by the peer; pluto should start none"
n=$(rekeyed_count 'tunnel to-b: CHILD SA [0-9a-f]+ rekeyed: now')
[ "$n" = 3 ] || vm_fail "tunshd logged $n CHILD rekeys, want 3"
# In the end one pair, pluto's, in a's kernel.
vm_wait 5 "a holds 2 SAs after the rekeys: $(ip -n a xfrm state | grep -E 'proto' | tr -s '\t\n' ' ')" \
	test "$(vm_xfrm_count a)" = 2
read -r pin pout <<<"$(vm_pluto_child_spis b site)"
ai=$(vm_xfrm_spis a 192.0.2.2 192.0.2.1)
ao=$(vm_xfrm_spis a 192.0.2.1 192.0.2.2)
{ [ "$ai" = "$pout" ] && [ "$ao" = "$pin" ]; } ||
	vm_fail "after the rekeys a holds in $ai out $ao, pluto in $pin out $pout"
vm_log "PASS"
