#!/usr/bin/env bash
# IKE fragmentation (RFC 7383) between tunshd in site a and libreswan's
# pluto as shipped (4.10: fragmentation=yes is its default) in site b,
# over a path that drops IP fragments, as fragmentation.sh does against
# charon: an IKE_AUTH that the path does not carry whole gets through
# only in IKE fragments.
#
# What makes IKE_AUTH large: tunshd offers 15 networks a side (15 TS
# entries in TSi and in TSr), 8 ESP proposals and long FQDN IDs.  15,
# not fragmentation.sh's 16: libreswan 4.10 refuses a TS payload of 16
# entries or more ("TSi contains 16 entries which exceeds hardwired max
# of 16", its array holds 16 and the check is >=), and answers
# TS_UNACCEPTABLE, which tunshd reports as "the peer refused our
# networks".
# libreswan 4.10 carries one selector pair per Child SA (its
# leftsubnets={...} makes one conn, and one Child SA in an exchange of
# its own, per pair: no larger IKE_AUTH), so pluto has the one pair
# 10.2.0.0/24 === 10.1.0.0/24 and narrows tunshd's offer to it; its own
# IKE_AUTH is made large by the same long IDs (IDi and IDr, about 260
# bytes each) and its default ESP proposal list: its IKE_AUTH request
# (run 2) goes in 2 fragments.  The responses carry one pair and one
# proposal and go whole (pluto's in run 1, tunshd's in run 2).
#
# The path: from a to b its MTU is 1000 (a route MTU in a), and tunshd
# runs with --ike-fragment-size 700 (IP datagrams of at most 728 bytes);
# both ends DROP IP fragments in raw PREROUTING (iptables -f), so a
# message the kernel had to cut is lost, and counted.
#
# Evidence of IKE fragments: pluto says nothing of them at its default
# logging (its fragment lines are debug only), so each gateway counts
# the IKE datagrams it receives whose IKE header names SKF (53) as its
# first payload (byte 16 of the IKE header; an iptables u32 match, on
# port 500 and, after the 4-byte non-ESP marker, on 4500); tunshd's
# "show ipsec counters" counts them too.
#
# Run 1: tunshd initiates; run 2: pluto initiates.  Each time: the tunnel
# comes up, pings cross both ways, no IP fragment was dropped, no IKE
# datagram from tunshd above 728 bytes, and the initiator's IKE_AUTH
# crossed in SKF datagrams, as many as tunshd counts.
#
#   ha (10.1.0.10) --lan-- a --wan--------------wan-- b --lan-- hb (10.2.0.10)
#          tunshd      10.1.0.1  192.0.2.1   192.0.2.2  10.2.0.1    pluto

# shellcheck source=SCRIPTDIR/../lib.sh
. "$TUNSH_TOP/tests/vm/lib.sh"
# shellcheck source=SCRIPTDIR/../pluto.sh
. "$TUNSH_TOP/tests/vm/pluto.sh"
trap vm_pluto_stop_all EXIT
vm_pluto_need

LONG=with-a-name-long-enough-to-fill-much-of-what-an-fqdn-may-hold.the-two-hundred-and-fifty-three-bytes-of-dns.so-that-ike-auth-passes-the-path.example.net
ID_A=gw-a.$LONG
ID_B=gw-b.$LONG
PSK=vm-test-psk-not-secret-0123456789
NETS=15 # networks a side: the most a libreswan 4.10 TS payload takes

vm_log "topology: MTU 1000 from a to b, IP fragments dropped at both ends"
vm_sites
vm_ip a <<EOF
route change 192.0.2.0/24 dev wan src 192.0.2.1 mtu lock 1000
EOF
# One iptables-restore a gateway (each exec costs in UML).  The SKF
# counters come first, with no target: they only count; a later IP
# fragment has no UDP header, so --dport does not match it.
for gw in a b; do
	ip netns exec "$gw" iptables-legacy-restore -w --noflush <<'EOF' ||
*raw
-I PREROUTING 1 -i wan -f -m comment --comment ipfrag -j DROP
-I PREROUTING 2 -i wan -p udp -m multiport --dports 500,4500 -m length --length 729:65535 -m comment --comment ike-big -j RETURN
-I PREROUTING 1 -i wan -p udp --dport 500 -m u32 --u32 "0>>22&0x3C@24>>24=53" -m comment --comment skf-500
-I PREROUTING 2 -i wan -p udp --dport 4500 -m u32 --u32 "0>>22&0x3C@28>>24=53" -m comment --comment skf-4500
COMMIT
EOF
		vm_fail "iptables-restore of the fragment counters in $gw"
done

# skf GW: IKE datagrams GW received whose first payload is SKF.
skf() {
	echo $(($(vm_ipt_count "$1" raw PREROUTING skf-500) +
		$(vm_ipt_count "$1" raw PREROUTING skf-4500)))
}

vm_log "pluto in b (fragmentation as shipped), tunshd in a"
# The IDs replace pluto.sh's address IDs; the PSK is keyed by them.
PLUTO_CONN="	leftid=@$ID_B
	rightid=@$ID_A" vm_pluto_conf |
	sed '/^\tleftid=192/d; /^\trightid=192/d' | vm_pluto_start b b
printf '@%s @%s : PSK "%s"\n' "$ID_B" "$ID_A" "$PSK" >"$VM_WORK/b/ipsec.secrets"
vm_whack b --rereadsecrets >"$VM_WORK/b/reread.out" 2>&1 ||
	vm_fail "pluto b: whack --rereadsecrets: $(cat "$VM_WORK/b/reread.out")"

vm_site_conf a 192.0.2.1 10.1.0.0/24 | vm_tunshd_start a a netlink \
	--ike-fragment-size 700

tunnel_script() { # tunnel_script INITIATOR(on|off)
	local i
	echo configure
	echo "ipsec tunnel to-b"
	echo " wan-port wan1"
	echo " remote-address 192.0.2.2"
	echo " pre-shared-key $PSK"
	echo " local-id $ID_A"
	echo " remote-id $ID_B"
	for i in $(seq 0 $((NETS - 1))); do echo " local-network 10.1.$i.0/24"; done
	for i in $(seq 0 $((NETS - 1))); do echo " remote-network 10.2.$i.0/24"; done
	for p in aes256gcm16 aes128gcm16 aes256-sha256 aes128-sha256 \
		aes256-sha384 aes256-sha512 aes128-sha1 aes256-sha1; do
		echo " esp-proposal $p"
	done
	[ "$1" = on ] || echo " no initiator"
	echo " exit"
	echo commit
}

# frag_counters: tunshd's "IN OUT" IKE fragments from show ipsec counters.
frag_counters() {
	local out
	out=$(echo "show ipsec counters" | vm_tunsh a 2>&1)
	sed -n 's/.*IKE fragments: *\([0-9]*\) in, \([0-9]*\) out.*/\1 \2/p' <<<"$out" |
		grep . || echo "? ?"
}

# check LABEL MARK: up, pings both ways, nothing cut by the kernel; sets
# SKF_A, SKF_B (SKF datagrams a and b received) and FRAG_IN, FRAG_OUT
# (tunshd's counters).
check() {
	local label=$1 mark=$2 n
	vm_tunshd_wait a 30 "tunnel to-b: CHILD SA up" "$mark"
	vm_pluto_wait b 30
	vm_ping_all ha 10.2.0.10 3
	vm_ping_all hb 10.1.0.10 3
	for gw in a b; do
		n=$(vm_ipt_count "$gw" raw PREROUTING ipfrag)
		[ "$n" = 0 ] || vm_fail "$label: $gw dropped $n IP fragments: an IKE message was cut by the kernel"
	done
	n=$(vm_ipt_count b raw PREROUTING ike-big)
	[ "$n" = 0 ] || vm_fail "$label: b received $n IKE datagrams above 728 bytes from tunshd"
	SKF_A=$(skf a)
	SKF_B=$(skf b)
	read -r FRAG_IN FRAG_OUT <<<"$(frag_counters)"
	[[ $FRAG_IN$FRAG_OUT =~ ^[0-9]+$ ]] ||
		vm_fail "$label: show ipsec counters has no IKE fragments line"
	vm_log "$label: SKF datagrams received: by b (tunshd's) $SKF_B, by a (pluto's) $SKF_A; tunshd counts $FRAG_IN in, $FRAG_OUT out; a received $(vm_ipt_count a raw PREROUTING ike-big) IKE datagrams above 728 bytes (pluto's)"
	vm_log "$label: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log" | grep -E 'narrowed|IKE SA established|CHILD SA up' | sed 's/^.*tunnel to-b: //' | tr '\n' '|')"
}

# pluto_said LABEL FROM-LINE: what pluto logged since then (as shipped,
# no debug): the SAs, and any line naming fragments.
pluto_said() {
	local said
	said=$(tail -n "+$(($2 + 1))" "$VM_WORK/b/pluto.log")
	vm_log "$1: pluto: $(grep -E 'established (IKE|Child) SA' <<<"$said" | sed 's/^.*: //' | tr '\n' '|')"
	vm_log "$1: pluto's lines naming fragments: $(grep -ci fragment <<<"$said" || true)"
	{ grep -i fragment <<<"$said" || true; } | sed 's/^[^"]*//' | sort | uniq -c |
		while read -r line; do vm_log "$1: pluto: $line"; done
}

vm_log "run 1: tunshd initiates"
p0=$(wc -l <"$VM_WORK/b/pluto.log")
mark=$(vm_tunshd_lines a)
tunnel_script on | vm_tunsh_ok a "add the tunnel"
check "run 1" "$mark"
[ "$SKF_B" -ge 2 ] || vm_fail "run 1: b received $SKF_B SKF datagrams: tunshd's IKE_AUTH request did not come in IKE fragments"
[ "$FRAG_OUT" = "$SKF_B" ] ||
	vm_fail "run 1: tunshd counts $FRAG_OUT IKE fragments sent, b's wire $SKF_B"
[ "$FRAG_IN" = "$SKF_A" ] ||
	vm_fail "run 1: tunshd counts $FRAG_IN IKE fragments received, a's wire $SKF_A"
in1=$FRAG_IN out1=$FRAG_OUT
pluto_said "run 1" "$p0"

vm_log "run 2: pluto initiates"
vm_tunsh_ok a "remove the tunnel" <<'EOF'
configure
no ipsec tunnel to-b
commit
EOF
vm_wait 10 "a's SAs are gone" test "$(vm_xfrm_count a)" = 0
vm_wait 15 "pluto's IKE SA is gone" \
	sh -c "! '$VM_PLUTO_EXEC/whack' --ctlsocket '$VM_WORK/b/pluto.ctl' --showstates | grep -q ESTABLISHED"
for gw in a b; do vm_ipt "$gw" -t raw -Z PREROUTING; done
p0=$(wc -l <"$VM_WORK/b/pluto.log")
mark=$(vm_tunshd_lines a)
tunnel_script off | vm_tunsh_ok a "add the tunnel, initiator off"
vm_pluto_up b site
check "run 2" "$mark"
vm_tunshd_logged a "tunnel to-b: IKE SA established with 192.0.2.2 as responder" "$mark" ||
	vm_fail "run 2: tunshd does not say it is the responder: $(tail -n "+$((mark + 1))" "$VM_WORK/a/tunshd.log")"
[ "$SKF_A" -ge 2 ] || vm_fail "run 2: a received $SKF_A SKF datagrams: pluto's IKE_AUTH request did not come in IKE fragments"
[ "$((FRAG_IN - in1))" = "$SKF_A" ] ||
	vm_fail "run 2: tunshd counts $((FRAG_IN - in1)) IKE fragments received, a's wire $SKF_A"
[ "$((FRAG_OUT - out1))" = "$SKF_B" ] ||
	vm_fail "run 2: tunshd counts $((FRAG_OUT - out1)) IKE fragments sent, b's wire $SKF_B"
pluto_said "run 2" "$p0"
vm_log "PASS"
